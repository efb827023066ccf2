package io.liftshift.trust;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Log lines about refused connections, at most one per reason and interval, each saying how many
 * more happened since: a flood must not turn into a flood of log lines, and an operator still
 * learns its size. Shared by the replication port and the control plane.
 */
public final class RateLimitedLog {
  private final Logger log;
  private final long intervalNanos;
  private final Map<String, Throttled> throttled = new ConcurrentHashMap<>();

  /** When one reason was last logged, and how many were not logged since. */
  private static final class Throttled {
    long lastNanos = Long.MIN_VALUE / 2;
    long suppressed;
  }

  public RateLimitedLog(Logger log, long intervalNanos) {
    this.log = log;
    this.intervalNanos = intervalNanos;
  }

  /**
   * Logs {@code message} unless a line with the same {@code reasonKey} was logged within the
   * interval; then only counts it.
   */
  public void log(Level level, String reasonKey, String message) {
    Throttled t = throttled.computeIfAbsent(level.getName() + reasonKey, k -> new Throttled());
    long now = System.nanoTime();
    long suppressed;
    synchronized (t) {
      if (now - t.lastNanos < intervalNanos) {
        t.suppressed++;
        return;
      }
      suppressed = t.suppressed;
      t.suppressed = 0;
      t.lastNanos = now;
    }
    log.log(
        level,
        message
            + (suppressed > 0
                ? " ("
                    + suppressed
                    + " more like it in the last "
                    + intervalNanos / 1_000_000_000L
                    + " s, not logged one by one)"
                : ""));
  }
}
