package io.liftshift.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The digest both ends compute after an initial sync: a Merkle tree of SHA-256 over fixed-size
 * leaves of the volume (docs/protocol.md, "Volume digest").
 *
 * <ul>
 *   <li>leaf i covers bytes [i·leafBytes, min(size, (i+1)·leafBytes)) and hashes as SHA-256(0x00 ||
 *       bytes);
 *   <li>a parent hashes as SHA-256(0x01 || left || right); an odd last node is promoted unchanged;
 *   <li>level 0 holds the leaves, the last level holds the root alone.
 * </ul>
 *
 * The domain prefixes keep a leaf from ever being mistaken for an inner node. Two trees over
 * volumes of the same size are compared top-down, so the first differing leaf is found in log₂(n)
 * steps without shipping every leaf.
 */
public final class VolumeDigest {
  public static final int HASH_BYTES = 32;
  public static final int DEFAULT_LEAF_BYTES = 1 << 20;
  public static final int MIN_LEAF_BYTES = 4096;
  public static final int MAX_LEAF_BYTES = 64 << 20;

  /** Answers node hashes of the peer's tree, one round trip per call. */
  @FunctionalInterface
  public interface NodeSource {
    List<byte[]> nodes(int level, long first, int count) throws IOException, ProtocolException;
  }

  private final long sizeBytes;
  private final int leafBytes;
  private final byte[][] levels;

  private VolumeDigest(long sizeBytes, int leafBytes, byte[][] levels) {
    this.sizeBytes = sizeBytes;
    this.leafBytes = leafBytes;
    this.levels = levels;
  }

