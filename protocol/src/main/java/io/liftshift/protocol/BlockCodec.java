package io.liftshift.protocol;

import java.nio.ByteBuffer;
import java.util.Arrays;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Encodes blocks into BLOCK_DATA/BLOCK_ZERO frames and decodes them back, checking the xxHash64 of
 * the uncompressed bytes. Uses lz4-java's native (JNI) instances where the platform has them: its
 * pure-Java decompressor is several times slower on long zero runs. Stateless apart from the
 * factories, so one instance can be shared by threads.
 */
public final class BlockCodec {
  private static final LZ4Factory LZ4 = pickLz4();
  private static final XXHashFactory XXHASH = XXHashFactory.fastestInstance();
  private static final byte[] ZEROS = new byte[64 * 1024];

  /** A payload must save at least this share of the block to be sent compressed. */
  private static final double MAX_COMPRESSED_RATIO = 0.97;

  private final LZ4Compressor compressor = LZ4.fastCompressor();
  private final LZ4SafeDecompressor decompressor = LZ4.safeDecompressor();
  private final XXHash64 hash = XXHASH.hash64();

  private static LZ4Factory pickLz4() {
    try {
      return LZ4Factory.nativeInstance();
    } catch (Throwable e) {
      // No JNI library for this platform: the Java port is correct, only slower.
      return LZ4Factory.fastestJavaInstance();
    }
  }

  /** Which LZ4 implementation is in use, for logs and benchmarks. */
  public static String lz4Implementation() {
    return LZ4.toString();
  }

  /** The LZ4 worst case for a block, which bounds an LZ4 payload. */
  public static int maxCompressedLength(int length) {
    return LZ4.fastCompressor().maxCompressedLength(length);
  }

  /** Room needed in an output array for one BLOCK_DATA frame of {@code length} bytes. */
  public static int maxFrameLength(int length) {
    return FrameHeader.LENGTH
        + BlockData.FIXED_LENGTH
        + Math.max(length, maxCompressedLength(length));
  }

  /** True when every byte in the range is zero. */
  public static boolean isZero(byte[] b, int off, int len) {
    int pos = off;
    int end = off + len;
    while (pos < end) {
      int n = Math.min(ZEROS.length, end - pos);
      if (Arrays.mismatch(b, pos, pos + n, ZEROS, 0, n) >= 0) {
        return false;
      }
      pos += n;
    }
    return true;
  }

  /** The xxHash64 (seed 0) that a BLOCK_DATA frame carries for these bytes. */
  public long checksum(byte[] b, int off, int len) {
    return hash.hash(b, off, len, 0L);
  }

  /**
   * Writes one BLOCK_DATA frame for {@code src[off, off+len)} at {@code out[pos]}.
   *
   * @param tryLz4 whether to attempt compression (the sender may skip it for data that did not
   *     compress recently); the block is sent raw when LZ4 saves too little
   * @return the position after the frame
   */
  public int writeBlockFrame(
      int diskId, long offset, byte[] src, int off, int len, byte[] out, int pos, boolean tryLz4) {
    return writeBlockFrame(diskId, offset, ByteBuffer.wrap(src), off, len, out, pos, tryLz4);
  }

  /**
   * As above, from {@code src[off, off+len)} by absolute index: a direct buffer is compressed and
   * hashed where it lies, without first being copied to the heap.
   */
  public int writeBlockFrame(
      int diskId,
      long offset,
      ByteBuffer src,
      int off,
      int len,
      byte[] out,
      int pos,
      boolean tryLz4) {
    if (len <= 0 || len > FrameHeader.MAX_BLOCK_LENGTH) {
      throw new IllegalArgumentException("block length " + len);
    }
    int payloadPos = pos + FrameHeader.LENGTH + BlockData.FIXED_LENGTH;
    BlockEncoding encoding = BlockEncoding.RAW;
    int payloadLength = len;
    if (tryLz4) {
      int limit = (int) (len * MAX_COMPRESSED_RATIO);
      int compressed =
          compressor.compress(
              src, off, len, ByteBuffer.wrap(out), payloadPos, out.length - payloadPos);
      if (compressed < limit) {
        encoding = BlockEncoding.LZ4;
        payloadLength = compressed;
      }
    }
    if (encoding == BlockEncoding.RAW) {
      src.get(off, out, payloadPos, len);
    }
    FrameHeader.write(out, pos, Opcode.BLOCK_DATA, 0, BlockData.FIXED_LENGTH + payloadLength);
    ByteBuffer b = ByteBuffer.wrap(out, pos + FrameHeader.LENGTH, BlockData.FIXED_LENGTH);
    b.putInt(diskId);
    b.put((byte) encoding.code());
    b.put((byte) 0).put((byte) 0).put((byte) 0);
    b.putLong(offset);
    b.putInt(len);
    b.putLong(hash.hash(src, off, len, 0L));
    return payloadPos + payloadLength;
  }

