package io.liftshift.agent.tracking;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a source disk for change tracking. Block devices are read with O_DIRECT: a filesystem's
 * writes go to the device without passing through the device's own page cache, so a cached read
 * could return data older than the write the tracker just reported.
 */
public final class DiskReader implements AutoCloseable {
  /** Alignment O_DIRECT needs for offsets, lengths and buffers on every device we meet. */
  public static final int ALIGNMENT = 4096;

  private final FileChannel channel;
  private final boolean direct;

  private DiskReader(FileChannel channel, boolean direct) {
    this.channel = channel;
    this.direct = direct;
  }

  public static DiskReader open(Path disk) throws IOException {
    Path real = disk.toRealPath();
    if (isBlockDevice(real)) {
      try {
        OpenOption o = com.sun.nio.file.ExtendedOpenOption.DIRECT;
        return new DiskReader(FileChannel.open(real, StandardOpenOption.READ, o), true);
      } catch (UnsupportedOperationException | IOException e) {
        // Some devices refuse O_DIRECT; their page cache is then the only view there is.
      }
    }
    return new DiskReader(FileChannel.open(real, StandardOpenOption.READ), false);
  }

  public static boolean isBlockDevice(Path p) {
    try {
      int mode = (Integer) Files.getAttribute(p, "unix:mode");
      return (mode & 0170000) == 0060000;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  public boolean direct() {
    return direct;
  }

  /** A buffer this reader can read into (aligned for O_DIRECT). */
  public static ByteBuffer buffer(int bytes) {
    int rounded = (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    return ByteBuffer.allocateDirect(rounded + ALIGNMENT)
        .alignedSlice(ALIGNMENT)
        .limit(rounded)
        .slice();
  }

  /**
   * Reads {@code length} bytes at {@code offset} into {@code dst} from position 0. The read is
   * widened to the alignment internally when the device needs it; {@code dst} must have room for
   * the aligned length.
   */
  public void read(ByteBuffer dst, long offset, int length) throws IOException {
    int len = direct ? (length + 511) / 512 * 512 : length;
    dst.clear().limit(len);
    while (dst.hasRemaining()) {
      int n = channel.read(dst, offset + dst.position());
      if (n < 0) {
        if (dst.position() >= length) {
          break;
        }
        throw new IOException("disk ended at " + (offset + dst.position()));
      }
    }
    dst.limit(length).position(0);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
