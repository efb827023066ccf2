package io.liftshift.agent;

import io.liftshift.agent.tracking.ChangeMap;
import io.liftshift.agent.tracking.ChangeTracker;
import io.liftshift.agent.tracking.DiskReader;
import io.liftshift.agent.tracking.ScanningChangeTracker;
import io.liftshift.agent.tracking.TracefsChangeTracker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The agent's change tracking for all its disks: each disk's persisted {@link ChangeMap}, the
 * tracker that fills them (tracefs where it can, scanning otherwise), the periodic checkpoint, and
 * the repair scans that follow a loss of events or a reboot.
 */
public final class ChangeTracking implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ChangeTracking.class.getName());

  private final AgentOptions options;
  private final List<DiskProgress> disks;
  private final ScheduledExecutorService background =
      Executors.newScheduledThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "change-tracking");
            t.setDaemon(true);
            return t;
          });
  private final AtomicBoolean closing = new AtomicBoolean();
  private final AtomicLong repairs = new AtomicLong();
  private final Object commitLock = new Object();
  private ChangeTracker realTime;
  private ScanningChangeTracker scanner;
  private String kind;

  private ChangeTracking(AgentOptions options, List<DiskProgress> disks) {
    this.options = options;
    this.disks = disks;
  }

  static ChangeTracking start(AgentOptions options, List<DiskProgress> disks, SyncListener listener)
      throws IOException {
    ChangeTracking t = new ChangeTracking(options, disks);
    try {
      t.open();
    } catch (IOException | RuntimeException e) {
      t.close();
      throw e;
    }
    return t;
  }

  /** A file-safe, stable name for a disk's change state. */
  static String stateName(String diskKey) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256").digest(diskKey.getBytes(StandardCharsets.UTF_8));
      String tail = diskKey.replaceAll("[^A-Za-z0-9._-]", "_");
      tail = tail.length() > 40 ? tail.substring(tail.length() - 40) : tail;
      return tail + "-" + HexFormat.of().formatHex(h, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void open() throws IOException {
    Path dir = options.stateDir().resolve("changes");
    for (DiskProgress d : disks) {
      d.changes =
          ChangeMap.open(
              dir,
              stateName(d.disk.diskKey),
              d.disk.diskKey,
              d.disk.sizeBytes,
              options.trackingBlockBytes());
      d.reader = DiskReader.open(d.disk.path);
      ChangeMap.Opened o = d.changes.opened();
      if (o.origin() == ChangeMap.Origin.RESCAN) {
        d.rescanReason = "full rescan: " + o.reason();
      }
    }
    boolean tracefs = chooseTracefs();
    if (tracefs) {
      Map<ChangeMap, Path> devices = new LinkedHashMap<>();
      for (DiskProgress d : disks) {
        devices.put(d.changes, d.disk.path);
      }
      TracefsChangeTracker t =
          new TracefsChangeTracker(
              options.tracefs(),
              "liftshift-" + stateName(options.sourceServerId()),
              options.tracefsBufferKb(),
              devices,
              this::onLoss,
              commitLock);
      t.start();
      realTime = t;
      kind = "tracefs";
    } else {
      kind = "scanning";
    }
    for (DiskProgress d : disks) {
      if (d.changes.opened().origin() == ChangeMap.Origin.RESUMED_NEEDS_SCAN) {
        repair(d, d.changes.opened().reason());
      }
    }
    background.scheduleWithFixedDelay(
        this::checkpoint,
        Agent.CHECKPOINT_INTERVAL_MILLIS,
        Agent.CHECKPOINT_INTERVAL_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  private boolean chooseTracefs() {
    if (options.tracker() == AgentOptions.TrackerMode.SCANNING) {
      return false;
    }
    for (DiskProgress d : disks) {
      Optional<String> why = TracefsChangeTracker.unavailable(options.tracefs(), d.disk.path);
      if (why.isPresent()) {
        if (options.tracker() == AgentOptions.TrackerMode.TRACEFS) {
          throw new IllegalArgumentException("real-time tracking is not possible: " + why.get());
        }
        LOG.info("using the scanning tracker: " + why.get());
        return false;
      }
    }
    return true;
  }

  public String kind() {
    return kind;
  }

  /** Held while the real-time tracker applies a read's marks; a consistent take holds it too. */
  Object commitLock() {
    return commitLock;
  }

  /**
   * True when every write made before this call is now marked (the real-time tracker read past a
   * marker); false when that cannot be known (the scanning tracker) or in time.
   */
  boolean awaitCaughtUp(long timeoutMillis) throws IOException, InterruptedException {
    return realTime instanceof TracefsChangeTracker t
        && noRepairRunning()
        && t.awaitCaughtUp(timeoutMillis);
  }

  private boolean noRepairRunning() {
    return disks.stream().allMatch(d -> d.rescanReason == null);
  }

  /** The real-time tracker, when one runs (tests use it to simulate a slow reader). */
  public Optional<TracefsChangeTracker> realTime() {
    return Optional.ofNullable(realTime instanceof TracefsChangeTracker t ? t : null);
  }

  /** Repair scans run so far (after a loss of events or a reboot). */
  public long repairs() {
    return repairs.get();
  }

  public ChangeMap changes(int diskIndex) {
    return disks.get(diskIndex).changes;
  }

  /**
   * Every disk is durable to its end: the maps say so, and the scanning tracker (or the real-time
   * tracker's safety-net pass) starts now that every fingerprint is known.
   */
  synchronized void initialSyncDurable() throws IOException {
    for (DiskProgress d : disks) {
      if (!d.changes.initialSyncComplete()) {
        d.changes.initialSyncCompleted();
      }
    }
    if (scanner != null) {
      return;
    }
    List<ScanningChangeTracker.Scanned> scanned = new ArrayList<>();
    for (DiskProgress d : disks) {
      scanned.add(new ScanningChangeTracker.Scanned(d.changes, d.disk.path));
    }
    if (realTime == null) {
      scanner =
          new ScanningChangeTracker(
              scanned,
              options.scanReadBudgetMBps(),
              options.scanPassIntervalMillis(),
              (disk, bytes, changed, nanos) -> progressOf(disk).rescannedBytes.addAndGet(bytes));
      scanner.start();
    } else if (options.verifyPassIntervalSeconds() > 0) {
      // The safety net: slow, so that the source's own workload never notices it.
      scanner =
          new ScanningChangeTracker(
              scanned,
              Math.max(1, options.scanReadBudgetMBps() / 5),
              options.verifyPassIntervalSeconds() * 1000,
              (disk, bytes, changed, nanos) -> {
                if (changed > 0) {
                  LOG.warning(
                      "safety-net pass of "
                          + disk.path()
                          + " found "
                          + changed
                          + " changed bytes the real-time tracker had not reported; they are"
                          + " replicated now");
                }
              });
      background.schedule(scanner::start, options.verifyPassIntervalSeconds(), TimeUnit.SECONDS);
    }
  }

  /** Starts a pass of the scanning tracker now (benchmarks, and a scan-only agent's users). */
  public void requestScan() {
    if (scanner != null) {
      scanner.requestPass();
    }
  }

  /** When the scanning tracker's last complete round started (nanoTime), or -1. */
  public long lastScanRoundStartNanos() {
    return scanner == null ? -1 : scanner.lastRoundStartNanos();
  }

  private DiskProgress progressOf(ScanningChangeTracker.Scanned s) {
    for (DiskProgress d : disks) {
      if (d.changes == s.map()) {
        return d;
      }
    }
    throw new IllegalStateException("unknown disk");
  }

  /** The real-time tracker lost events: every tracked disk gets a repair scan, state RESCAN. */
  private void onLoss(String reason) {
    LOG.warning("change tracking lost events: " + reason + "; repairing with a scan");
    for (DiskProgress d : disks) {
      repair(d, reason);
    }
  }

  private void repair(DiskProgress d, String reason) {
    if (closing.get()) {
      return;
    }
    d.rescanReason = reason;
    repairs.incrementAndGet();
    background.execute(
        () -> {
          try {
            long changed =
                ScanningChangeTracker.scan(
                    d.changes,
                    d.disk.path,
                    options.scanReadBudgetMBps() * 1_000_000L,
                    closing,
                    d.rescannedBytes,
                    null,
                    null);
            LOG.info("repair scan of " + d.disk + " found " + changed + " changed bytes");
            d.rescanReason = null;
          } catch (IOException e) {
            d.rescanReason = reason + "; the repair scan failed: " + e.getMessage();
          }
        });
  }

  private void checkpoint() {
    for (DiskProgress d : disks) {
      try {
        d.changes.checkpoint();
      } catch (IOException | RuntimeException e) {
        LOG.warning("checkpoint of " + d.disk + " change state failed: " + e.getMessage());
      }
    }
  }

  /**
   * Stops tracking and saves every map cleanly. A tracefs instance stays, so writes made until the
   * next start are still recorded.
   */
  @Override
  public void close() {
    closing.set(true);
    if (scanner != null) {
      scanner.close();
    }
    if (realTime != null) {
      realTime.close();
    }
    background.shutdownNow();
    try {
      background.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    boolean clean = !(realTime instanceof TracefsChangeTracker t && t.lostEventsAtClose());
    for (DiskProgress d : disks) {
      try {
        if (d.changes != null) {
          d.changes.close(clean);
        }
        if (d.reader != null) {
          d.reader.close();
        }
      } catch (IOException e) {
        LOG.warning("closing change state of " + d.disk + ": " + e.getMessage());
      }
    }
  }
}
