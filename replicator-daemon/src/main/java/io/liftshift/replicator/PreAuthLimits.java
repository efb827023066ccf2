package io.liftshift.replicator;

import java.util.ArrayDeque;
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
  private final int failuresBeforeBackoff;
  private final long backoffNanos;
  private final AtomicInteger total = new AtomicInteger();
  private final Map<String, AtomicInteger> perSource = new ConcurrentHashMap<>();
  private final Map<String, Failures> failures = new ConcurrentHashMap<>();
  private final Map<String, Throttled> throttled = new ConcurrentHashMap<>();
  final AtomicLong refused = new AtomicLong();

  /** Recent authentication failures of one source, and until when it is refused. */
  private static final class Failures {
    final ArrayDeque<Long> times = new ArrayDeque<>();
    long refusedUntilNanos;
  }

  /** One reason's log line, with the count of refusals not logged since the last one. */
  private static final class Throttled {
    long lastNanos = Long.MIN_VALUE / 2;
    long suppressed;
  }

  PreAuthLimits(ReplicatorOptions o) {
    this.maxTotal = o.maxUnauthenticatedConnections();
    this.maxPerSource = o.maxUnauthenticatedConnectionsPerSource();
    this.failuresBeforeBackoff = o.authFailuresBeforeBackoff();
    this.backoffNanos = o.authFailureBackoffSeconds() * 1_000_000_000L;
  }

  /**
   * Counts a new connection from {@code source}, or says why it is refused (then it is not
   * counted).
   */
  String tryEnter(String source) {
    Failures f = failures.get(source);
    if (f != null) {
      synchronized (f) {
        long left = f.refusedUntilNanos - System.nanoTime();
        if (left > 0) {
          return "its agent credentials failed "
              + failuresBeforeBackoff
              + " times: refused for another "
              + (left / 1_000_000_000L + 1)
              + " s";
        }
      }
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
    Failures f = failures.computeIfAbsent(source, k -> new Failures());
    long now = System.nanoTime();
    synchronized (f) {
      f.times.addLast(now);
      while (!f.times.isEmpty() && now - f.times.peekFirst() > FAILURE_WINDOW_NANOS) {
        f.times.removeFirst();
      }
      if (f.times.size() >= failuresBeforeBackoff && f.refusedUntilNanos - now <= 0) {
        f.refusedUntilNanos = now + backoffNanos;
        f.times.clear();
        LOG.warning(
            "source "
                + source
                + ": "
                + failuresBeforeBackoff
                + " authentication failures within 60 s (last: "
                + detail
                + "); its connections are refused for "
                + backoffNanos / 1_000_000_000L
                + " s. Check the agent token configured on that server, or block the address.");
      }
    }
    if (failures.size() > 10_000) {
      failures.entrySet().removeIf(e -> e.getValue().refusedUntilNanos - now < 0);
    }
  }

  /** Logs a refused or failed pre-authentication connection, at most once per interval. */
  void logRefusal(Level level, String source, String reason) {
    refused.incrementAndGet();
    String key = level.getName() + reason.replaceAll("[0-9]+ s$", "");
    Throttled t = throttled.computeIfAbsent(key, k -> new Throttled());
    long now = System.nanoTime();
    long suppressed;
    synchronized (t) {
      if (now - t.lastNanos < LOG_INTERVAL_NANOS) {
        t.suppressed++;
        return;
      }
      suppressed = t.suppressed;
      t.suppressed = 0;
      t.lastNanos = now;
    }
    LOG.log(
        level,
        "connection from "
            + source
            + " refused: "
            + reason
            + (suppressed > 0
                ? " (" + suppressed + " more like it in the last 10 s, not logged one by one)"
                : ""));
  }
}
