package io.liftshift.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The leaves of a {@link VolumeDigest}, collected while the volume's bytes pass by once (the agent
 * as it reads the source, the replicator as it reads back what it has made durable), so that the
 * proof after an initial sync needs no second pass over the source.
 *
 * <p>A leaf is valid only for the bytes it was hashed from: every write to a range invalidates its
 * leaves, and a hash taken while a write raced it is dropped (each leaf has a generation that the
 * write advances after its bytes land; a hash is kept only if the generation it started from is
 * still current). {@link #complete} hashes whatever is still missing from the channel and builds
 * the tree, so a leaf never seen streaming (a resumed range, a leaf rewritten since) costs one read
 * of that leaf and nothing else.
 *
 * <p>Thread-safe: writers, streaming hashers and {@link #complete} may run on different threads.
 */
public final class StreamedLeaves {
  private final long sizeBytes;
  private final int leafBytes;
  private final int leafCount;
  private final byte[] leaves;
  private final int[] generation;
  private final boolean[] valid;
  private final byte[] zeroLeaf;
  private long leavesReadBack;

  public StreamedLeaves(long sizeBytes, int leafBytes) {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("volume size must be positive, was " + sizeBytes);
    }
    if (leafBytes < VolumeDigest.MIN_LEAF_BYTES || Integer.bitCount(leafBytes) != 1) {
      throw new IllegalArgumentException("leaf size must be a power of two >= 4096: " + leafBytes);
    }
    long count = (sizeBytes + leafBytes - 1) / leafBytes;
    if (count * VolumeDigest.HASH_BYTES > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("too many leaves: use a larger leaf size");
    }
    this.sizeBytes = sizeBytes;
    this.leafBytes = leafBytes;
    this.leafCount = (int) count;
    this.leaves = new byte[leafCount * VolumeDigest.HASH_BYTES];
    this.generation = new int[leafCount];
    this.valid = new boolean[leafCount];
    this.zeroLeaf = leafHash(sha256(), ByteBuffer.allocate(leafBytes));
  }

  public long sizeBytes() {
    return sizeBytes;
  }

  public int leafBytes() {
    return leafBytes;
  }

  public int leafCount() {
    return leafCount;
  }

  /** Length of leaf {@code i}: the last one may be short. */
  public int leafLength(long i) {
    return (int) Math.min(leafBytes, sizeBytes - i * leafBytes);
  }

  /**
   * The generation of a leaf before its bytes are read: pass it to {@link #record} with the hash.
   */
  public synchronized int generation(long leaf) {
    return generation[(int) leaf];
  }

  /** Marks every leaf touching {@code [offset, end)} unknown; call after the bytes have landed. */
  public synchronized void invalidate(long offset, long end) {
    if (end <= offset) {
      return;
    }
    int first = (int) (offset / leafBytes);
    int last = (int) Math.min(leafCount - 1, (end - 1) / leafBytes);
    for (int i = first; i <= last; i++) {
      generation[i]++;
      valid[i] = false;
    }
  }

  /** Keeps {@code hash} for a leaf unless the leaf was written since {@code generationRead}. */
  public synchronized boolean record(long leaf, int generationRead, byte[] hash) {
    int i = (int) leaf;
    if (generation[i] != generationRead) {
      return false;
    }
    System.arraycopy(hash, 0, leaves, i * VolumeDigest.HASH_BYTES, VolumeDigest.HASH_BYTES);
    valid[i] = true;
    return true;
  }

  /** Records a leaf known to be all zeros (a range sent as zeros without reading it). */
  public boolean recordZero(long leaf, int generationRead) {
    return record(leaf, generationRead, zeroHash(leaf));
  }

  /**
   * Marks the leaves wholly inside {@code [offset, end)} as all zeros without reading them: a
   * writer calls it for a range it did not write because the volume is known to hold zeros there
   * (created empty, nothing written since). Leaves only touching the range are invalidated.
   */
  public synchronized void knownZero(long offset, long end) {
    invalidate(offset, end);
    long first = (offset + leafBytes - 1) / leafBytes;
    for (long i = first; i < leafCount && i * leafBytes + leafLength(i) <= end; i++) {
      System.arraycopy(
          zeroHash(i), 0, leaves, (int) i * VolumeDigest.HASH_BYTES, VolumeDigest.HASH_BYTES);
      valid[(int) i] = true;
    }
  }

  private byte[] zeroHash(long leaf) {
    if (leafLength(leaf) != leafBytes) {
      return leafHash(sha256(), ByteBuffer.allocate(leafLength(leaf)));
    }
    return zeroLeaf;
  }

  public synchronized boolean isValid(long leaf) {
    return valid[(int) leaf];
  }

  /** Hashes bytes {@code [position, limit)} of {@code data}, which are leaf {@code leaf}. */
  public byte[] hash(MessageDigest sha, ByteBuffer data) {
    if (data.remaining() == leafBytes && isZero(data)) {
      return zeroLeaf;
    }
    return leafHash(sha, data);
  }

  /** How many leaves {@link #complete} had to read back, over this object's life. */
  public synchronized long leavesReadBack() {
    return leavesReadBack;
  }

  /**
   * Reads and hashes every leaf not known yet from {@code channel}, then builds the tree. Blocking.
   */
  public VolumeDigest complete(FileChannel channel) throws IOException {
    return complete((i, buf) -> readLeaf(channel, i, buf));
  }

  /** Reads leaf {@code i} into {@code buf}, position 0 and limit its length on return. */
  @FunctionalInterface
  public interface LeafSource {
    void read(long leaf, ByteBuffer buf) throws IOException;
  }

  /** As {@link #complete(FileChannel)}, with the missing leaves read by {@code source}. */
  public VolumeDigest complete(LeafSource source) throws IOException {
    MessageDigest sha = sha256();
    ByteBuffer buf = ByteBuffer.allocateDirect(leafBytes);
    for (int i = 0; i < leafCount; i++) {
      int gen;
      synchronized (this) {
        if (valid[i]) {
          continue;
        }
        gen = generation[i];
        leavesReadBack++;
      }
      source.read(i, buf);
      record(i, gen, hash(sha, buf));
    }
    synchronized (this) {
      for (int i = 0; i < leafCount; i++) {
        if (!valid[i]) {
          throw new IOException("leaf " + i + " changed while the proof was being completed");
        }
      }
      return VolumeDigest.fromLeaves(sizeBytes, leafBytes, leaves.clone());
    }
  }

  /** Reads leaf {@code i} into {@code buf} (position 0, limit its length). */
  public void readLeaf(FileChannel channel, long i, ByteBuffer buf) throws IOException {
    long pos = i * leafBytes;
    buf.clear().limit(leafLength(i));
    while (buf.hasRemaining()) {
      int r = channel.read(buf, pos + buf.position());
      if (r < 0) {
        throw new IOException("volume ended at " + (pos + buf.position()) + " of " + sizeBytes);
      }
    }
    buf.flip();
  }

  /** Zeros to compare with: {@link ByteBuffer#mismatch} is vectorized, a getLong loop is not. */
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

  private static boolean isZero(ByteBuffer b) {
    for (int p = b.position(); p < b.limit(); p += ZEROS.capacity()) {
      int n = Math.min(ZEROS.capacity(), b.limit() - p);
      if (b.slice(p, n).mismatch(ZEROS.slice(0, n)) >= 0) {
        return false;
      }
    }
    return true;
  }

  private static byte[] leafHash(MessageDigest sha, ByteBuffer data) {
    sha.reset();
    sha.update((byte) 0);
    sha.update(data.duplicate());
    return sha.digest();
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
