package io.liftshift.agent.tracking;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The blocks of one source disk that still have to reach the staging volume: <i>dirty</i> (changed,
 * not yet taken) and <i>in flight</i> (taken and sent, not yet confirmed durable by a BARRIER_ACK).
 * A block leaves the map only when its barrier is acknowledged and it was not changed again
 * meanwhile.
 *
 * <p>Persistence (docs/continuous-replication.md, "Change state"): a versioned snapshot of dirty ∪
 * in-flight, CRC-32C checked on read and replaced atomically at a bounded interval, plus a journal
 * of MARK and CLEAN records written (not fsynced) as they happen. A killed agent loses nothing: the
 * journal's writes are in the page cache. After a reboot the journal may be short, so the caller
 * adds a fingerprint scan ({@link #opened()} says so). A missing or corrupt snapshot means every
 * block is dirty: a full rescan, and the state says why.
 */
public final class ChangeMap implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ChangeMap.class.getName());
  private static final int MAGIC = 0x4C53434D; // "LSCM"
  private static final int VERSION = 1;
  private static final int FLAG_CLEAN_SHUTDOWN = 1;
  private static final int FLAG_INITIAL_SYNC_COMPLETE = 2;
  private static final byte MARK = 1;
  private static final byte CLEAN = 2;

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

  private final Path stateFile;
  private final Path dir;
  private final String name;
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
  private FileChannel journal;
  private long journalPosition;
  private boolean initialSyncComplete;
  private long durableThroughNanos = System.nanoTime();
  private long markedBlocksTotal;
  private boolean closed;

  /**
   * Bumped by {@link #requeueInflight}: an acknowledgement of a batch taken before it (a late ACK
   * on a dead link) must not clean blocks that were handed out again since.
   */
  private long generation;

  private boolean cleanShutdown;

  /** Changes since the last snapshot; a checkpoint with none is skipped. */
  private long modifications;

  private ChangeMap(
      Path dir, String name, String diskKey, long diskBytes, int blockBytes, Fingerprints fp)
      throws IOException {
    this.dir = dir;
    this.name = name;
    this.diskKey = diskKey;
    this.diskBytes = diskBytes;
    this.blockBytes = blockBytes;
    this.blocks = (diskBytes + blockBytes - 1) / blockBytes;
    this.dirty = new long[(int) ((blocks + 63) / 64)];
    this.inflight = new long[dirty.length];
    this.marked = new long[dirty.length];
    this.stateFile = dir.resolve(name + ".state");
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
    Opened result;
    if (!Files.exists(stateFile)) {
      result = new Opened(Origin.NEW, "no change state for " + diskKey);
    } else {
      String problem = readSnapshot();
      if (problem != null) {
        java.util.Arrays.fill(dirty, 0);
        result = new Opened(Origin.RESCAN, problem);
      } else {
        String journalProblem = replayJournals();
        result = bootProblem();
        if (journalProblem != null && result.origin() == Origin.RESUMED) {
          result = new Opened(Origin.RESUMED_NEEDS_SCAN, journalProblem);
        }
      }
    }
    if (result.origin() == Origin.RESCAN || result.origin() == Origin.NEW) {
      // Nothing is known about the staging volume's content: every block goes.
      fillAll();
      initialSyncComplete = false;
    }
    if (result.origin() == Origin.RESUMED || result.origin() == Origin.RESUMED_NEEDS_SCAN) {
      // A saved mark cannot be told from a saved fill: every one is kept as a write's.
      System.arraycopy(dirty, 0, marked, 0, dirty.length);
    }
    dirtyCount = count(dirty);
    // Start a fresh journal segment after everything that was replayed.
    segment = Math.max(segment, lastSegment() + 1);
    openJournal();
    writeSnapshot(false);
    deleteJournalsBefore(segment);
    if (result.origin() != Origin.RESUMED) {
      LOG.info(diskKey + ": change state " + result.origin() + " (" + result.reason() + ")");
    }
    return result;
  }

  private Opened bootProblem() {
    if (!savedBootId.equals(bootId())) {
      return new Opened(
          Origin.RESUMED_NEEDS_SCAN,
          "the machine restarted since the state was saved: writes made before tracking"
              + " resumed are found by a fingerprint scan");
    }
    if (!cleanShutdown) {
      // Events read from the kernel but not yet journaled when the agent died are lost.
      return new Opened(
          Origin.RESUMED_NEEDS_SCAN,
          "the agent did not stop cleanly: a fingerprint scan finds writes it had read from the"
              + " kernel trace but not yet recorded");
    }
    return new Opened(Origin.RESUMED, initialSyncComplete ? "resumed" : "initial sync resumes");
  }

  private String savedBootId = "";

  /** Returns null when the snapshot was loaded, else what is wrong with it. */
  private String readSnapshot() throws IOException {
    byte[] all = Files.readAllBytes(stateFile);
    if (all.length < 80) {
      return "change state is truncated (" + all.length + " bytes)";
    }
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.BIG_ENDIAN);
    CRC32C crc = new CRC32C();
    crc.update(all, 0, all.length - 4);
    if ((int) crc.getValue() != b.getInt(all.length - 4)) {
      return "change state fails its CRC-32C check";
    }
    if (b.getInt(0) != MAGIC) {
      return "change state has a bad magic number";
    }
    if (b.getInt(4) != VERSION) {
      return "change state version " + b.getInt(4) + " is not supported (this agent reads 1)";
    }
    if (b.getInt(8) != blockBytes || b.getLong(16) != diskBytes) {
      return "change state is for "
          + b.getLong(16)
          + " bytes in blocks of "
          + b.getInt(8)
          + ", the disk now has "
          + diskBytes
          + " in blocks of "
          + blockBytes;
    }
    int flags = b.getInt(12);
    segment = b.getLong(24);
    byte[] boot = new byte[36];
    b.get(40, boot);
    savedBootId = new String(boot, StandardCharsets.US_ASCII).trim();
    int keyLength = b.getShort(76) & 0xFFFF;
    String key = new String(all, 78, keyLength, StandardCharsets.UTF_8);
    if (!key.equals(diskKey)) {
      return "change state belongs to " + key;
    }
    int pos = 78 + keyLength;
    if (all.length != pos + dirty.length * 8 + 4) {
      return "change state has the wrong length";
    }
    for (int i = 0; i < dirty.length; i++) {
      dirty[i] = b.getLong(pos + i * 8);
    }
    initialSyncComplete = (flags & FLAG_INITIAL_SYNC_COMPLETE) != 0;
    cleanShutdown = (flags & FLAG_CLEAN_SHUTDOWN) != 0;
    return null;
  }

  /** Replays journal segments from the snapshot's; returns a problem or null. */
  private String replayJournals() throws IOException {
    String problem = null;
    for (long s : segments()) {
      if (s < segment) {
        continue;
      }
      byte[] j = Files.readAllBytes(journalFile(s));
      ByteBuffer b = ByteBuffer.wrap(j).order(ByteOrder.BIG_ENDIAN);
      while (b.remaining() >= 8) {
        int start = b.position();
        byte type = b.get();
        b.get();
        b.getShort();
        int n = b.getInt();
        if (n < 0 || b.remaining() < n * 12L + 4) {
          problem = "the change journal ends in a torn record";
          break;
        }
        List<BlockRun> runs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          runs.add(new BlockRun(b.getLong(), b.getInt()));
        }
        CRC32C crc = new CRC32C();
        crc.update(j, start, b.position() - start);
        if ((int) crc.getValue() != b.getInt()) {
          problem = "the change journal has a damaged record";
          break;
        }
        for (BlockRun r : runs) {
          if (r.firstBlock() < 0 || r.blockCount() < 0 || r.endBlock() > blocks) {
            return "the change journal names blocks outside the disk";
          }
          setRange(dirty, r.firstBlock(), r.endBlock(), type == MARK);
        }
      }
      segment = Math.max(segment, s);
    }
    return problem;
  }

  private List<Long> segments() throws IOException {
    String prefix = name + ".journal.";
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(f -> f.startsWith(prefix) && f.substring(prefix.length()).matches("\\d{1,18}"))
          .map(f -> Long.parseLong(f.substring(prefix.length())))
          .sorted()
          .toList();
    }
  }

  private long lastSegment() throws IOException {
    List<Long> s = segments();
    return s.isEmpty() ? segment - 1 : s.get(s.size() - 1);
  }

  private Path journalFile(long s) {
    return dir.resolve(name + ".journal." + s);
  }

  private void deleteJournalsBefore(long s) throws IOException {
    for (long old : segments()) {
      if (old < s) {
        Files.deleteIfExists(journalFile(old));
      }
    }
  }

  private void openJournal() throws IOException {
    journal =
        FileChannel.open(
            journalFile(segment),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
    journalPosition = 0;
  }

  static String bootId() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
    } catch (IOException e) {
      return "";
    }
  }

  // ---- bitmap helpers (callers hold the lock) --------------------------------------------------

  private static boolean get(long[] bits, long i) {
    return (bits[(int) (i >>> 6)] & (1L << i)) != 0;
  }

  private static void setRange(long[] bits, long from, long to, boolean value) {
    for (long i = from; i < to; i++) {
      if (value) {
        bits[(int) (i >>> 6)] |= 1L << i;
      } else {
        bits[(int) (i >>> 6)] &= ~(1L << i);
      }
    }
  }

  private static long count(long[] bits) {
    long n = 0;
    for (long w : bits) {
      n += Long.bitCount(w);
    }
    return n;
  }

  private void fillAll() {
    java.util.Arrays.fill(dirty, -1L);
    int tail = (int) (blocks % 64);
    if (tail != 0) {
      dirty[dirty.length - 1] = (1L << tail) - 1;
    }
  }

  private void journal(byte type, List<BlockRun> runs) {
    if (runs.isEmpty() || closed) {
      return;
    }
    ByteBuffer b = ByteBuffer.allocate(8 + runs.size() * 12 + 4).order(ByteOrder.BIG_ENDIAN);
    b.put(type).put((byte) 0).putShort((short) 0).putInt(runs.size());
    for (BlockRun r : runs) {
      b.putLong(r.firstBlock()).putInt(r.blockCount());
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    b.flip();
    try {
      while (b.hasRemaining()) {
        journalPosition += journal.write(b, journalPosition);
      }
    } catch (IOException e) {
      // The next snapshot still records everything; only a crash before it would miss this.
      LOG.warning(diskKey + ": change journal write failed: " + e.getMessage());
    }
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
        fillAll();
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
        openJournal();
        newSegment = segment;
        snapshot = encodeSnapshot(false);
        modifications = 0;
      }
      writeSnapshotFile(snapshot);
      // Until the snapshot is durable, the old segments are what recovery replays.
      deleteJournalsBefore(newSegment);
    }
    fingerprints.force();
  }

  private final Object checkpointLock = new Object();

  private void writeSnapshot(boolean cleanShutdown) throws IOException {
    writeSnapshotFile(encodeSnapshot(cleanShutdown));
  }

  /** The snapshot's bytes; called under the lock. */
  private byte[] encodeSnapshot(boolean cleanShutdown) {
    byte[] key = diskKey.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(78 + key.length + dirty.length * 8 + 4);
    b.order(ByteOrder.BIG_ENDIAN);
    int flags =
        (cleanShutdown ? FLAG_CLEAN_SHUTDOWN : 0)
            | (initialSyncComplete ? FLAG_INITIAL_SYNC_COMPLETE : 0);
    b.putInt(MAGIC).putInt(VERSION).putInt(blockBytes).putInt(flags).putLong(diskBytes);
    b.putLong(segment).putLong(System.currentTimeMillis());
    byte[] boot = java.util.Arrays.copyOf(bootId().getBytes(StandardCharsets.US_ASCII), 36);
    for (int i = 0; i < boot.length; i++) {
      if (boot[i] == 0) {
        boot[i] = ' ';
      }
    }
    b.put(boot).putShort((short) key.length).put(key);
    for (int i = 0; i < dirty.length; i++) {
      b.putLong(dirty[i] | inflight[i]);
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  private void writeSnapshotFile(byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    Path tmp = dir.resolve(name + ".state.tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    try {
      Files.move(
          tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some filesystems cannot fsync a directory; the rename is still atomic.
    }
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
        openJournal();
        writeSnapshot(clean);
        deleteJournalsBefore(segment);
        journal.close();
        closed = true;
      }
    }
    fingerprints.close();
  }
}