  public static void checkLeafBytes(int leafBytes) throws ProtocolException {
    if (leafBytes < MIN_LEAF_BYTES
        || leafBytes > MAX_LEAF_BYTES
        || Integer.bitCount(leafBytes) != 1) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME,
          "leaf size "
              + leafBytes
              + " must be a power of two in "
              + MIN_LEAF_BYTES
              + ".."
              + MAX_LEAF_BYTES);
    }
  }

  /**
   * Hashes {@code sizeBytes} of a channel with {@code threads} readers. Blocking: call it from a
   * worker thread.
   */
  public static VolumeDigest compute(
      FileChannel channel, long sizeBytes, int leafBytes, int threads) throws IOException {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("volume size must be positive, was " + sizeBytes);
    }
    long leafCount = (sizeBytes + leafBytes - 1) / leafBytes;
    if (leafCount * HASH_BYTES > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("too many leaves: use a larger leaf size");
    }
    byte[] leaves = new byte[(int) leafCount * HASH_BYTES];
    int n = Math.max(1, Math.min(threads, (int) leafCount));
    ExecutorService pool =
        Executors.newFixedThreadPool(
            n,
            r -> {
              Thread t = new Thread(r, "volume-digest");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<?>> parts = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        final int stripe = t;
        parts.add(
            pool.submit(
                () -> {
                  hashLeaves(channel, sizeBytes, leafBytes, leafCount, stripe, n, leaves);
                  return null;
                }));
      }
      for (Future<?> f : parts) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while hashing", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof UncheckedIOException io) {
        throw io.getCause();
      }
      throw new IOException("hashing failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return fromLeaves(sizeBytes, leafBytes, leaves);
  }

  private static void hashLeaves(
      FileChannel ch, long size, int leafBytes, long leafCount, int stripe, int stripes, byte[] out)
      throws IOException {
    MessageDigest sha = sha256();
    byte[] buf = new byte[leafBytes];
    byte[] zeroLeaf = null;
    // Stripes of 8 consecutive leaves keep each reader sequential for the kernel's readahead.
    final int run = 8;
    for (long start = (long) stripe * run; start < leafCount; start += (long) stripes * run) {
      for (long i = start; i < Math.min(start + run, leafCount); i++) {
        long pos = i * leafBytes;
        int len = (int) Math.min(leafBytes, size - pos);
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
        while (bb.hasRemaining()) {
          int r = ch.read(bb, pos + bb.position());
          if (r < 0) {
            throw new IOException("volume ended at " + (pos + bb.position()) + " of " + size);
          }
        }
        byte[] h;
        if (len == leafBytes && BlockCodec.isZero(buf, 0, len)) {
          if (zeroLeaf == null) {
            zeroLeaf = leafHash(sha, buf, len);
          }
          h = zeroLeaf;
        } else {
          h = leafHash(sha, buf, len);
        }
        System.arraycopy(h, 0, out, (int) i * HASH_BYTES, HASH_BYTES);
      }
    }
  }

  private static byte[] leafHash(MessageDigest sha, byte[] b, int len) {
    sha.reset();
    sha.update((byte) 0);
    sha.update(b, 0, len);
    return sha.digest();
  }

  /** Builds the inner levels over packed leaf hashes. */
  public static VolumeDigest fromLeaves(long sizeBytes, int leafBytes, byte[] leaves) {
    MessageDigest sha = sha256();
    List<byte[]> lv = new ArrayList<>();
    lv.add(leaves);
    byte[] cur = leaves;
    while (cur.length > HASH_BYTES) {
      int count = cur.length / HASH_BYTES;
      int parents = (count + 1) / 2;
      byte[] next = new byte[parents * HASH_BYTES];
      for (int p = 0; p < parents; p++) {
        int l = 2 * p;
        if (l + 1 < count) {
          sha.reset();
          sha.update((byte) 1);
          sha.update(cur, l * HASH_BYTES, 2 * HASH_BYTES);
          System.arraycopy(sha.digest(), 0, next, p * HASH_BYTES, HASH_BYTES);
        } else {
          System.arraycopy(cur, l * HASH_BYTES, next, p * HASH_BYTES, HASH_BYTES);
        }
      }
      lv.add(next);
      cur = next;
    }
    return new VolumeDigest(sizeBytes, leafBytes, lv.toArray(new byte[0][]));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  public long sizeBytes() {
    return sizeBytes;
  }

  public int leafBytes() {
    return leafBytes;
  }

  public long leafCount() {
    return levels[0].length / HASH_BYTES;
  }

  /** Number of levels; the root is at {@code levelCount() - 1}. */
  public int levelCount() {
    return levels.length;
  }

  public long nodeCount(int level) {
    return levels[level].length / HASH_BYTES;
  }

  public byte[] root() {
    return node(levels.length - 1, 0);
  }

  public byte[] node(int level, long index) {
    byte[] h = new byte[HASH_BYTES];
    System.arraycopy(levels[level], (int) index * HASH_BYTES, h, 0, HASH_BYTES);
    return h;
  }

  /** Hashes {@code [first, first+count)} of a level, clipped to what exists. */
  public List<byte[]> nodes(int level, long first, int count) throws ProtocolException {
    if (level < 0
        || level >= levels.length
        || first < 0
        || first >= nodeCount(level)
        || count <= 0
        || count > Message.MAX_MERKLE_NODES_PER_FRAME) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME,
          "no nodes at level " + level + " from " + first + " (count " + count + ")");
    }
    long end = Math.min(nodeCount(level), first + count);
    List<byte[]> out = new ArrayList<>((int) (end - first));
    for (long i = first; i < end; i++) {
      out.add(node(level, i));
    }
    return out;
  }

  /**
   * Walks both trees from the root and returns the index of the first leaf whose hash differs, or
   * -1 when the volumes are identical. Needs one round trip per level.
   */
  public long firstDifferingLeaf(byte[] peerRoot, NodeSource peer)
      throws IOException, ProtocolException {
    if (java.util.Arrays.equals(root(), peerRoot)) {
      return -1;
    }
    long index = 0;
    for (int level = levels.length - 2; level >= 0; level--) {
      long first = index * 2;
      int count = (int) Math.min(2, nodeCount(level) - first);
      List<byte[]> theirs = peer.nodes(level, first, count);
      long next = -1;
      for (int k = 0; k < count; k++) {
        if (k >= theirs.size() || !java.util.Arrays.equals(node(level, first + k), theirs.get(k))) {
          next = first + k;
          break;
        }
      }
      if (next < 0) {
        // The peer's parent differs while its children match ours: its tree is inconsistent.
        throw new ProtocolException(
            ErrorCode.VERIFY_FAILED, "peer digest is inconsistent at level " + level);
      }
      index = next;
    }
    return index;
  }
}
