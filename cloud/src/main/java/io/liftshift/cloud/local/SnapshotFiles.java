package io.liftshift.cloud.local;

import static io.liftshift.cloud.local.Manifest.CHUNK_BYTES;

import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.VolumeSnapshot;
import io.liftshift.cloud.local.Manifest.Entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The files of the local snapshot store: a manifest per volume snapshot and a set file per
 * point-in-time snapshot, each versioned and CRC-32C checked, written atomically. It exists apart
 * from {@link LocalSnapshots} so that the format is read and written in one place, and the store
 * keeps only what snapshots exist and how they chain.
 */
final class SnapshotFiles {
  private static final int MANIFEST_MAGIC = 0x4C53564D; // "LSVM"
  private static final int SET_MAGIC = 0x4C535053; // "LSPS"
  private static final int VERSION = 1;

  private SnapshotFiles() {}

  static VolumeSnapshot toVolumeSnapshot(Manifest m) {
    return new VolumeSnapshot(
        m.snapshotId(),
        m.volumeName(),
        m.sizeBytes(),
        m.parentId(),
        m.changedBytes(),
        m.storedBytes());
  }

  static byte[] encodeManifest(Manifest m) {
    ByteBuffer b =
        ByteBuffer.allocate(
                256 + m.volumeName().length() * 4 + m.entries().size() * (8 + 4 + 8 + 4 + 32) + 4)
            .order(ByteOrder.BIG_ENDIAN);
    b.putInt(MANIFEST_MAGIC).putInt(VERSION).putInt(CHUNK_BYTES).putInt(0);
    b.putLong(m.sizeBytes()).putLong(m.changedBytes()).putLong(m.storedBytes());
    str(b, m.snapshotId());
    str(b, m.setId());
    str(b, m.volumeName());
    str(b, m.parentId());
    b.putInt(m.entries().size());
    for (Entry e : m.entries()) {
      b.putLong(e.chunk()).putInt(e.pack()).putLong(e.packOffset()).putInt(e.length());
      b.put(e.sha256());
    }
    return withCrc(b);
  }

  static Manifest readManifest(Path p) throws IOException {
    ByteBuffer b = checked(p, MANIFEST_MAGIC);
    if (b.getInt() != CHUNK_BYTES) {
      throw new IOException(p + ": chunk size differs");
    }
    b.getInt();
    long size = b.getLong();
    long changed = b.getLong();
    long stored = b.getLong();
    String id = str(b);
    String set = str(b);
    String volume = str(b);
    String parent = str(b);
    int n = b.getInt();
    List<Entry> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long chunk = b.getLong();
      int pack = b.getInt();
      long off = b.getLong();
      int len = b.getInt();
      byte[] h = new byte[32];
      b.get(h);
      entries.add(new Entry(chunk, pack, off, len, h));
    }
    return new Manifest(id, set, volume, size, parent, changed, stored, entries);
  }

  static byte[] encodeSet(PointInTimeSnapshot s) {
    ByteBuffer b = ByteBuffer.allocate(4096 + s.volumes().size() * 512).order(ByteOrder.BIG_ENDIAN);
    b.putInt(SET_MAGIC).putInt(VERSION);
    str(b, s.snapshotSetId());
    str(b, s.sourceServerId());
    b.putLong(s.takenAt().toEpochMilli());
    b.putInt(s.volumes().size());
    for (VolumeSnapshot v : s.volumes()) {
      str(b, v.snapshotId());
      str(b, v.volumeName());
      b.putLong(v.sizeBytes()).putLong(v.changedBytes()).putLong(v.storedBytes());
      str(b, v.parentSnapshotId());
    }
    return withCrc(b);
  }

  static PointInTimeSnapshot readSet(Path p) throws IOException {
    ByteBuffer b = checked(p, SET_MAGIC);
    String id = str(b);
    String server = str(b);
    Instant at = Instant.ofEpochMilli(b.getLong());
    int n = b.getInt();
    List<VolumeSnapshot> vs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String sid = str(b);
      String vol = str(b);
      long size = b.getLong();
      long changed = b.getLong();
      long stored = b.getLong();
      vs.add(new VolumeSnapshot(sid, vol, size, str(b), changed, stored));
    }
    return new PointInTimeSnapshot(id, server, at, vs);
  }

  private static ByteBuffer checked(Path p, int magic) throws IOException {
    byte[] all = Files.readAllBytes(p);
    if (all.length < 12) {
      throw new IOException(p.getFileName() + " is truncated");
    }
    CRC32C crc = new CRC32C();
    crc.update(all, 0, all.length - 4);
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.BIG_ENDIAN);
    if ((int) crc.getValue() != b.getInt(all.length - 4)) {
      throw new IOException(p.getFileName() + " fails its CRC-32C check");
    }
    if (b.getInt() != magic) {
      throw new IOException(p.getFileName() + " has a bad magic number");
    }
    int v = b.getInt();
    if (v != VERSION) {
      throw new IOException(p.getFileName() + " has version " + v + "; this build reads 1");
    }
    b.limit(all.length - 4);
    return b;
  }

  private static byte[] withCrc(ByteBuffer b) {
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return Arrays.copyOf(b.array(), b.position());
  }

  private static void str(ByteBuffer b, String s) {
    byte[] u = s.getBytes(StandardCharsets.UTF_8);
    b.putShort((short) u.length).put(u);
  }

  private static String str(ByteBuffer b) {
    byte[] u = new byte[b.getShort() & 0xFFFF];
    b.get(u);
    return new String(u, StandardCharsets.UTF_8);
  }

  /**
   * Writes to a temporary file, fsyncs it, renames it over {@code target} and syncs the directory.
   */
  static void writeAtomically(Path target, byte[] data) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(data);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // not every filesystem syncs directories; the rename is atomic regardless
    }
  }
}
