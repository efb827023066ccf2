package io.liftshift.agent.tracking;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The xxHash64 of every tracking block as last sent, in a memory-mapped file: what the scanning
 * tracker compares the disk against. It is a hint, not the authority: a lost or damaged entry only
 * makes a block look changed and be sent again, so it needs no journal. Its header is checked on
 * open; a mismatch starts it empty.
 */
public final class Fingerprints implements AutoCloseable {
  private static final int MAGIC = 0x4C534650; // "LSFP"
  private static final int VERSION = 1;
  private static final int HEADER_BYTES = 64;
  private static final long SEGMENT_ENTRIES = 1L << 27; // 1 GiB of fingerprints per mapping
  private static final XXHash64 HASH = XXHashFactory.fastestInstance().hash64();

  /** Never a real fingerprint in practice; means "unknown, send it". */
  public static final long UNKNOWN = 0;

  private final FileChannel channel;
  private final MappedByteBuffer[] segments;
  private final long blocks;
  private final boolean reused;

  private Fingerprints(
      FileChannel channel, MappedByteBuffer[] segments, long blocks, boolean reused) {
    this.channel = channel;
    this.segments = segments;
    this.blocks = blocks;
    this.reused = reused;
  }

  public static Fingerprints open(Path file, long diskBytes, int blockBytes) throws IOException {
    long blocks = (diskBytes + blockBytes - 1) / blockBytes;
    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
    header.putInt(MAGIC).putInt(VERSION).putInt(blockBytes).putInt(0).putLong(diskBytes);
    CRC32C crc = new CRC32C();
    crc.update(header.array(), 0, 24);
    header.putInt(24, (int) crc.getValue());
    boolean reused = false;
    if (Files.exists(file) && Files.size(file) == HEADER_BYTES + blocks * 8) {
      byte[] existing = new byte[HEADER_BYTES];
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        ch.read(ByteBuffer.wrap(existing), 0);
      }
      reused = java.util.Arrays.equals(existing, header.array());
    }
    if (!reused) {
      Files.deleteIfExists(file);
    }
    FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    if (!reused) {
      ch.write(header.clear(), 0);
      ch.truncate(HEADER_BYTES);
      // Sparse: unknown fingerprints cost no disk space.
      ch.write(ByteBuffer.allocate(1), HEADER_BYTES + blocks * 8 - 1);
    }
    int n = (int) ((blocks + SEGMENT_ENTRIES - 1) / SEGMENT_ENTRIES);
    MappedByteBuffer[] segs = new MappedByteBuffer[Math.max(1, n)];
    for (int i = 0; i < n; i++) {
      long first = i * SEGMENT_ENTRIES;
      long count = Math.min(SEGMENT_ENTRIES, blocks - first);
      segs[i] = ch.map(FileChannel.MapMode.READ_WRITE, HEADER_BYTES + first * 8, count * 8);
    }
    return new Fingerprints(ch, segs, blocks, reused);
  }

  /** False when the file was missing, or not this disk's, and starts with every entry unknown. */
  public boolean reused() {
    return reused;
  }

  public long get(long block) {
    return segments[(int) (block / SEGMENT_ENTRIES)].getLong((int) (block % SEGMENT_ENTRIES) * 8);
  }

  public void set(long block, long fingerprint) {
    segments[(int) (block / SEGMENT_ENTRIES)].putLong(
        (int) (block % SEGMENT_ENTRIES) * 8, fingerprint);
  }

  public long blocks() {
    return blocks;
  }

  /** The fingerprint of {@code len} bytes at {@code off} of a buffer (never {@link #UNKNOWN}). */
  public static long of(ByteBuffer buf, int off, int len) {
    long h = HASH.hash(buf, off, len, 0);
    return h == UNKNOWN ? 1 : h;
  }

  /**
   * Records fingerprints of the blocks in {@code data}, which holds the disk from {@code block}.
   */
  public void record(long block, ByteBuffer data, int length, int blockBytes) {
    for (int i = 0; i < length; i += blockBytes) {
      set(block + i / blockBytes, of(data, i, Math.min(blockBytes, length - i)));
    }
  }

  /** Records the fingerprints of {@code length} zero bytes from {@code block} (sent as zeros). */
  public void recordZeros(long block, int length, int blockBytes) {
    ByteBuffer zeros = ByteBuffer.allocateDirect(blockBytes);
    long full = of(zeros, 0, blockBytes);
    for (int i = 0; i < length; i += blockBytes) {
      int n = Math.min(blockBytes, length - i);
      set(block + i / blockBytes, n == blockBytes ? full : of(zeros, 0, n));
    }
  }

  /** Flushes to the file (the page cache already survives a crash of this process). */
  public void force() {
    for (MappedByteBuffer m : segments) {
      if (m != null) {
        m.force();
      }
    }
  }

  @Override
  public void close() throws IOException {
    force();
    channel.close();
  }
}
