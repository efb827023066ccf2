package io.liftshift.replicator;

import java.util.logging.Logger;

/**
 * The deadlines of one agent connection: HELLO within the handshake timeout, and no silence longer
 * than the idle timeout while the replicator is ready to read. It exists apart from {@link
 * AgentSession} so that what counts as the agent's silence (and what is this side's own stall, not
 * counted) is decided in one place; the session only says which state it is in and fails the
 * connection when told why.
 */
final class SessionWatchdog {
  // Logs under the session's name, as before the split: operators filter on that logger.
  private static final Logger LOG = Logger.getLogger(AgentSession.class.getName());

  /** How often the session's timer calls {@link #overdue}. */
  static final long PERIOD_MILLIS = 250;

  /** A tick later than this means the event loop (or a GC) stalled, not the agent. */
  private static final long STALL_MILLIS = 2000;

  private final ReplicatorOptions options;
  private long lastFrameNanos = System.nanoTime();
  private long lastTickNanos = System.nanoTime();

  SessionWatchdog(ReplicatorOptions options) {
    this.options = options;
  }

  /** A frame arrived, or reading resumed after this side's own backlog: idle time restarts. */
  void heard() {
    lastFrameNanos = System.nanoTime();
  }

  /**
   * One tick of the timer. Returns why the connection is overdue, or null while it is not.
   *
   * @param who the connection as logs name it
   * @param awaitingHello no HELLO has been received yet
   * @param reading the session is ready and reading (not paused by its own backlog)
   */
  String overdue(String who, boolean awaitingHello, boolean reading) {
    long now = System.nanoTime();
    long lateMillis = (now - lastTickNanos) / 1_000_000 - PERIOD_MILLIS;
    lastTickNanos = now;
    if (lateMillis > STALL_MILLIS) {
      // This side stalled (event loop or GC), not the agent: its silence is not counted.
      LOG.warning(
          who
              + ": this replicator's event loop stalled for "
              + lateMillis
              + " ms; the agent's idle time restarts");
      lastFrameNanos = now;
    }
    long idleMillis = (System.nanoTime() - lastFrameNanos) / 1_000_000;
    if (awaitingHello && idleMillis > options.handshakeTimeoutMillis()) {
      return "no HELLO within " + options.handshakeTimeoutMillis() + " ms of connecting";
    } else if (reading && idleMillis > options.idleTimeoutSeconds() * 1000L) {
      // The replicator was reading (not paused by its own backlog): the agent or the network
      // between stopped sending.
      return "nothing received from the agent for "
          + options.idleTimeoutSeconds()
          + " s while this replicator was ready to read: the agent or the network stalled";
    }
    return null;
  }
}
