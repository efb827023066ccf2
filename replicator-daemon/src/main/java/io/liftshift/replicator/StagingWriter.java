package io.liftshift.replicator;

import io.liftshift.cloud.StagingVolume;
import io.liftshift.protocol.BlockCodec;
import io.liftshift.protocol.BlockData;
import io.liftshift.protocol.FrameHeader;
import io.liftshift.protocol.ProtocolException;
import io.liftshift.protocol.VolumeDigest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes one source disk into its staging volume. Every method runs on the volume's {@link
 * SerialQueue}, so writes land in the order the agent sent them and need no locking.
 *
 * <p>Durability: data is fsynced in batches ({@link ReplicatorOptions#fsyncBatchBytes()} or {@link
 * ReplicatorOptions#fsyncIntervalMillis()}, whichever comes first, and on FLUSH); only then is the
 * checkpoint advanced and the agent acknowledged. A crash loses at most the unacknowledged window,
 * which the agent still holds and sends again.
 */
final class StagingWriter {
  private static final Logger LOG = Logger.getLogger(StagingWriter.class.getName());

  /** How far ahead of the highest write the persisted high-water mark is moved in one step. */
  private static final long HIGH_WATER_STEP = 1L << 30;

  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

  final SerialQueue queue;
  private final StagingVolume volume;
  private final Path checkpointFile;
  private final DiskCheckpoint.Writer checkpoints;
  private final FileChannel channel;
  private final ReplicatorOptions options;
  private final ReplicatorStats stats;
  private final BlockCodec codec = new BlockCodec();
  private final byte[] scratch = new byte[FrameHeader.MAX_BLOCK_LENGTH];

  /** Writes go from here: a heap buffer would be copied into a temporary direct one per write. */
  private final ByteBuffer direct = ByteBuffer.allocateDirect(FrameHeader.MAX_BLOCK_LENGTH);

  /** Told when the durable offset advances, or when an fsync fails. */
  interface DurabilityListener {
    void durable(long offset);

    void failed(IOException e);
  }

  private static final DurabilityListener NO_LISTENER =
      new DurabilityListener() {
        @Override
        public void durable(long offset) {}

        @Override
        public void failed(IOException e) {}
      };

  private final java.util.concurrent.Executor flusher;
  private volatile DurabilityListener listener = NO_LISTENER;

  private long contiguousEnd;
  private volatile long durableOffset;
  private volatile long persistedHighWater;

  /**
   * Set for good when an fsync or a checkpoint write fails: after a failed fsync Linux may drop the
   * dirty pages and report the next fsync as a success, so nothing written since the last good
   * checkpoint may ever be declared durable by this writer. The volume is reopened from its
   * checkpoint instead, and the agent sends from there again.
   */
  private volatile IOException broken;

  /** Set under the registry lock when the writer is being closed; completed once it is. */
  volatile boolean closing;

  final java.util.concurrent.CompletableFuture<Void> closed =
      new java.util.concurrent.CompletableFuture<>();

  /** An fsync runs on the flusher while writes go on; at most one per volume at a time. */
  private boolean flushInFlight;

  private long flushPendingTarget = -1;

  /**
   * Bytes at or above this offset are still the zeros the volume was created with: above the
   * high-water mark found at open, and above everything written since. Exact, unlike the persisted
   * mark, which runs ahead of the writes.
   */
  private long knownZeroFrom;

  /**
   * The proof's leaves, hashed by reading back what has become durable, while the sync goes on: at
   * VERIFY_REQUEST only leaves written since (or never read back) are read. Reading the volume
   * back, rather than hashing the bytes handed to the write, is what catches a corrupted write.
   */
  private final io.liftshift.protocol.StreamedLeaves leaves;

  private ByteBuffer readBackBuffer;

  private final java.util.concurrent.atomic.AtomicBoolean readingBack =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Leaves below this index have been read back once (and maybe invalidated since). */
  private volatile long readBackLeaf;

  private long unsyncedBytes;
  private long lastSyncNanos = System.nanoTime();
  private volatile boolean dirty;

  /** The session currently replicating into this volume; changed only under the registry lock. */
  volatile AgentSession owner;

  private StagingWriter(
      StagingVolume volume,
      Path checkpointFile,
      FileChannel channel,
      SerialQueue queue,
      java.util.concurrent.Executor flusher,
      DiskCheckpoint.Writer checkpoints,
      ReplicatorOptions options,
      ReplicatorStats stats,
      long durableOffset,
      long highWater) {
    this.flusher = flusher;
    this.volume = volume;
    this.checkpoints = checkpoints;
    this.checkpointFile = checkpointFile;
    this.channel = channel;
    this.queue = queue;
    this.options = options;
    this.stats = stats;
    this.durableOffset = durableOffset;
    this.contiguousEnd = durableOffset;
    this.persistedHighWater = highWater;
    this.knownZeroFrom = highWater;
    this.leaves =
        new io.liftshift.protocol.StreamedLeaves(
            volume.sizeBytes(), VolumeDigest.DEFAULT_LEAF_BYTES);
  }

  static StagingWriter open(
      StagingVolume volume,
      Path checkpointDir,
      SerialQueue queue,
      java.util.concurrent.Executor flusher,
      ReplicatorOptions options,
      ReplicatorStats stats)
      throws IOException {
    Path file = checkpointDir.resolve(volume.name() + ".ckpt");
    long durable = 0;
    // Unknown contents unless we just created it: zero ranges must then really be written.
    long highWater = volume.created() ? 0 : volume.sizeBytes();
    long sequence = 0;
    if (!volume.created()) {
      try {
        Optional<DiskCheckpoint.Slot> slot = DiskCheckpoint.readSlot(file);
        Optional<DiskCheckpoint> cp = slot.map(DiskCheckpoint.Slot::checkpoint);
        sequence = slot.map(DiskCheckpoint.Slot::sequence).orElse(0L);
        if (cp.isPresent() && cp.get().sizeBytes() == volume.sizeBytes()) {
          durable = cp.get().durableOffset();
          highWater = cp.get().writtenHighWater();
        } else {
          LOG.warning(
              volume.name() + ": no usable checkpoint; the disk is replicated again from offset 0");
        }
      } catch (IOException e) {
        LOG.warning(
            volume.name() + ": " + e.getMessage() + "; the disk is replicated again from offset 0");
      }
    }
    DiskCheckpoint.Writer checkpoints = new DiskCheckpoint.Writer(file, sequence);
    FileChannel ch;
    try {
      ch = FileChannel.open(volume.devicePath(), StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      checkpoints.close();
      throw e;
    }
    StagingWriter w =
        new StagingWriter(
            volume, file, ch, queue, flusher, checkpoints, options, stats, durable, highWater);
    try {
      w.writeCheckpoint();
    } catch (IOException e) {
      ch.close();
      checkpoints.close();
      throw e;
    }
    return w;
  }

  StagingVolume volume() {
    return volume;
  }

  void listener(DurabilityListener l) {
    this.listener = l == null ? NO_LISTENER : l;
  }

  long sizeBytes() {
    return volume.sizeBytes();
  }

  boolean dirty() {
    return dirty;
  }

  boolean syncDue() {
    return dirty && System.nanoTime() - lastSyncNanos >= options.fsyncIntervalMillis() * 1_000_000L;
  }

  /** Granularity of the changed-since-snapshot map: the agent's tracking block. */
  static final int CHANGE_BLOCK_BYTES = 4096;

  /**
   * Blocks written since the last point-in-time snapshot; null means unknown (a new writer after a
   * restart), so the next snapshot compares every block with its parent.
   */
  private long[] changedSinceSnapshot;

  private void markChanged(long offset, long end) {
    if (changedSinceSnapshot == null) {
      return;
    }
    for (long b = offset / CHANGE_BLOCK_BYTES; b * CHANGE_BLOCK_BYTES < end; b++) {
      changedSinceSnapshot[(int) (b >>> 6)] |= 1L << b;
    }
  }

  /**
   * What differed from the latest snapshot when tracking began after a restart (found by reading
   * the volume outside any hold); null when tracking has been continuous since that snapshot.
   */
  private volatile io.liftshift.cloud.ChangedRanges baseline;

  /** After a restart: nothing is known until {@link #beginTracking} and a baseline. */
  boolean needsBaseline() {
    return changedSinceSnapshot == null && baseline == null;
  }

  /** Starts tracking writes now (on the volume's queue), before the baseline is read. */
  void beginTracking() {
    if (changedSinceSnapshot == null) {
      long blocks = (sizeBytes() + CHANGE_BLOCK_BYTES - 1) / CHANGE_BLOCK_BYTES;
      changedSinceSnapshot = new long[(int) ((blocks + 63) / 64)];
    }
  }

  void baseline(io.liftshift.cloud.ChangedRanges differences) {
    this.baseline = differences;
  }

  /**
   * What changed since the last snapshot; call while the volume's queue is held. With a baseline,
   * its differences plus every write since tracking began: a block that differs now did so then, or
   * was written since.
   */
  io.liftshift.cloud.ChangedRanges changedSinceSnapshot() {
    if (changedSinceSnapshot == null) {
      return io.liftshift.cloud.ChangedRanges.ALL;
    }
    long[] bits = changedSinceSnapshot.clone();
    io.liftshift.cloud.ChangedRanges base = baseline;
    return new io.liftshift.cloud.ChangedRanges() {
      @Override
      public int blockBytes() {
        return CHANGE_BLOCK_BYTES;
      }

      @Override
      public boolean isChanged(long block) {
        int w = (int) (block >>> 6);
        if (w < bits.length && (bits[w] & (1L << block)) != 0) {
          return true;
        }
        return base != null && changedIn(base, block);
      }
    };
  }

  private static boolean changedIn(io.liftshift.cloud.ChangedRanges r, long block) {
    long first = block * CHANGE_BLOCK_BYTES / r.blockBytes();
    long last = (block * CHANGE_BLOCK_BYTES + CHANGE_BLOCK_BYTES - 1) / r.blockBytes();
    for (long b = first; b <= last; b++) {
      if (r.isChanged(b)) {
        return true;
      }
    }
    return false;
  }

  /** A snapshot now holds everything written so far. */
  void snapshotTaken() {
    long blocks = (sizeBytes() + CHANGE_BLOCK_BYTES - 1) / CHANGE_BLOCK_BYTES;
    changedSinceSnapshot = new long[(int) ((blocks + 63) / 64)];
    baseline = null;
  }

  /** Verifies and writes a block; nothing is written when the checksum fails. */
  void applyBlock(BlockData block) throws ProtocolException, IOException {
    checkNotBroken();
    ByteBuffer verified = codec.decodeView(block, scratch);
    long end = block.offset() + block.length();
    raiseHighWater(end);
    ByteBuffer b = direct.clear();
    b.put(verified).flip();
    long pos = block.offset();
    while (b.hasRemaining()) {
      pos += channel.write(b, pos);
    }
    knownZeroFrom = Math.max(knownZeroFrom, end);
    leaves.invalidate(block.offset(), end);
    stats.bytesWritten.addAndGet(block.length());
    markChanged(block.offset(), end);
    advance(block.offset(), end, block.length());
  }

  /** Makes a range zero; where the volume is known to be zero already, nothing is written. */
  void applyZero(long offset, long length) throws IOException {
    checkNotBroken();
    long end = offset + length;
    long writeEnd = Math.min(end, knownZeroFrom);
    long written = 0;
    for (long pos = offset; pos < writeEnd; ) {
      ByteBuffer z = ZEROS.duplicate();
      z.limit((int) Math.min(z.capacity(), writeEnd - pos));
      int n = channel.write(z, pos);
      pos += n;
      written += n;
    }
    if (writeEnd < end) {
      // Not written, so nothing to read back: the volume holds the zeros it was created with.
      // Reading those holes back cost a page-cache fill per leaf, most of the proof's time.
      leaves.invalidate(offset, Math.max(offset, writeEnd));
      leaves.knownZero(Math.max(offset, writeEnd), end);
    } else {
      leaves.invalidate(offset, end);
    }
    stats.bytesWritten.addAndGet(written);
    markChanged(offset, end);
    advance(offset, end, written);
  }

  private void advance(long offset, long end, long written) throws IOException {
    if (offset <= contiguousEnd && end > contiguousEnd) {
      contiguousEnd = end;
    }
    dirty = true;
    unsyncedBytes += written;
    if (unsyncedBytes >= options.fsyncBatchBytes()) {
      flushAsync();
    }
  }

  /**
   * Starts an fsync of everything written so far without waiting for it: writes continue while the
   * device flushes, and the ACK follows when the fsync returns.
   */
  void flushAsync() {
    long target = contiguousEnd;
    unsyncedBytes = 0;
    lastSyncNanos = System.nanoTime();
    dirty = false;
    startFlush(target);
  }

  private synchronized void startFlush(long target) {
    if (flushInFlight) {
      flushPendingTarget = Math.max(flushPendingTarget, target);
      return;
    }
    flushInFlight = true;
    flusher.execute(() -> runFlush(target));
  }

  private void runFlush(long target) {
    try {
      checkNotBroken();
      channel.force(false);
      stats.fsyncs.incrementAndGet();
      advanceDurable(target);
    } catch (IOException e) {
      markBroken(e);
      listener.failed(e);
    } finally {
      synchronized (this) {
        flushInFlight = false;
        if (flushPendingTarget >= 0) {
          long next = flushPendingTarget;
          flushPendingTarget = -1;
          startFlush(next);
        } else {
          notifyAll();
        }
      }
    }
  }

  private void markBroken(IOException e) {
    if (broken == null) {
      broken = e;
      LOG.warning(volume.name() + ": no longer trusted for writes: " + e.getMessage());
    }
  }

  private void checkNotBroken() throws IOException {
    IOException b = broken;
    if (b != null) {
      throw new IOException("an earlier fsync or checkpoint write failed: " + b.getMessage(), b);
    }
  }

  private void advanceDurable(long target) throws IOException {
    boolean advanced = false;
    synchronized (checkpointFile) {
      checkNotBroken();
      if (target > durableOffset) {
        long previous = durableOffset;
        durableOffset = target;
        try {
          writeCheckpoint();
        } catch (IOException e) {
          durableOffset = previous;
          markBroken(e);
          throw e;
        }
        advanced = true;
      }
    }
    if (advanced) {
      listener.durable(target);
      readBack();
    }
  }

  private synchronized void awaitFlushes() throws IOException {
    while (flushInFlight) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for an fsync", e);
      }
    }
  }

  /**
   * Moves the persisted high-water mark above {@code end} before data lands there, so that after a
   * crash every byte the volume may hold is below it.
   */
  private void raiseHighWater(long end) throws IOException {
    if (end > persistedHighWater) {
      persistedHighWater =
          Math.min(sizeBytes(), Math.max(end, persistedHighWater + HIGH_WATER_STEP));
      try {
        writeCheckpoint();
      } catch (IOException e) {
        markBroken(e);
        throw e;
      }
    }
  }

  /** Fsyncs the volume now (after any flush in flight) and records the durable offset. */
  long sync() throws IOException {
    awaitFlushes();
    checkNotBroken();
    long target = contiguousEnd;
    if (unsyncedBytes > 0 || target > durableOffset) {
      try {
        channel.force(false);
      } catch (IOException e) {
        markBroken(e);
        throw e;
      }
      stats.fsyncs.incrementAndGet();
    }
    unsyncedBytes = 0;
    lastSyncNanos = System.nanoTime();
    dirty = false;
    advanceDurable(target);
    return durableOffset;
  }

  long durableOffset() {
    return durableOffset;
  }

  VolumeDigest digest(int leafBytes) throws IOException {
    sync();
    if (leafBytes != leaves.leafBytes()) {
      return VolumeDigest.compute(channel, sizeBytes(), leafBytes, 2);
    }
    return leaves.complete(channel);
  }

  /** Leaves read back to hash them at VERIFY_REQUEST (not while streaming), over this writer. */
  long proofLeavesReadLate() {
    return leaves.leavesReadBack();
  }

  /** Hashes the durable leaves not read back yet, on a flusher thread, one pass at a time. */
  private void readBack() {
    if (!readingBack.compareAndSet(false, true)) {
      return;
    }
    try {
      flusher.execute(
          () -> {
            try {
              readBackDurable();
            } finally {
              readingBack.set(false);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      readingBack.set(false);
    }
  }

  private void readBackDurable() {
    java.security.MessageDigest sha = io.liftshift.protocol.StreamedLeaves.sha256();
    // One buffer per writer, reused: a new direct buffer per fsync batch piled up direct memory
    // until a GC freed it (readingBack admits one read-back at a time).
    if (readBackBuffer == null) {
      readBackBuffer = ByteBuffer.allocateDirect(leaves.leafBytes());
    }
    ByteBuffer buf = readBackBuffer;
    long durable = durableOffset;
    long end = durable >= sizeBytes() ? leaves.leafCount() : durable / leaves.leafBytes();
    try {
      for (long i = readBackLeaf; i < end && !closing && broken == null; i++) {
        if (leaves.isValid(i)) {
          readBackLeaf = i + 1;
          continue; // known zeros, or read back already
        }
        int gen = leaves.generation(i);
        leaves.readLeaf(channel, i, buf);
        leaves.record(i, gen, leaves.hash(sha, buf));
        readBackLeaf = i + 1;
      }
    } catch (IOException e) {
      // A closed channel or a read error: VERIFY_REQUEST reads what is missing and reports it.
      LOG.log(Level.FINE, volume.name() + ": read-back for the proof stopped", e);
    }
  }

  private void writeCheckpoint() throws IOException {
    synchronized (checkpointFile) {
      checkpoints.write(
          new DiskCheckpoint(volume.name(), sizeBytes(), durableOffset, persistedHighWater));
    }
  }

  void close() {
    try {
      if (broken == null) {
        sync();
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, volume.name() + ": final sync failed", e);
    }
    try {
      channel.close();
      checkpoints.close();
    } catch (IOException e) {
      LOG.log(Level.FINE, "close", e);
    }
  }
}
