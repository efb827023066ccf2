package io.liftshift.agent;

/**
 * What the operator wants of a running agent, changed live (from the control plane's heartbeat and
 * instruction answers) without reconnecting: the bandwidth throttle and whether to replicate.
 */
public final class ReplicationControl {
  /** The operator's wish for data replication (PauseReplication, StopReplication, ...). */
  public enum Desired {
    RUNNING,
    PAUSED,
    STOPPED,
    /** Disconnected from the service: replication ends for good and the agent uninstalls. */
    DISCONNECTED
  }

  private volatile long throttleMbps;
  private volatile Desired desired = Desired.RUNNING;

  public ReplicationControl() {}

  public ReplicationControl(long throttleMbps) {
    this.throttleMbps = throttleMbps;
  }

  /** Bandwidth limit in Mbps (10^6 bits/s) on the wire; 0 = unlimited. */
  public long throttleMbps() {
    return throttleMbps;
  }

  public synchronized void throttleMbps(long mbps) {
    if (mbps < 0) {
      throw new IllegalArgumentException("throttleMbps must be ≥ 0 (0 = unlimited)");
    }
    this.throttleMbps = mbps;
    notifyAll();
  }

  public Desired desired() {
    return desired;
  }

  public synchronized void desired(Desired d) {
    if (desired == Desired.DISCONNECTED) {
      return; // for good
    }
    this.desired = d;
    notifyAll();
  }

  /** Applies what the control plane answered. */
  public void apply(ControlPlaneLink.Instructions i) {
    throttleMbps(i.bandwidthThrottlingMbps());
    desired(
        switch (i.replication()) {
          case "PAUSED" -> Desired.PAUSED;
          case "STOPPED" -> Desired.STOPPED;
          default -> Desired.RUNNING;
        });
  }

  /** Waits while replication is paused or stopped, at most {@code millis}; true when running. */
  public synchronized boolean awaitRunning(long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (desired != Desired.RUNNING) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return true;
  }
}
