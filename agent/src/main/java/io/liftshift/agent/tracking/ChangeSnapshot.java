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
import java.util.zip.CRC32C;

/**
 * The snapshot file of one disk's change state ({@code NAME.state}): a versioned header (block
 * size, disk size, journal segment, boot id, disk key), the dirty ∪ in-flight bitmap, and a
 * CRC-32C, replaced atomically and fsynced. It exists apart from the {@link ChangeMap} so that the
 * format is written and checked in one place; the map decides when to take one.
 */
final class ChangeSnapshot {
  private static final int MAGIC = 0x4C53434D; // "LSCM"
  private static final int VERSION = 1;
  private static final int FLAG_CLEAN_SHUTDOWN = 1;
  private static final int FLAG_INITIAL_SYNC_COMPLETE = 2;

  /**
   * What a snapshot held.
   *
   * @param problem what is wrong with it, or null when it was read (then {@code dirty} holds it)
   * @param segment the journal segment it was taken at (the caller's when the header is unread)
   */
  record Read(
      String problem,
      long segment,
      String bootId,
      boolean initialSyncComplete,
      boolean cleanShutdown) {
    static Read bad(String problem, long segment) {
      return new Read(problem, segment, "", false, false);
    }
  }

  private final Path dir;
  private final Path file;
  private final String name;
  private final String diskKey;
  private final long diskBytes;
  private final int blockBytes;

  ChangeSnapshot(Path dir, String name, String diskKey, long diskBytes, int blockBytes) {
    this.dir = dir;
    this.name = name;
    this.file = dir.resolve(name + ".state");
    this.diskKey = diskKey;
    this.diskBytes = diskBytes;
    this.blockBytes = blockBytes;
  }

  boolean exists() {
    return Files.exists(file);
  }

  /** Reads the snapshot into {@code dirty}; {@code segment} is returned when none is read. */
  Read read(long[] dirty, long segment) throws IOException {
    byte[] all = Files.readAllBytes(file);
    if (all.length < 80) {
      return Read.bad("change state is truncated (" + all.length + " bytes)", segment);
    }
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.BIG_ENDIAN);
    CRC32C crc = new CRC32C();
    crc.update(all, 0, all.length - 4);
    if ((int) crc.getValue() != b.getInt(all.length - 4)) {
      return Read.bad("change state fails its CRC-32C check", segment);
    }
    if (b.getInt(0) != MAGIC) {
      return Read.bad("change state has a bad magic number", segment);
    }
    if (b.getInt(4) != VERSION) {
      return Read.bad(
          "change state version " + b.getInt(4) + " is not supported (this agent reads 1)",
          segment);
    }
    if (b.getInt(8) != blockBytes || b.getLong(16) != diskBytes) {
      return Read.bad(
          "change state is for "
              + b.getLong(16)
              + " bytes in blocks of "
              + b.getInt(8)
              + ", the disk now has "
              + diskBytes
              + " in blocks of "
              + blockBytes,
          segment);
    }
    int flags = b.getInt(12);
    long saved = b.getLong(24);
    byte[] boot = new byte[36];
    b.get(40, boot);
    String bootId = new String(boot, StandardCharsets.US_ASCII).trim();
    int keyLength = b.getShort(76) & 0xFFFF;
    String key = new String(all, 78, keyLength, StandardCharsets.UTF_8);
    if (!key.equals(diskKey)) {
      return Read.bad("change state belongs to " + key, saved);
    }
    int pos = 78 + keyLength;
    if (all.length != pos + dirty.length * 8 + 4) {
      return Read.bad("change state has the wrong length", saved);
    }
    for (int i = 0; i < dirty.length; i++) {
      dirty[i] = b.getLong(pos + i * 8);
    }
    return new Read(
        null,
        saved,
        bootId,
        (flags & FLAG_INITIAL_SYNC_COMPLETE) != 0,
        (flags & FLAG_CLEAN_SHUTDOWN) != 0);
  }

  /** The snapshot's bytes, of what is dirty or in flight; called under the map's lock. */
  byte[] encode(
      long[] dirty,
      long[] inflight,
      long segment,
      boolean cleanShutdown,
      boolean initialSyncComplete) {
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

  /** Writes the bytes to a temporary file, fsyncs it and renames it over the snapshot. */
  void write(byte[] bytes) throws IOException {
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
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some filesystems cannot fsync a directory; the rename is still atomic.
    }
  }

  /** This boot of the machine: a snapshot from another boot may miss writes made before it. */
  static String bootId() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
    } catch (IOException e) {
      return "";
    }
  }
}