  /** Writes one BLOCK_ZERO frame at {@code out[pos]}; returns the position after it. */
  public static int writeZeroFrame(int diskId, long offset, long length, byte[] out, int pos) {
    FrameHeader.write(out, pos, Opcode.BLOCK_ZERO, 0, Message.BlockZero.BODY_LENGTH);
    ByteBuffer b = ByteBuffer.wrap(out, pos + FrameHeader.LENGTH, Message.BlockZero.BODY_LENGTH);
    b.putInt(diskId).putInt(0).putLong(offset).putLong(length);
    return pos + FrameHeader.LENGTH + Message.BlockZero.BODY_LENGTH;
  }

  /**
   * Verifies a block and returns its uncompressed bytes: a view of the frame itself for RAW blocks
   * (no copy), or of {@code scratch} for LZ4 blocks.
   *
   * @throws ProtocolException CHECKSUM_MISMATCH or MALFORMED_FRAME
   */
  public ByteBuffer decodeView(BlockData block, byte[] scratch) throws ProtocolException {
    if (block.encoding() == BlockEncoding.RAW) {
      byte[] body = block.body();
      verify(block, body, BlockData.FIXED_LENGTH);
      return ByteBuffer.wrap(body, BlockData.FIXED_LENGTH, block.length()).slice();
    }
    decode(block, scratch);
    return ByteBuffer.wrap(scratch, 0, block.length());
  }

  private void verify(BlockData block, byte[] b, int off) throws ProtocolException {
    long actual = checksum(b, off, block.length());
    if (actual != block.checksum()) {
      throw new ProtocolException(
          ErrorCode.CHECKSUM_MISMATCH,
          String.format(
              "block at offset %d (%d bytes) of disk %d: xxhash64 %016x, frame says %016x",
              block.offset(), block.length(), block.diskId(), actual, block.checksum()));
    }
  }

  /**
   * Decodes a block into {@code dst[0, length)} and verifies its checksum. Nothing may be written
   * to a volume from a block that fails here.
   *
   * @throws ProtocolException CHECKSUM_MISMATCH or MALFORMED_FRAME (undecodable LZ4)
   */
  public void decode(BlockData block, byte[] dst) throws ProtocolException {
    int len = block.length();
    if (dst.length < len) {
      throw new IllegalArgumentException("destination of " + dst.length + " < " + len);
    }
    byte[] body = block.body();
    if (block.encoding() == BlockEncoding.RAW) {
      System.arraycopy(body, BlockData.FIXED_LENGTH, dst, 0, len);
    } else {
      int n;
      try {
        n =
            decompressor.decompress(
                body, BlockData.FIXED_LENGTH, block.payloadLength(), dst, 0, len);
      } catch (LZ4Exception e) {
        throw new ProtocolException(
            ErrorCode.MALFORMED_FRAME,
            "LZ4 payload at offset " + block.offset() + " does not decode: " + e.getMessage());
      }
      if (n != len) {
        throw new ProtocolException(
            ErrorCode.MALFORMED_FRAME,
            "LZ4 payload at offset " + block.offset() + " decodes to " + n + " bytes, not " + len);
      }
    }
    verify(block, dst, 0);
  }
}
