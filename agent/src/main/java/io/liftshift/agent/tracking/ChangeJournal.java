package io.liftshift.agent.tracking;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The change journal of one disk ({@code NAME.journal.N} segments): MARK and CLEAN records, each
 * CRC-32C checked, written (not fsynced) as they happen between two snapshots of the {@link
 * ChangeMap}. It exists apart from the map so that the record format and the segment files are read
 * and written in one place, and the map keeps only which blocks are pending. Not thread-safe: the
 * map calls it under its lock.
 */
final class ChangeJournal {
  private static final Logger LOG = Logger.getLogger(ChangeJournal.class.getName());

  /** Blocks changed. */
  static final byte MARK = 1;

  /** Blocks durable on the staging volume (or superseded by a read). */
  static final byte CLEAN = 2;

  /** What a replay found: the last segment read, and what was wrong with the journal or null. */
  record Replay(long segment, String problem) {}

  private final Path dir;
  private final String name;
  private final String diskKey;
  private FileChannel channel;
  private long position;

  ChangeJournal(Path dir, String name, String diskKey) {
    this.dir = dir;
    this.name = name;
    this.diskKey = diskKey;
  }

  /**
   * Replays the segments from {@code fromSegment} on into {@code dirty} (a MARK sets, a CLEAN
   * clears), stopping at a torn or damaged record.
   */
  Replay replay(long fromSegment, long[] dirty, long blocks) throws IOException {
    long segment = fromSegment;
    String problem = null;
    for (long s : segments()) {
      if (s < segment) {
        continue;
      }
      byte[] j = Files.readAllBytes(file(s));
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
            return new Replay(segment, "the change journal names blocks outside the disk");
          }
          Bitmap.setRange(dirty, r.firstBlock(), r.endBlock(), type == MARK);
        }
      }
      segment = Math.max(segment, s);
    }
    return new Replay(segment, problem);
  }

  /** The segments on disk, oldest first. */
  List<Long> segments() throws IOException {
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

  /** The newest segment on disk, or {@code none} when there is none. */
  long lastSegment(long none) throws IOException {
    List<Long> s = segments();
    return s.isEmpty() ? none : s.get(s.size() - 1);
  }

  void deleteBefore(long segment) throws IOException {
    for (long old : segments()) {
      if (old < segment) {
        Files.deleteIfExists(file(old));
      }
    }
  }

  /** Starts writing {@code segment}, empty. */
  void open(long segment) throws IOException {
    channel =
        FileChannel.open(
            file(segment),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
    position = 0;
  }

  void close() throws IOException {
    channel.close();
  }

  /** Appends one record; a failed write is logged, since the next snapshot records it anyway. */
  void append(byte type, List<BlockRun> runs) {
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
        position += channel.write(b, position);
      }
    } catch (IOException e) {
      // The next snapshot still records everything; only a crash before it would miss this.
      LOG.warning(diskKey + ": change journal write failed: " + e.getMessage());
    }
  }

  private Path file(long segment) {
    return dir.resolve(name + ".journal." + segment);
  }
}
