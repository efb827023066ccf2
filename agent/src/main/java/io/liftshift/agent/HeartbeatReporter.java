package io.liftshift.agent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Reports replication to the control plane and applies what it answers. Heartbeats go at most every
 * few seconds and never on the sending thread: a slow or absent control plane must not slow
 * replication down. The operator's changes (throttle, pause, resume, stop) arrive through a
 * long-poll of their own, so they apply within a second, without reconnecting anything.
 */
public final class HeartbeatReporter implements SyncListener, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(HeartbeatReporter.class.getName());
  public static final long DEFAULT_INTERVAL_MILLIS = 5000;

  private final ControlPlaneLink link;
  private final SyncListener next;
  private final long intervalMillis;
  private final ReplicationControl control;
  private final ExecutorService sender =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "heartbeat");
            t.setDaemon(true);
            return t;
          });
  private final AtomicBoolean inFlight = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private Thread instructions;
  private long lastSentMillis;

  public HeartbeatReporter(ControlPlaneLink link, SyncListener next, long intervalMillis) {
    this(link, next, intervalMillis, null);
  }

  /**
   * @param control receives the operator's wishes; null to only report
   */
  public HeartbeatReporter(
      ControlPlaneLink link, SyncListener next, long intervalMillis, ReplicationControl control) {
    this.link = link;
    this.next = next;
    this.intervalMillis = intervalMillis;
    this.control = control;
    if (control != null) {
      instructions = new Thread(this::followInstructions, "control-plane-instructions");
      instructions.setDaemon(true);
      instructions.start();
    }
  }

  private void followInstructions() {
    long version = -1;
    long backoff = 1000;
    while (!closed.get()) {
      try {
        ControlPlaneLink.Instructions i = link.awaitInstructions(version);
        control.apply(i);
        version = i.version();
        backoff = 1000;
      } catch (DisconnectedFromServiceException e) {
        disconnected(e);
        return;
      } catch (IOException | RuntimeException e) {
        if (closed.get()) {
          return;
        }
        LOG.fine("instructions from the control plane: " + e.getMessage());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          return;
        }
        backoff = Math.min(30_000, backoff * 2);
      }
    }
  }

  @Override
  public void onProgress(SyncProgress p) {
    next.onProgress(p);
    if (due()) {
      sender.execute(() -> send(initialSync(p)));
    }
  }

  @Override
  public void onStatus(ReplicationStatus status) {
    next.onStatus(status);
    if (due()) {
      sender.execute(() -> send(status));
    }
  }

  private boolean due() {
    long now = System.currentTimeMillis();
    if (now - lastSentMillis >= intervalMillis && inFlight.compareAndSet(false, true)) {
      lastSentMillis = now;
      return true;
    }
    return false;
  }

  @Override
  public void onReconnecting(String reason, long backoffMillis) {
    next.onReconnecting(reason, backoffMillis);
    if (due()) {
      sender.execute(
          () ->
              send(
                  new ReplicationStatus(
                      "STALLED", 0, -1, "UNSTABLE_NETWORK", reason, "", 0, 0, List.of(), 0)));
    }
  }

  @Override
  public void onVerifying() {
    next.onVerifying();
  }

  /** Reports a completed initial sync: every disk replicated to its end. */
  public void reportComplete(SyncReport r) {
    List<SyncProgress.Disk> done = new ArrayList<>();
    for (DiskReport d : r.disks()) {
      done.add(new SyncProgress.Disk(d.diskKey(), d.sizeBytes(), d.sizeBytes(), d.sizeBytes()));
    }
    long total = r.totalBytes();
    inFlight.set(true);
    send(initialSync(new SyncProgress(total, total, total, r.wireBytes(), r.syncNanos(), done)));
  }

  private static ReplicationStatus initialSync(SyncProgress p) {
    List<ReplicationStatus.Disk> disks = new ArrayList<>();
    for (SyncProgress.Disk d : p.disks()) {
      disks.add(
          new ReplicationStatus.Disk(
              d.diskKey(), "INITIAL_SYNC", d.totalBytes(), d.durableBytes(), 0, 0, ""));
    }
    long rate = p.elapsedNanos() > 0 ? p.durableBytes() * 1_000_000_000L / p.elapsedNanos() : 0;
    long eta = rate > 0 ? (p.totalBytes() - p.durableBytes()) / rate : -1;
    return new ReplicationStatus("INITIAL_SYNC", 0, eta, "", "", "", rate, 0, disks, 0);
  }

  private void send(ReplicationStatus status) {
    try {
      ControlPlaneLink.Instructions i = link.report(status);
      if (control != null) {
        control.apply(i);
      }
    } catch (DisconnectedFromServiceException e) {
      disconnected(e);
    } catch (IOException | RuntimeException e) {
      LOG.warning("heartbeat to the control plane failed: " + e.getMessage());
    } finally {
      inFlight.set(false);
    }
  }

  private void disconnected(DisconnectedFromServiceException e) {
    if (control != null && control.desired() != ReplicationControl.Desired.DISCONNECTED) {
      LOG.warning("the control plane disconnected this source server: " + e.getMessage());
      control.desired(ReplicationControl.Desired.DISCONNECTED);
    }
  }

  @Override
  public void close() {
    closed.set(true);
    sender.shutdown();
    if (instructions != null) {
      instructions.interrupt();
    }
  }
}
