package io.liftshift.agent;

/**
 * Holds the wire rate to the control's bandwidth setting with a token bucket of 100 ms of credit.
 * The rate is read at every call, so a new setting applies to the very next frame.
 */
final class Throttle {
  private static final long BURST_NANOS = 100_000_000L;

  private final ReplicationControl control;
  private long availableBytes;
  private long lastNanos = System.nanoTime();
  private long lastMbps = -1;

  Throttle(ReplicationControl control) {
    this.control = control;
  }

  /**
   * Waits until {@code bytes} may be sent: while replication is paused or stopped (the link's
   * keepalive goes on meanwhile), then for the bandwidth.
   */
  synchronized void acquire(long bytes) throws InterruptedException {
    while (!control.awaitRunning(1000)) {
      if (control.desired() == ReplicationControl.Desired.DISCONNECTED) {
        throw new InterruptedException("the source server was disconnected from the service");
      }
    }
    while (true) {
      long mbps = control.throttleMbps();
      long now = System.nanoTime();
      if (mbps <= 0) {
        lastNanos = now;
        lastMbps = mbps;
        return;
      }
      long bytesPerSecond = mbps * 125_000L;
      long burst = Math.max(bytesPerSecond * BURST_NANOS / 1_000_000_000L, 64 << 10);
      if (mbps != lastMbps) {
        // A new setting starts from an empty bucket, so its first second is already at rate.
        availableBytes = Math.min(availableBytes, 0);
        lastMbps = mbps;
      }
      availableBytes =
          Math.min(burst, availableBytes + (now - lastNanos) * bytesPerSecond / 1_000_000_000L);
      lastNanos = now;
      if (availableBytes >= 0) {
        availableBytes -= bytes;
        return;
      }
      long waitNanos = -availableBytes * 1_000_000_000L / bytesPerSecond;
      // Sleep in short steps, so a raised limit is noticed quickly.
      long step = Math.min(waitNanos, 50_000_000L);
      Thread.sleep(step / 1_000_000, (int) (step % 1_000_000));
    }
  }
}
