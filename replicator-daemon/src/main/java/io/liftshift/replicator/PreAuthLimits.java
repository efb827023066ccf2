package io.liftshift.replicator;

import io.liftshift.trust.AuthFailureBackoff;
import io.liftshift.trust.RateLimitedLog;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What an unauthenticated connection may cost on the replication port. Connections that have not
 * sent an accepted HELLO are capped in total and per source address, and a source whose credentials
 * keep failing is refused for a while; refusals cost a close and a counter, and are logged at most
 * once per {@link #LOG_INTERVAL_NANOS} per reason with how many happened since. Shared by every
 * event loop of one replicator; authenticated sessions are never counted here.
 */
final class PreAuthLimits {
  private static final Logger LOG = Logger.getLogger(PreAuthLimits.class.getName());
  static final long LOG_INTERVAL_NANOS = 10_000_000_000L;
  private static final long FAILURE_WINDOW_NANOS = 60_000_000_000L;

  private final int maxTotal;
  private final int maxPerSource;
  private final AtomicInteger total = new AtomicInteger();
  private final Map<String, AtomicInteger> perSource = new ConcurrentHashMap<>();
  private final AuthFailureBackoff failures;
  private final RateLimitedLog refusals = new RateLimitedLog(LOG, LOG_INTERVAL_NANOS);
  final AtomicLong refused = new AtomicLong();

  PreAuthLimits(ReplicatorOptions o) {
    this.maxTotal = o.maxUnauthenticatedConnections();
    this.maxPerSource = o.maxUnauthenticatedConnectionsPerSource();
    this.failures =
        new AuthFailureBackoff(
            o.authFailuresBeforeBackoff(),
            FAILURE_WINDOW_NANOS,
            o.authFailureBackoffSeconds() * 1_000_000_000L);
  }

  /**
   * Counts a new connection from {@code source}, or says why it is refused (then it is not
   * counted).
   */
  String tryEnter(String source) {
    long left = failures.pausedNanos(source);
    if (left > 0) {
      return "its agent credentials failed "
          + failures.failuresBeforeBackoff()
          + " times: refused for another "
          + (left / 1_000_000_000L + 1)
          + " s";
    }
    if (total.incrementAndGet() > maxTotal) {
      total.decrementAndGet();
      return maxTotal + " connections are already waiting for HELLO (all sources)";
    }
    AtomicInteger n = perSource.computeIfAbsent(source, k -> new AtomicInteger());
    if (n.incrementAndGet() > maxPerSource) {
      n.decrementAndGet();
      total.decrementAndGet();
      return maxPerSource + " connections from this address are already waiting for HELLO";
    }
    return null;
  }

  /** The connection authenticated or closed: it no longer counts. */
  void leave(String source) {
    total.decrementAndGet();
    perSource.computeIfPresent(source, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  int unauthenticated() {
    return total.get();
  }

  /** A wrong token from {@code source}; enough of them in a minute refuse the source a while. */
  void authFailed(String source, String detail) {
    if (failures.failed(source)) {
      LOG.warning(
          "source "
              + source
              + ": "
              + failures.failuresBeforeBackoff()
              + " authentication failures within 60 s (last: "
              + detail
              + "); its connections are refused for "
              + failures.backoffSeconds()
              + " s. Check the agent token configured on that server, or block the address.");
    }
  }

  /** Logs a refused or failed pre-authentication connection, at most once per interval. */
  void logRefusal(Level level, String source, String reason) {
    refused.incrementAndGet();
    refusals.log(
        level,
        reason.replaceAll("[0-9]+ s$", ""),
        "connection from " + source + " refused: " + reason);
  }
}
