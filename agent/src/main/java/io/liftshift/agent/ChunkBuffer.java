package io.liftshift.agent;

import io.liftshift.protocol.BlockCodec;
import io.liftshift.protocol.BlockData;
import io.liftshift.protocol.FrameHeader;
import io.liftshift.protocol.Message;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;

/**
 * One read chunk of a disk and the frames encoded from it. Buffers are pooled per disk, so memory
 * stays at (read-ahead + 2) chunks per disk whatever the disk size.
 */
final class ChunkBuffer {
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(FrameHeader.MAX_BLOCK_LENGTH);

  /**
   * The disk is read into direct memory (one copy from the kernel); non-zero blocks are compressed
   * (or copied, when LZ4 does not pay) from there straight into {@link #frames}.
   */
  final ByteBuffer direct;

  final byte[] frames;
  private final BlockingQueue<ChunkBuffer> home;
  DiskProgress disk;
  long offset;
  int rawLength;
  int framesLength;
  long dataBytes;
  long payloadBytes;
  boolean endOfDisk;

  /** No file system uses any of it: nothing was read, it goes as zeros. */
  boolean unread;

  /** Generations of the proof's leaves wholly inside this chunk, taken before the read. */
  int[] leafGenerations;

  ChunkBuffer(int chunkBytes, int blockBytes, BlockingQueue<ChunkBuffer> home) {
    this.home = home;
    // Aligned, so that block devices can be read with O_DIRECT.
    direct = io.liftshift.agent.tracking.DiskReader.buffer(chunkBytes);
    int blocks = chunkBytes / blockBytes;
    frames =
        new byte
            [blocks * BlockCodec.maxFrameLength(blockBytes)
                + (blocks + 1) * (FrameHeader.LENGTH + Message.BlockZero.BODY_LENGTH)];
  }

  /** A marker that tells the sender a disk has been read to its end. */
  static ChunkBuffer endOf(DiskProgress disk) {
    ChunkBuffer b = new ChunkBuffer(0, 1, null);
    b.disk = disk;
    b.endOfDisk = true;
    return b;
  }

  /** Returns the buffer to its disk's pool once its frames are written. */
  void release() {
    if (home != null) {
      home.add(this);
    }
  }

  long end() {
    return offset + rawLength;
  }

  /** Zeroes {@code [pos, pos+len)} of the chunk as read. */
  void zero(int pos, int len) {
    for (int done = 0; done < len; ) {
      int n = Math.min(len - done, ZEROS.capacity());
      direct.put(pos + done, ZEROS, 0, n);
      done += n;
    }
  }

  /** Hashes the proof's leaves that lie wholly inside this chunk, from the bytes being sent. */
  void hashLeaves(java.security.MessageDigest sha) {
    io.liftshift.protocol.StreamedLeaves leaves = disk.leaves;
    if (leaves == null || leafGenerations == null) {
      return;
    }
    long lb = leaves.leafBytes();
    long first = (offset + lb - 1) / lb;
    for (int k = 0; k < leafGenerations.length; k++) {
      long leaf = first + k;
      int len = leaves.leafLength(leaf);
      if (unread) {
        leaves.recordZero(leaf, leafGenerations[k]);
      } else {
        int at = (int) (leaf * lb - offset);
        leaves.record(leaf, leafGenerations[k], leaves.hash(sha, direct.slice(at, len)));
      }
    }
  }

  /** Encodes the chunk into frames: zero runs become BLOCK_ZERO, the rest BLOCK_DATA. */
  void encode(BlockCodec codec, int blockBytes, long features, CompressionGovernor governor) {
    boolean lz4 = io.liftshift.protocol.Features.has(features, io.liftshift.protocol.Features.LZ4);
    boolean zeroFrames =
        io.liftshift.protocol.Features.has(features, io.liftshift.protocol.Features.ZERO_BLOCKS);
    int diskId = disk.disk.diskId;
    int pos = 0;
    long zeroStart = -1;
    dataBytes = 0;
    payloadBytes = 0;
    if (unread) {
      if (zeroFrames) {
        framesLength = BlockCodec.writeZeroFrame(diskId, offset, rawLength, frames, 0);
        return;
      }
      zero(0, rawLength);
    }
    for (int i = 0; i < rawLength; i += blockBytes) {
      int len = Math.min(blockBytes, rawLength - i);
      if (zeroFrames && direct.slice(i, len).mismatch(ZEROS.slice(0, len)) < 0) {
        if (zeroStart < 0) {
          zeroStart = offset + i;
        }
        continue;
      }
      if (zeroStart >= 0) {
        pos = BlockCodec.writeZeroFrame(diskId, zeroStart, offset + i - zeroStart, frames, pos);
        zeroStart = -1;
      }
      boolean tryLz4 = lz4 && governor.shouldTry();
      int start = pos;
      pos = codec.writeBlockFrame(diskId, offset + i, direct, i, len, frames, pos, tryLz4);
      if (tryLz4) {
        // Byte 4 of the block fields is the encoding: 1 means LZ4 paid off.
        governor.record(frames[start + FrameHeader.LENGTH + 4] == 1);
      }
      dataBytes += len;
      payloadBytes += pos - start - FrameHeader.LENGTH - BlockData.FIXED_LENGTH;
    }
    if (zeroStart >= 0) {
      pos =
          BlockCodec.writeZeroFrame(diskId, zeroStart, offset + rawLength - zeroStart, frames, pos);
    }
    framesLength = pos;
  }
}
