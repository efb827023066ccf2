package io.liftshift.agent;

import java.util.ArrayDeque;

/**
 * Bytes per second over the last ~10 s, from added amounts or a running total. Its own class so
 * that the status report measures the write, drain and wire rates alike.
 */
final class RateMeter {
  private final ArrayDeque<long[]> samples = new ArrayDeque<>();
  private long total;

  synchronized void add(long bytes) {
    total += bytes;
    tick();
  }

  synchronized void set(long runningTotal) {
    total = runningTotal;
    tick();
  }

  private void tick() {
    long now = System.nanoTime();
    if (samples.isEmpty() || now - samples.peekLast()[0] >= 1_000_000_000L) {
      samples.addLast(new long[] {now, total});
      if (samples.size() > 11) {
        samples.removeFirst();
      }
    }
  }

  synchronized long perSecond() {
    tick();
    long[] oldest = samples.peekFirst();
    long dt = System.nanoTime() - oldest[0];
    return dt < 500_000_000L ? 0 : (total - oldest[1]) * 1_000_000_000L / dt;
  }
}
