package io.liftshift.agent.allocation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/** Reads on-disk structures (superblocks, bitmaps, B+tree blocks) of a source disk. */
final class VolumeReader {
  private final FileChannel channel;
  private final long sizeBytes;

  VolumeReader(FileChannel channel, long sizeBytes) {
    this.channel = channel;
    this.sizeBytes = sizeBytes;
  }

  long sizeBytes() {
    return sizeBytes;
  }

  /** {@code length} bytes at {@code offset}; past the end of the disk is an error. */
  ByteBuffer read(long offset, int length, ByteOrder order) throws IOException {
    if (offset < 0 || offset + length > sizeBytes) {
      throw new IOException("structure at " + offset + " (+" + length + ") is outside the disk");
    }
    ByteBuffer b = ByteBuffer.allocate(length).order(order);
    while (b.hasRemaining()) {
      if (channel.read(b, offset + b.position()) < 0) {
        throw new IOException("disk ended at " + (offset + b.position()));
      }
    }
    return b.flip();
  }

  ByteBuffer le(long offset, int length) throws IOException {
    return read(offset, length, ByteOrder.LITTLE_ENDIAN);
  }

  ByteBuffer be(long offset, int length) throws IOException {
    return read(offset, length, ByteOrder.BIG_ENDIAN);
  }
}
