package io.liftshift.agent;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A disk of the source server, opened read-only: a block device or an image file. Its key (the real
 * path) names its staging volume, so the same disk maps to the same volume across restarts.
 */
final class SourceDisk implements AutoCloseable {
  final int diskId;
  final Path path;
  final String diskKey;
  final long sizeBytes;
  final FileChannel channel;

  private SourceDisk(int diskId, Path path, String diskKey, long sizeBytes, FileChannel channel) {
    this.diskId = diskId;
    this.path = path;
    this.diskKey = diskKey;
    this.sizeBytes = sizeBytes;
    this.channel = channel;
  }

  static SourceDisk open(int diskId, Path path) throws IOException {
    if (!Files.exists(path)) {
      throw new IOException("disk " + path + " does not exist");
    }
    Path real = path.toRealPath();
    FileChannel ch = FileChannel.open(real, StandardOpenOption.READ);
    try {
      // For block devices the JDK asks the kernel (BLKGETSIZE64); for files it is the length.
      long size = ch.size();
      if (size <= 0) {
        size = sysfsSize(real);
      }
      if (size <= 0) {
        throw new IOException("disk " + path + " is empty or its size cannot be read");
      }
      return new SourceDisk(diskId, path, real.toString(), size, ch);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
  }

  private static long sysfsSize(Path dev) {
    try {
      Path sectors = Path.of("/sys/class/block", dev.getFileName().toString(), "size");
      return Long.parseLong(Files.readString(sectors).trim()) * 512;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return diskKey;
  }
}
