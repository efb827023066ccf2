package io.liftshift.cloud.local;

import static io.liftshift.cloud.local.Manifest.CHUNK_BYTES;
import static io.liftshift.cloud.local.Manifest.ZERO_PACK;

import io.liftshift.cloud.VolumeSnapshot;
import io.liftshift.cloud.local.Manifest.Entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a volume snapshot out of the local store's packs onto a file or device, chunk by chunk,
 * each checked against its SHA-256, neighbouring chunks read and written at once. It exists apart
 * from {@link LocalSnapshots} because a restore needs only the chunks that define the snapshot,
 * resolved beforehand, and runs outside the store's lock.
 */
final class ChunkRestore {
  private final Path packs;

  ChunkRestore(Path packs) {
    this.packs = packs;
  }

  /** Writes {@code view} (every chunk of {@code snapshot} that is not a hole) to {@code target}. */
  void restore(Map<Long, Entry> view, VolumeSnapshot snapshot, Path target) throws IOException {
    TreeMap<Long, Entry> ordered = new TreeMap<>(view);
    Map<Integer, FileChannel> open = new HashMap<>();
    MessageDigest sha = LocalSnapshots.sha256();
    try (FileChannel out =
        FileChannel.open(
            target, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
      boolean file = Files.isRegularFile(target);
      if (file) {
        // Emptied first: chunks the snapshot has no entry for are zeros, whatever was there.
        out.truncate(0);
        out.write(ByteBuffer.allocate(1), snapshot.sizeBytes() - 1);
      }
      byte[] zeros = new byte[CHUNK_BYTES];
      byte[] span = new byte[1 << 20];
      List<Entry> run = new ArrayList<>();
      long next = 0;
      long chunks = (snapshot.sizeBytes() + CHUNK_BYTES - 1) / CHUNK_BYTES;
      for (Entry e : ordered.values()) {
        if (!file) {
          // A device keeps old bytes where a file would read zeros: write them.
          zeroFill(out, next, e.chunk(), snapshot.sizeBytes());
        }
        next = e.chunk() + 1;
        if (e.pack() == ZERO_PACK) {
          restoreSpan(run, span, open, out, sha, snapshot.snapshotId());
          out.write(ByteBuffer.wrap(zeros, 0, e.length()), e.chunk() * CHUNK_BYTES);
          continue;
        }
        Entry last = run.isEmpty() ? null : run.get(run.size() - 1);
        // Chunks next to each other on the volume and in the same pack are read and written at
        // once.
        boolean extends_ =
            last != null
                && last.chunk() + 1 == e.chunk()
                && last.pack() == e.pack()
                && last.packOffset() + last.length() == e.packOffset()
                && (run.size() + 1) * CHUNK_BYTES <= span.length;
        if (!extends_) {
          restoreSpan(run, span, open, out, sha, snapshot.snapshotId());
        }
        run.add(e);
      }
      restoreSpan(run, span, open, out, sha, snapshot.snapshotId());
      if (!file) {
        zeroFill(out, next, chunks, snapshot.sizeBytes());
      }
      out.force(true);
    } finally {
      for (FileChannel c : open.values()) {
        c.close();
      }
    }
  }

  private static void zeroFill(FileChannel out, long fromChunk, long toChunk, long size)
      throws IOException {
    ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
    long pos = fromChunk * CHUNK_BYTES;
    long end = Math.min(size, toChunk * CHUNK_BYTES);
    while (pos < end) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), end - pos));
      pos += out.write(zeros, pos);
    }
  }

  private void restoreSpan(
      List<Entry> run,
      byte[] span,
      Map<Integer, FileChannel> open,
      FileChannel out,
      MessageDigest sha,
      String snapshotId)
      throws IOException {
    if (run.isEmpty()) {
      return;
    }
    Entry first = run.get(0);
    int len = 0;
    for (Entry e : run) {
      len += e.length();
    }
    FileChannel p = open.get(first.pack());
    if (p == null) {
      p = FileChannel.open(packs.resolve("pack-" + first.pack() + ".dat"), StandardOpenOption.READ);
      open.put(first.pack(), p);
    }
    ByteBuffer b = ByteBuffer.wrap(span, 0, len);
    while (b.hasRemaining()) {
      if (p.read(b, first.packOffset() + b.position()) < 0) {
        throw new IOException("pack " + first.pack() + " is truncated: snapshot is damaged");
      }
    }
    int off = 0;
    for (Entry e : run) {
      sha.update(span, off, e.length());
      if (!Arrays.equals(sha.digest(), e.sha256())) {
        throw new IOException(
            "chunk " + e.chunk() + " of " + snapshotId + " fails its SHA-256 check");
      }
      off += e.length();
    }
    ByteBuffer w = ByteBuffer.wrap(span, 0, len);
    long pos = first.chunk() * CHUNK_BYTES;
    while (w.hasRemaining()) {
      pos += out.write(w, pos);
    }
    run.clear();
  }
}
