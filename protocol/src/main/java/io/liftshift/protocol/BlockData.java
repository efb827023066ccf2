package io.liftshift.protocol;

import java.nio.ByteBuffer;

/**
 * A parsed BLOCK_DATA frame. The payload stays in the frame's body array, so that a block is copied
 * once between the socket and the staging volume.
 *
 * <pre>
 *  0 u32 diskId
 *  4 u8  encoding       {@link BlockEncoding}
 *  5 u8[3] reserved     0
 *  8 u64 offset         byte offset on the disk
 * 16 u32 length         uncompressed length, 1..{@link FrameHeader#MAX_BLOCK_LENGTH}
 * 20 u64 xxhash64       of the uncompressed bytes, seed 0
 * 28 ... payload
 * </pre>
 */
public final class BlockData {
  public static final int FIXED_LENGTH = 28;

  private final int diskId;
  private final BlockEncoding encoding;
  private final long offset;
  private final int length;
  private final long checksum;
  private final byte[] body;

  private BlockData(
      int diskId, BlockEncoding encoding, long offset, int length, long checksum, byte[] body) {
    this.diskId = diskId;
    this.encoding = encoding;
    this.offset = offset;
    this.length = length;
    this.checksum = checksum;
    this.body = body;
  }

  /** Validates the fixed fields and the payload size against the encoding. */
  public static BlockData parse(Frame frame) throws ProtocolException {
    byte[] body = frame.body();
    if (body.length < FIXED_LENGTH + 1) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME, "BLOCK_DATA body of " + body.length + " bytes is too short");
    }
    ByteBuffer b = ByteBuffer.wrap(body);
    int diskId = b.getInt();
    BlockEncoding encoding = BlockEncoding.fromCode(Byte.toUnsignedInt(b.get()));
    b.position(8);
    long offset = b.getLong();
    long length = Integer.toUnsignedLong(b.getInt());
    long checksum = b.getLong();
    if (offset < 0) {
      throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "negative block offset " + offset);
    }
    if (length == 0 || length > FrameHeader.MAX_BLOCK_LENGTH) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME,
          "block length " + length + " outside 1.." + FrameHeader.MAX_BLOCK_LENGTH);
    }
    int payload = body.length - FIXED_LENGTH;
    if (encoding == BlockEncoding.RAW && payload != length) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME,
          "RAW block announces " + length + " bytes but carries " + payload);
    }
    if (encoding == BlockEncoding.LZ4 && payload > BlockCodec.maxCompressedLength((int) length)) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME, "LZ4 payload of " + payload + " bytes exceeds its bound");
    }
    return new BlockData(diskId, encoding, offset, (int) length, checksum, body);
  }

  public int diskId() {
    return diskId;
  }

  public BlockEncoding encoding() {
    return encoding;
  }

  public long offset() {
    return offset;
  }

  public int length() {
    return length;
  }

  public long checksum() {
    return checksum;
  }

  byte[] body() {
    return body;
  }

  public int payloadLength() {
    return body.length - FIXED_LENGTH;
  }
}
