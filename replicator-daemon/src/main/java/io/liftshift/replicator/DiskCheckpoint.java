package io.liftshift.replicator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * What the replicator knows durably about one staging volume, persisted next to it. Versioned and
 * checksummed; a file that fails either check is reported, never trusted.
 *
 * <pre>
 *  0 u32 magic "LSCK"
 *  4 u16 format version (1)
 *  6 u16 reserved
 *  8 u64 sizeBytes          the volume's size
 * 16 u64 durableOffset      every byte below it is fsynced on the volume
 * 24 u64 writtenHighWater   no byte at or above it was ever written since the volume was created
 * 32 u16 name length, name (UTF-8)
 *  . u32 CRC-32C of everything before it
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

  byte[] encode() {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(32 + 2 + n.length + 4);
    b.putInt(MAGIC).putShort((short) FORMAT_VERSION).putShort((short) 0);
    b.putLong(sizeBytes).putLong(durableOffset).putLong(writtenHighWater);
    b.putShort((short) n.length).put(n);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  static DiskCheckpoint decode(byte[] data, Path file) throws IOException {
    if (data.length < 38) {
      throw new IOException(file + ": checkpoint truncated (" + data.length + " bytes)");
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    if (b.getInt() != MAGIC) {
      throw new IOException(file + ": not a liftshift checkpoint");
    }
    int version = Short.toUnsignedInt(b.getShort());
    if (version != FORMAT_VERSION) {
      throw new IOException(file + ": checkpoint format " + version + " is not supported");
    }
    CRC32C crc = new CRC32C();
    crc.update(data, 0, data.length - 4);
    if ((int) crc.getValue() != ByteBuffer.wrap(data, data.length - 4, 4).getInt()) {
      throw new IOException(file + ": checkpoint checksum mismatch (torn or corrupted)");
    }
    b.getShort();
    long size = b.getLong();
    long durable = b.getLong();
    long hw = b.getLong();
    int nl = Short.toUnsignedInt(b.getShort());
    if (nl != data.length - 38) {
      throw new IOException(file + ": checkpoint name length does not match");
    }
    byte[] n = new byte[nl];
    b.get(n);
    if (durable < 0 || durable > size || hw < 0 || hw > size) {
      throw new IOException(file + ": checkpoint offsets outside the volume");
    }
    return new DiskCheckpoint(new String(n, StandardCharsets.UTF_8), size, durable, hw);
  }

  static Optional<DiskCheckpoint> read(Path file) throws IOException {
    try {
      return Optional.of(decode(Files.readAllBytes(file), file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Writes atomically: temp file, fsync, rename, fsync of the directory. */
  void write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(encode());
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // Some file systems refuse to open a directory; the rename is still atomic there.
    }
  }
}
