package io.liftshift.replicator;

import io.liftshift.protocol.ErrorCode;
import io.liftshift.protocol.ProtocolException;
import io.vertx.core.Context;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one connection's work on its staging volumes' queues, and holds the agent back while too
 * much of it is queued: the socket stops reading above the per-connection limit and reads again
 * below half of it. It exists apart from {@link AgentSession} so that the backpressure and the
 * mapping of a failed task to the session's ERROR are written once, for every kind of request.
 */
final class VolumeWork {
  // Logs under the session's name, as before the split: operators filter on that logger.
  private static final Logger LOG = Logger.getLogger(AgentSession.class.getName());

  /** Work on a staging volume; returns true when it counts as written data for the ACK cadence. */
  @FunctionalInterface
  interface Task {
    boolean run() throws ProtocolException, IOException;
  }

  private final NetSocket socket;
  private final Context context;
  private final long maxQueuedBytes;
  private final String remote;
  private final SessionWatchdog watchdog;
  private final BooleanSupplier closed;
  private final Predicate<StagingWriter> owns;
  private final BiConsumer<ErrorCode, String> failFromWorker;
  private final AtomicLong queuedBytes = new AtomicLong();

  /** Reading stopped by this side's own backlog; touched on the event loop only. */
  private boolean paused;

  /**
   * Queues the work of one session on its volumes.
   *
   * @param closed whether the session has ended (then reading never resumes)
   * @param owns whether the session still writes to a volume (not failed, not taken over)
   * @param failFromWorker ends the session from a worker thread
   */
  VolumeWork(
      NetSocket socket,
      Context context,
      ReplicatorOptions options,
      String remote,
      SessionWatchdog watchdog,
      BooleanSupplier closed,
      Predicate<StagingWriter> owns,
      BiConsumer<ErrorCode, String> failFromWorker) {
    this.socket = socket;
    this.context = context;
    this.maxQueuedBytes = options.maxQueuedBytesPerConnection();
    this.remote = remote;
    this.watchdog = watchdog;
    this.closed = closed;
    this.owns = owns;
    this.failFromWorker = failFromWorker;
  }

  /** Whether reading is stopped by this side's backlog (then the agent's silence is not idle). */
  boolean paused() {
    return paused;
  }

  /** Queues {@code task} on {@code w}'s queue; {@code bytes} count against the backlog. */
  void enqueue(StagingWriter w, int bytes, Task task) {
    long queued = queuedBytes.addAndGet(bytes);
    if (queued > maxQueuedBytes && !paused) {
      paused = true;
      socket.pause();
    }
    w.queue.execute(
        () -> {
          try {
            if (!owns.test(w)) {
              return;
            }
            task.run();
          } catch (ProtocolException e) {
            failFromWorker.accept(e.code(), e.detail());
          } catch (IOException e) {
            failFromWorker.accept(
                ErrorCode.STAGING_IO_ERROR,
                "writing staging volume " + w.volume().name() + " failed: " + e.getMessage());
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, remote + ": internal error", e);
            failFromWorker.accept(ErrorCode.INTERNAL, "internal error: " + e);
          } finally {
            long left = queuedBytes.addAndGet(-bytes);
            if (left < maxQueuedBytes / 2) {
              context.runOnContext(v -> resumeReading());
            }
          }
        });
  }

  private void resumeReading() {
    if (paused && !closed.getAsBoolean()) {
      paused = false;
      watchdog.heard();
      socket.resume();
    }
  }
}
