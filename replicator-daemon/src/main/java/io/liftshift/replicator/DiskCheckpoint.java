package io.liftshift.replicator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * What the replicator knows durably about one staging volume. The file holds two fixed 512-byte
 * slots, written alternately in place and fsynced: an update needs no free space (a full staging
 * disk must not cost the record of what is already replicated), and a torn write damages only the
 * slot being written, so the other one still holds the previous state. Each slot is versioned and
 * checksummed; on read the valid slot with the higher sequence wins.
 *
 * <pre>
 * slot (512 bytes, big-endian):
 *  0 u32 magic "LSCK"
 *  4 u16 format version (1)
 *  6 u16 reserved
 *  8 u64 sequence           increases with every write
 * 16 u64 sizeBytes          the volume's size
 * 24 u64 durableOffset      every byte below it is fsynced on the volume
 * 32 u64 writtenHighWater   no byte at or above it was ever written since the volume was created
 * 40 u16 name length, name (UTF-8)
 *  . u32 CRC-32C of everything before it; the rest of the slot is zero
 * </pre>
 *
 * @param sizeBytes the volume size
 * @param durableOffset resume point for the agent
 * @param writtenHighWater above it the volume still holds the zeros it was created with, so zero
 *     ranges there need no write
 */
record DiskCheckpoint(String name, long sizeBytes, long durableOffset, long writtenHighWater) {
  static final int MAGIC = 0x4C53434B;
  static final int FORMAT_VERSION = 1;
  static final int SLOT_BYTES = 512;
  private static final int FIXED = 42;
  private static final int MAX_NAME_BYTES = SLOT_BYTES - FIXED - 4;

  byte[] encodeSlot(long sequence) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    if (n.length > MAX_NAME_BYTES) {
      throw new IllegalArgumentException("volume name longer than " + MAX_NAME_BYTES + " bytes");
    }
    ByteBuffer b = ByteBuffer.allocate(SLOT_BYTES);
    b.putInt(MAGIC).putShort((short) FORMAT_VERSION).putShort((short) 0);
    b.putLong(sequence).putLong(sizeBytes).putLong(durableOffset).putLong(writtenHighWater);
    b.putShort((short) n.length).put(n);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** A decoded slot and its sequence. */
  record Slot(DiskCheckpoint checkpoint, long sequence) {}

  static Slot decodeSlot(byte[] data, int off, Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data, off, SLOT_BYTES);
    if (b.getInt() != MAGIC) {
      throw new IOException(file + ": not a liftshift checkpoint");
    }
    int version = Short.toUnsignedInt(b.getShort());
    if (version != FORMAT_VERSION) {
      throw new IOException(file + ": checkpoint format " + version + " is not supported");
    }
    b.getShort();
    long seq = b.getLong();
    long size = b.getLong();
    long durable = b.getLong();
    long hw = b.getLong();
    int nl = Short.toUnsignedInt(b.getShort());
    if (nl > MAX_NAME_BYTES) {
      throw new IOException(file + ": checkpoint name too long");
    }
    CRC32C crc = new CRC32C();
    crc.update(data, off, FIXED + nl);
    if ((int) crc.getValue() != ByteBuffer.wrap(data, off + FIXED + nl, 4).getInt()) {
      throw new IOException(file + ": checkpoint checksum mismatch (torn or corrupted)");
    }
    byte[] n = new byte[nl];
    b.get(n);
    if (durable < 0 || durable > size || hw < 0 || hw > size) {
      throw new IOException(file + ": checkpoint offsets outside the volume");
    }
    return new Slot(
        new DiskCheckpoint(new String(n, StandardCharsets.UTF_8), size, durable, hw), seq);
  }

  /**
   * The newest valid slot of a checkpoint file; empty when there is no file.
   *
   * @throws IOException when the file exists but neither slot is valid (the message says why)
   */
  static Optional<Slot> readSlot(Path file) throws IOException {
    byte[] data;
    try {
      data = java.nio.file.Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (data.length != 2 * SLOT_BYTES) {
      throw new IOException(
          file + ": checkpoint has " + data.length + " bytes, not " + 2 * SLOT_BYTES);
    }
    Slot best = null;
    IOException why = null;
    for (int i = 0; i < 2; i++) {
      try {
        Slot s = decodeSlot(data, i * SLOT_BYTES, file);
        if (best == null || s.sequence() > best.sequence()) {
          best = s;
        }
      } catch (IOException e) {
        why = e;
      }
    }
    if (best == null) {
      throw why;
    }
    return Optional.of(best);
  }

  static Optional<DiskCheckpoint> read(Path file) throws IOException {
    return readSlot(file).map(Slot::checkpoint);
  }

  /** Writes checkpoints of one volume in place; created (and fully allocated) once. */
  static final class Writer implements AutoCloseable {
    private final FileChannel channel;
    private long sequence;

    Writer(Path file, long lastSequence) throws IOException {
      this.channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      this.sequence = lastSequence;
      try {
        allocate(file);
      } catch (IOException e) {
        channel.close();
        throw e;
      }
    }

    private void allocate(Path file) throws IOException {
      if (channel.size() < 2 * SLOT_BYTES) {
        // Allocate both slots now, while there is room, so later updates never need space.
        ByteBuffer zeros = ByteBuffer.allocate(2 * SLOT_BYTES);
        while (zeros.hasRemaining()) {
          channel.write(zeros, zeros.position());
        }
        channel.force(true);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
          dir.force(true);
        } catch (IOException e) {
          // Some file systems refuse to open a directory; the file itself is synced.
        }
      }
    }

    void write(DiskCheckpoint cp) throws IOException {
      long seq = sequence + 1;
      ByteBuffer b = ByteBuffer.wrap(cp.encodeSlot(seq));
      long pos = (seq % 2) * SLOT_BYTES;
      while (b.hasRemaining()) {
        pos += channel.write(b, pos);
      }
      channel.force(false);
      sequence = seq;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
