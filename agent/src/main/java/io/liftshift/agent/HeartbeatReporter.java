package io.liftshift.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Forwards sync progress to the control plane as heartbeats, at most every few seconds and never on
 * the sending thread: a slow or absent control plane must not slow replication down.
 */
public final class HeartbeatReporter implements SyncListener, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(HeartbeatReporter.class.getName());
  public static final long DEFAULT_INTERVAL_MILLIS = 5000;

  private final ControlPlaneLink link;
  private final SyncListener next;
  private final long intervalMillis;
  private final ExecutorService sender =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "heartbeat");
            t.setDaemon(true);
            return t;
          });
  private final AtomicBoolean inFlight = new AtomicBoolean();
  private long lastSentMillis;

  public HeartbeatReporter(ControlPlaneLink link, SyncListener next, long intervalMillis) {
    this.link = link;
    this.next = next;
    this.intervalMillis = intervalMillis;
  }

  @Override
  public void onProgress(SyncProgress p) {
    next.onProgress(p);
    long now = System.currentTimeMillis();
    if (now - lastSentMillis >= intervalMillis && inFlight.compareAndSet(false, true)) {
      lastSentMillis = now;
      sender.execute(() -> send("INITIAL_SYNC", p));
    }
  }

  @Override
  public void onReconnecting(String reason, long backoffMillis) {
    next.onReconnecting(reason, backoffMillis);
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
    send("INITIAL_SYNC", new SyncProgress(total, total, total, r.wireBytes(), r.syncNanos(), done));
  }

  private void send(String state, SyncProgress p) {
    try {
      List<long[]> disks = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (SyncProgress.Disk d : p.disks()) {
        disks.add(new long[] {d.totalBytes(), d.durableBytes(), 0});
        names.add(d.diskKey());
      }
      link.heartbeat(state, disks, names);
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warning("heartbeat to the control plane failed: " + e.getMessage());
    } finally {
      inFlight.set(false);
    }
  }

  @Override
  public void close() {
    sender.shutdown();
  }
}
