package io.liftshift.trust;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authentication failures per source address in a sliding window: once an address reaches the limit
 * it is paused for a while, so a wrong credential repeated from one address slows that address
 * only. Shared by the replication port (1500) and the control plane (443); safe for several event
 * loops at once.
 */
public final class AuthFailureBackoff {
  /** Past this many tracked addresses, those no longer paused are forgotten. */
  private static final int MAX_TRACKED_ADDRESSES = 10_000;

  private final int failuresBeforeBackoff;
  private final long windowNanos;
  private final long backoffNanos;
  private final Map<String, Failures> failures = new ConcurrentHashMap<>();

  /** Recent failures of one address, and until when it is paused. */
  private static final class Failures {
    final ArrayDeque<Long> times = new ArrayDeque<>();
    long pausedUntilNanos;
  }

  /**
   * @param failuresBeforeBackoff failures within {@code windowNanos} that pause an address
   * @param windowNanos the sliding window the failures are counted in
   * @param backoffNanos how long a paused address stays paused
   */
  public AuthFailureBackoff(int failuresBeforeBackoff, long windowNanos, long backoffNanos) {
    if (failuresBeforeBackoff < 1 || windowNanos <= 0 || backoffNanos < 0) {
      throw new IllegalArgumentException(
          "failuresBeforeBackoff must be at least 1 and the window positive, the backoff not"
              + " negative");
    }
    this.failuresBeforeBackoff = failuresBeforeBackoff;
    this.windowNanos = windowNanos;
    this.backoffNanos = backoffNanos;
  }

  /** Nanoseconds {@code address} stays paused, or 0 when it is not. */
  public long pausedNanos(String address) {
    Failures f = failures.get(address);
    if (f == null) {
      return 0;
    }
    synchronized (f) {
      return Math.max(0, f.pausedUntilNanos - System.nanoTime());
    }
  }

  /**
   * Counts a failure of {@code address}; true when this one paused it (the caller logs that once,
   * with what to fix).
   */
  public boolean failed(String address) {
    Failures f = failures.computeIfAbsent(address, k -> new Failures());
    long now = System.nanoTime();
    boolean paused = false;
    synchronized (f) {
      f.times.addLast(now);
      while (!f.times.isEmpty() && now - f.times.peekFirst() > windowNanos) {
        f.times.removeFirst();
      }
      if (f.times.size() >= failuresBeforeBackoff && f.pausedUntilNanos - now <= 0) {
        f.pausedUntilNanos = now + backoffNanos;
        f.times.clear();
        paused = true;
      }
    }
    if (failures.size() > MAX_TRACKED_ADDRESSES) {
      failures.entrySet().removeIf(e -> e.getValue().pausedUntilNanos - now < 0);
    }
    return paused;
  }

  public int failuresBeforeBackoff() {
    return failuresBeforeBackoff;
  }

  public long backoffSeconds() {
    return backoffNanos / 1_000_000_000L;
  }
}
