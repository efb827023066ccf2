package io.liftshift.agent.tracking;

import static io.liftshift.agent.tracking.Bitmap.count;
import static io.liftshift.agent.tracking.Bitmap.get;
import static io.liftshift.agent.tracking.ChangeJournal.CLEAN;
import static io.liftshift.agent.tracking.ChangeJournal.MARK;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The blocks of one source disk that still have to reach the staging volume: <i>dirty</i> (changed,
 * not yet taken) and <i>in flight</i> (taken and sent, not yet confirmed durable by a BARRIER_ACK).
 * A block leaves the map only when its barrier is acknowledged and it was not changed again
 * meanwhile.
 *
 * <p>Persistence (docs/continuous-replication.md, "Change state"): a versioned snapshot of dirty ∪
 * in-flight, CRC-32C checked on read and replaced atomically at a bounded interval ({@link
 * ChangeSnapshot}), plus a journal of MARK and CLEAN records written (not fsynced) as they happen
 * ({@link ChangeJournal}); {@link ChangeRecovery} reads both back at open. A killed agent loses
 * nothing: the journal's writes are in the page cache. After a reboot the journal may be short, so
 * the caller adds a fingerprint scan ({@link #opened()} says so). A missing or corrupt snapshot
 * means every block is dirty: a full rescan, and the state says why.
 */
public final class ChangeMap implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ChangeMap.class.getName());

  /** Longest run handed out by {@link #take}: one BLOCK_DATA frame's payload at most. */
  public static final int MAX_RUN_BYTES = 1 << 20;

  /** How the state was found when the map was opened. */
  public enum Origin {
    /** No state: a disk never replicated from here. */
    NEW,
    /** The state was read and the journal replayed: nothing is sent again that was durable. */
    RESUMED,
    /** Resumed, but writes may have gone untracked (a reboot): a fingerprint scan must follow. */
    RESUMED_NEEDS_SCAN,
    /** The state was missing parts or corrupt: every block is dirty. */
    RESCAN
  }

  /** How the state was found, and why when it was not plainly resumed. */
  public record Opened(Origin origin, String reason) {}

  /** Blocks handed to the sender; {@link #ack} it when its barrier is confirmed. */
  public record Batch(
      List<BlockRun> runs, long blockCount, long takeNanos, boolean drainedAll, long generation) {}

  private final ChangeSnapshot snapshotFile;
  private final ChangeJournal journal;
  private final String diskKey;
  private final long diskBytes;
  private final int blockBytes;
  private final long blocks;
  private final long[] dirty;
  private final long[] inflight;

  /**
   * Blocks marked by a write (or a replayed journal) since the map was opened, as opposed to the
   * fill that makes every block of a new map dirty. The initial sync may drop a fill mark on a
   * block it sends as zeros without reading, but never a write's: that write must still be sent.
   */
  private final long[] marked;

  private final Fingerprints fingerprints;
  private final Opened opened;
  private final Object lock = new Object();
  private long dirtyCount;
  private long inflightCount;
  private long cursor;
  private long segment;
  private boolean initialSyncComplete;
  private long durableThroughNanos = System.nanoTime();
  private long markedBlocksTotal;
  private boolean closed;

  /**
   * Bumped by {@link #requeueInflight}: an acknowledgement of a batch taken before it (a late ACK
   * on a dead link) must not clean blocks that were handed out again since.
   */
  private long generation;

  /** Changes since the last snapshot; a checkpoint with none is skipped. */
  private long modifications;

  private ChangeMap(
      Path dir, String name, String diskKey, long diskBytes, int blockBytes, Fingerprints fp)
      throws IOException {
    this.diskKey = diskKey;
    this.diskBytes = diskBytes;
    this.blockBytes = blockBytes;
    this.blocks = (diskBytes + blockBytes - 1) / blockBytes;
    this.dirty = new long[(int) ((blocks + 63) / 64)];
    this.inflight = new long[dirty.length];
    this.marked = new long[dirty.length];
    this.snapshotFile = new ChangeSnapshot(dir, name, diskKey, diskBytes, blockBytes);
    this.journal = new ChangeJournal(dir, name, diskKey);
    this.fingerprints = fp;
    this.opened = load();
  }

  /**
   * Opens (or creates) the change state of a disk in {@code dir}. {@code name} is a file-safe name
   * unique to the disk; {@code diskKey} is checked against the one stored.
   */
  public static ChangeMap open(
      Path dir, String name, String diskKey, long diskBytes, int blockBytes) throws IOException {
    if (blockBytes < 512 || Integer.bitCount(blockBytes) != 1) {
      throw new IllegalArgumentException("blockBytes must be a power of two ≥ 512");
    }
    Files.createDirectories(dir);
    Fingerprints fp = Fingerprints.open(dir.resolve(name + ".fp"), diskBytes, blockBytes);
    try {
      return new ChangeMap(dir, name, diskKey, diskBytes, blockBytes, fp);
    } catch (IOException | RuntimeException e) {
      fp.close();
      throw e;
    }
  }

  public Opened opened() {
    return opened;
  }

  public int blockBytes() {
    return blockBytes;
  }

  public long diskBytes() {
    return diskBytes;
  }

  public Fingerprints fingerprints() {
    return fingerprints;
  }

  // ---- loading ---------------------------------------------------------------------------------

  private Opened load() throws IOException {
    ChangeRecovery.Recovered r =
        ChangeRecovery.recover(snapshotFile, journal, diskKey, dirty, marked, blocks);
    segment = r.segment();
    initialSyncComplete = r.initialSyncComplete();
    dirtyCount = count(dirty);
    // Start a fresh journal segment after everything that was replayed.
    segment = Math.max(segment, journal.lastSegment(segment - 1) + 1);
    journal.open(segment);
    writeSnapshot(false);
    journal.deleteBefore(segment);
    Opened result = r.opened();
    if (result.origin() != Origin.RESUMED) {
      LOG.info(diskKey + ": change state " + result.origin() + " (" + result.reason() + ")");
    }
    return result;
  }

  // ---- helpers (callers hold the lock) ---------------------------------------------------------

  private void journal(byte type, List<BlockRun> runs) {
    if (runs.isEmpty() || closed) {
      return;
    }
    journal.append(type, runs);
  }

  // ---- tracking --------------------------------------------------------------------------------

  /** Marks the blocks overlapping {@code [offset, offset + length)} changed. */
  public void mark(long offset, long length) {
    markRuns(List.of(toRun(offset, length)));
  }

  private BlockRun toRun(long offset, long length) {
    long first = Math.max(0, offset / blockBytes);
    long end = Math.min(blocks, (offset + Math.max(1, length) + blockBytes - 1) / blockBytes);
    return new BlockRun(first, (int) Math.max(0, end - first));
  }

  /** Marks several byte ranges, given as {offset, length} pairs, with one journal record. */
  public void markRanges(long[] offsetsAndLengths, int pairs) {
    List<BlockRun> runs = new ArrayList<>(pairs);
    for (int i = 0; i < pairs; i++) {
      BlockRun r = toRun(offsetsAndLengths[2 * i], offsetsAndLengths[2 * i + 1]);
      if (r.blockCount() > 0) {
        runs.add(r);
      }
    }
    markRuns(runs);
  }

  private volatile Runnable onMarked = () -> {};

  /** Called (outside the map's lock) after blocks were marked: wakes an idle sender. */
  public void onMarked(Runnable r) {
    this.onMarked = r;
  }

  /** Marks whole blocks changed. */
  public void markRuns(List<BlockRun> runs) {
    if (runs.isEmpty()) {
      return;
    }
    markRunsLocked(runs);
    onMarked.run();
  }

  private void markRunsLocked(List<BlockRun> runs) {
    synchronized (lock) {
      modifications++;
      journal(MARK, runs);
      for (BlockRun r : runs) {
        for (long i = r.firstBlock(); i < r.endBlock(); i++) {
          long bit = 1L << i;
          int w = (int) (i >>> 6);
          marked[w] |= bit;
          if ((dirty[w] & bit) == 0) {
            dirty[w] |= bit;
            dirtyCount++;
            markedBlocksTotal++;
          }
        }
      }
      lock.notifyAll();
    }
  }

  /** Marks every block: a full rescan. */
  public void markAll() {
    markRuns(List.of(new BlockRun(0, (int) Math.min(Integer.MAX_VALUE, blocks))));
    if (blocks > Integer.MAX_VALUE) {
      synchronized (lock) {
        Bitmap.fill(dirty, blocks);
        System.arraycopy(dirty, 0, marked, 0, dirty.length);
        dirtyCount = count(dirty);
        lock.notifyAll();
      }
    }
  }

  /**
   * The initial sync is about to read {@code [offset, offset + length)}: what it reads supersedes
   * earlier marks, and writes after this are marked again.
   */
  public void clearBeforeRead(long offset, long length) {
    BlockRun r = toRun(offset, length);
    synchronized (lock) {
      for (long i = r.firstBlock(); i < r.endBlock(); i++) {
        marked[(int) (i >>> 6)] &= ~(1L << i);
        if (get(dirty, i)) {
          dirty[(int) (i >>> 6)] &= ~(1L << i);
          dirtyCount--;
        }
      }
      journal(CLEAN, List.of(r));
    }
  }

  /**
   * The initial sync sends {@code [offset, offset + length)} as zeros without reading all of it (no
   * file system uses some of it): only the fill of a new map is cleared there. A block a write
   * marked since the map was opened stays dirty, so that a block allocated after the allocation map
   * was read is sent by continuous replication instead of being lost as zeros.
   */
  public void clearBeforeSkip(long offset, long length) {
    BlockRun r = toRun(offset, length);
    List<BlockRun> cleared = new ArrayList<>();
    synchronized (lock) {
      long runStart = -1;
      for (long i = r.firstBlock(); i < r.endBlock(); i++) {
        boolean clear = get(dirty, i) && !get(marked, i);
        if (clear) {
          dirty[(int) (i >>> 6)] &= ~(1L << i);
          dirtyCount--;
          if (runStart < 0) {
            runStart = i;
          }
        } else if (runStart >= 0) {
          cleared.add(new BlockRun(runStart, (int) (i - runStart)));
          runStart = -1;
        }
      }
      if (runStart >= 0) {
        cleared.add(new BlockRun(runStart, (int) (r.endBlock() - runStart)));
      }
      journal(CLEAN, cleared);
    }
  }

  /**
   * Takes up to {@code maxBlocks} dirty blocks (in runs of at most 1 MiB) into flight, from where
   * the last take stopped, so that a hot region cannot starve the rest of the disk.
   */
  public Batch take(long maxBlocks) {
    synchronized (lock) {
      long takeNanos = System.nanoTime();
      List<BlockRun> runs = new ArrayList<>();
      long taken = 0;
      int maxRun = Math.max(1, MAX_RUN_BYTES / blockBytes);
      long start = cursor % Math.max(1, blocks);
      long i = start;
      boolean skipped = false;
      // One lap at most, word by word. A block still in flight is left dirty until its batch is
      // acknowledged: a block is never in two batches, so an acknowledgement is never mistaken
      // for the newer content's.
      for (long visited = 0; visited < blocks && taken < maxBlocks && dirtyCount > 0; ) {
        int w = (int) (i >>> 6);
        long word = dirty[w] & ~inflight[w] & (-1L << (i & 63));
        skipped |= (dirty[w] & inflight[w]) != 0;
        if (word == 0) {
          long next = Math.min(blocks, ((long) w + 1) << 6);
          visited += next - i;
          i = next >= blocks ? 0 : next;
          continue;
        }
        long first = ((long) w << 6) + Long.numberOfTrailingZeros(word);
        if (first >= blocks) {
          visited += blocks - i;
          i = 0;
          continue;
        }
        long end = first;
        while (end < blocks
            && end - first < maxRun
            && taken < maxBlocks
            && get(dirty, end)
            && !get(inflight, end)) {
          dirty[(int) (end >>> 6)] &= ~(1L << end);
          inflight[(int) (end >>> 6)] |= 1L << end;
          end++;
          taken++;
        }
        dirtyCount -= end - first;
        inflightCount += end - first;
        runs.add(new BlockRun(first, (int) (end - first)));
        visited += end - i;
        i = end >= blocks ? 0 : end;
      }
      cursor = i;
      return new Batch(
          List.copyOf(runs), taken, takeNanos, dirtyCount == 0 && !skipped, generation);
    }
  }

  /** Dirty blocks that are not in flight: what {@link #take} can hand out now. */
  public boolean hasTakeable() {
    synchronized (lock) {
      if (dirtyCount == 0) {
        return false;
      }
      if (dirtyCount > inflightCount) {
        return true; // more dirty blocks than in flight: some are not in flight
      }
      for (int w = 0; w < dirty.length; w++) {
        if ((dirty[w] & ~inflight[w]) != 0) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * The batch's barrier was acknowledged: its blocks are durable, unless they changed again since
   * they were taken.
   */
  public boolean ack(Batch batch) {
    return ack(batch, () -> {});
  }

  /**
   * As {@link #ack(Batch)}, running {@code beforeClean} (recording what the staging volume now
   * holds) under the same lock. Returns false, changing nothing, for a batch taken before the last
   * {@link #requeueInflight}: its blocks were handed out again.
   */
  public boolean ack(Batch batch, Runnable beforeClean) {
    synchronized (lock) {
      if (batch.generation() != generation) {
        return false;
      }
      beforeClean.run();
      List<BlockRun> clean = new ArrayList<>();
      for (BlockRun r : batch.runs()) {
        long runStart = -1;
        for (long i = r.firstBlock(); i < r.endBlock(); i++) {
          if (get(inflight, i)) {
            inflight[(int) (i >>> 6)] &= ~(1L << i);
            inflightCount--;
          }
          boolean isClean = !get(dirty, i);
          if (isClean && runStart < 0) {
            runStart = i;
          } else if (!isClean && runStart >= 0) {
            clean.add(new BlockRun(runStart, (int) (i - runStart)));
            runStart = -1;
          }
        }
        if (runStart >= 0) {
          clean.add(new BlockRun(runStart, (int) (r.endBlock() - runStart)));
        }
      }
      journal(CLEAN, clean);
      modifications++;
      if (batch.drainedAll()) {
        durableThroughNanos = Math.max(durableThroughNanos, batch.takeNanos());
      }
      lock.notifyAll();
      return true;
    }
  }

  /**
   * A batch that was not sent after all (its disk could not be read): its blocks are dirty again.
   */
  public void untake(Batch batch) {
    synchronized (lock) {
      if (batch.generation() != generation) {
        return;
      }
      for (BlockRun r : batch.runs()) {
        for (long i = r.firstBlock(); i < r.endBlock(); i++) {
          if (get(inflight, i)) {
            inflight[(int) (i >>> 6)] &= ~(1L << i);
            inflightCount--;
            if (!get(dirty, i)) {
              dirty[(int) (i >>> 6)] |= 1L << i;
              dirtyCount++;
            }
          }
        }
      }
      lock.notifyAll();
    }
  }

  /** After a lost connection: whatever was in flight goes again. */
  public void requeueInflight() {
    synchronized (lock) {
      generation++;
      for (int w = 0; w < inflight.length; w++) {
        long moved = inflight[w] & ~dirty[w];
        dirtyCount += Long.bitCount(moved);
        dirty[w] |= inflight[w];
        inflight[w] = 0;
      }
      inflightCount = 0;
      lock.notifyAll();
    }
  }

  /** Waits until some block is dirty; false on timeout. */
  public boolean awaitDirty(long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    synchronized (lock) {
      while (dirtyCount == 0) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          return false;
        }
        lock.wait(left);
      }
      return true;
    }
  }

  /** Blocks still to be made durable: dirty and in flight. */
  public long pendingBlocks() {
    synchronized (lock) {
      return dirtyCount + inflightCount;
    }
  }

  public long dirtyBlocks() {
    synchronized (lock) {
      return dirtyCount;
    }
  }

  /** Marked since it was last taken. */
  public boolean isDirty(long block) {
    synchronized (lock) {
      return get(dirty, block);
    }
  }

  public boolean isPending(long block) {
    synchronized (lock) {
      return get(dirty, block) || get(inflight, block);
    }
  }

  /** Blocks ever marked changed since this map was opened. */
  public long markedBlocksTotal() {
    synchronized (lock) {
      return markedBlocksTotal;
    }
  }

  /**
   * How far behind the staging volume is: zero when nothing is pending, else the time since the
   * last moment up to which every write is known durable.
   */
  public long lagNanos(long nowNanos) {
    synchronized (lock) {
      if (dirtyCount + inflightCount == 0) {
        durableThroughNanos = nowNanos;
        return 0;
      }
      return Math.max(0, nowNanos - durableThroughNanos);
    }
  }

  public boolean initialSyncComplete() {
    synchronized (lock) {
      return initialSyncComplete;
    }
  }

  /** The initial sync is durable to the disk's end; persisted at once. */
  public void initialSyncCompleted() throws IOException {
    synchronized (lock) {
      initialSyncComplete = true;
      durableThroughNanos = System.nanoTime();
    }
    checkpoint();
  }

  // ---- snapshots -------------------------------------------------------------------------------

  /**
   * Writes the snapshot (fsynced, atomically replaced) and starts a new journal segment; older
   * segments are deleted once the snapshot is durable.
   */
  public void checkpoint() throws IOException {
    synchronized (checkpointLock) {
      byte[] snapshot;
      long newSegment;
      synchronized (lock) {
        if (closed || modifications == 0) {
          return;
        }
        // Only the switch and the copy hold the lock: the tracker keeps marking meanwhile.
        journal.close();
        segment++;
        journal.open(segment);
        newSegment = segment;
        snapshot = encodeSnapshot(false);
        modifications = 0;
      }
      snapshotFile.write(snapshot);
      // Until the snapshot is durable, the old segments are what recovery replays.
      journal.deleteBefore(newSegment);
    }
    fingerprints.force();
  }

  private final Object checkpointLock = new Object();

  private void writeSnapshot(boolean cleanShutdown) throws IOException {
    snapshotFile.write(encodeSnapshot(cleanShutdown));
  }

  /** The snapshot's bytes; called under the lock. */
  private byte[] encodeSnapshot(boolean cleanShutdown) {
    return snapshotFile.encode(dirty, inflight, segment, cleanShutdown, initialSyncComplete);
  }

  @Override
  public void close() throws IOException {
    close(true);
  }

  /**
   * Saves the state and closes. {@code clean} false when marks may have been lost on the way out
   * (the tracker had read half an event), so that the next start scans.
   */
  public void close(boolean clean) throws IOException {
    synchronized (checkpointLock) {
      synchronized (lock) {
        if (closed) {
          return;
        }
        journal.close();
        segment++;
        journal.open(segment);
        writeSnapshot(clean);
        journal.deleteBefore(segment);
        journal.close();
        closed = true;
      }
    }
    fingerprints.close();
  }
}
