package io.liftshift.agent.tracking;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Finds changed blocks by re-reading disks in paced passes and comparing each block's xxHash64 with
 * the fingerprint of what was last sent. For image files, or where tracefs is not available; and,
 * slowly, as the real-time tracker's safety net. Blocks already pending are skipped.
 */
public final class ScanningChangeTracker implements ChangeTracker {
  private static final Logger LOG = Logger.getLogger(ScanningChangeTracker.class.getName());
  private static final int CHUNK_BYTES = 1 << 20;

  /** Default read budget: enough to scan 100 GB in under 20 minutes, little next to a workload. */
  public static final long DEFAULT_READ_BUDGET_MBPS = 100;

  /** Default pause between passes when scanning is the only tracker. */
  public static final long DEFAULT_PASS_INTERVAL_MILLIS = 10_000;

  /** One disk to scan. */
  public record Scanned(ChangeMap map, Path path) {}

  /** What a pass found. */
  public interface PassListener {
    void onPass(Scanned disk, long scannedBytes, long changedBytes, long nanos);
  }

  private final List<Scanned> disks;
  private final long readBudgetBytesPerSecond;
  private final long passIntervalMillis;
  private final PassListener listener;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong scannedBytes = new AtomicLong();
  private volatile long lastRoundStartNanos = -1;
  private final Object wake = new Object();
  private boolean passRequested;
  private Thread thread;

  /**
   * @param readBudgetMBps source read budget in MB/s (10^6 bytes); 0 = unlimited
   * @param passIntervalMillis pause between passes
   */
  public ScanningChangeTracker(
      List<Scanned> disks, long readBudgetMBps, long passIntervalMillis, PassListener listener) {
    this.disks = List.copyOf(disks);
    this.readBudgetBytesPerSecond = readBudgetMBps * 1_000_000L;
    this.passIntervalMillis = passIntervalMillis;
    this.listener = listener;
  }

  @Override
  public String kind() {
    return "scanning";
  }

  /** Bytes read by passes so far (MGN's rescanned bytes). */
  public long scannedBytes() {
    return scannedBytes.get();
  }

  @Override
  public void start() {
    thread = new Thread(this::loop, "change-scanner");
    thread.setDaemon(true);
    thread.start();
  }

  /** Starts a pass now rather than after the interval. */
  public void requestPass() {
    synchronized (wake) {
      passRequested = true;
      wake.notifyAll();
    }
  }

  /**
   * When the last complete round over every disk started ({@link System#nanoTime}), or -1: every
   * change made before that moment has been found.
   */
  public long lastRoundStartNanos() {
    return lastRoundStartNanos;
  }

  private void loop() {
    while (!stop.get()) {
      long roundStart = System.nanoTime();
      for (Scanned d : disks) {
        if (stop.get()) {
          return;
        }
        try {
          passOnce(d);
        } catch (IOException e) {
          LOG.warning("scan of " + d.path() + " failed: " + e.getMessage());
        }
      }
      if (!stop.get()) {
        lastRoundStartNanos = roundStart;
      }
      synchronized (wake) {
        long deadline = System.currentTimeMillis() + passIntervalMillis;
        while (!passRequested && !stop.get()) {
          long left = deadline - System.currentTimeMillis();
          if (left <= 0) {
            break;
          }
          try {
            wake.wait(left);
          } catch (InterruptedException e) {
            return;
          }
        }
        passRequested = false;
      }
    }
  }

  /** One pass over a disk: marks every block whose content differs from its fingerprint. */
  public long passOnce(Scanned d) throws IOException {
    return scan(d.map(), d.path(), readBudgetBytesPerSecond, stop, scannedBytes, d, listener);
  }

  /**
   * Scans a disk once; returns the bytes found changed. Used for passes and to repair a real-time
   * tracker that lost events.
   */
  public static long scan(
      ChangeMap map,
      Path path,
      long budgetBytesPerSecond,
      AtomicBoolean stop,
      AtomicLong scanned,
      Scanned tag,
      PassListener listener)
      throws IOException {
    long start = System.nanoTime();
    int blockBytes = map.blockBytes();
    long size = map.diskBytes();
    Fingerprints fp = map.fingerprints();
    ByteBuffer buf = DiskReader.buffer(CHUNK_BYTES);
    long changed = 0;
    try (DiskReader reader = DiskReader.open(path)) {
      for (long off = 0; off < size && !stop.get(); off += CHUNK_BYTES) {
        int len = (int) Math.min(CHUNK_BYTES, size - off);
        reader.read(buf, off, len);
        List<BlockRun> runs = new ArrayList<>();
        long runStart = -1;
        long block = off / blockBytes;
        for (int i = 0; i < len; i += blockBytes, block++) {
          int n = Math.min(blockBytes, len - i);
          boolean differs = !map.isPending(block) && Fingerprints.of(buf, i, n) != fp.get(block);
          if (differs && runStart < 0) {
            runStart = block;
          } else if (!differs && runStart >= 0) {
            runs.add(new BlockRun(runStart, (int) (block - runStart)));
            runStart = -1;
          }
        }
        if (runStart >= 0) {
          runs.add(new BlockRun(runStart, (int) (block - runStart)));
        }
        for (BlockRun r : runs) {
          changed += (long) r.blockCount() * blockBytes;
        }
        map.markRuns(runs);
        scanned.addAndGet(len);
        pace(start, off + len, budgetBytesPerSecond);
      }
    }
    if (listener != null) {
      listener.onPass(tag, size, changed, System.nanoTime() - start);
    }
    return changed;
  }

  private static void pace(long startNanos, long bytesDone, long budget) {
    if (budget <= 0) {
      return;
    }
    long dueNanos = startNanos + bytesDone * 1_000_000_000L / budget;
    long sleep = dueNanos - System.nanoTime();
    if (sleep > 0) {
      try {
        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    stop.set(true);
    synchronized (wake) {
      wake.notifyAll();
    }
    if (thread != null) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
