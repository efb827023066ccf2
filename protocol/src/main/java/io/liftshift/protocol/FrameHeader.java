package io.liftshift.protocol;

import java.nio.ByteBuffer;

/**
 * The fixed 16-byte frame header (big-endian):
 *
 * <pre>
 *  0  u32 magic        0x4C534654 ("LSFT")
 *  4  u8  version      protocol version of this frame
 *  5  u8  flags        bit 0 MAY_IGNORE; bits 1-7 reserved, must be 0
 *  6  u16 opcode       see {@link Opcode}
 *  8  u32 bodyLength   bytes that follow the header, at most {@link #MAX_BODY_LENGTH}
 * 12  u32 reserved     written as 0, ignored on read
 * </pre>
 */
public final class FrameHeader {
  public static final int MAGIC = 0x4C534654;
  public static final int LENGTH = 16;

  /** Versions this implementation speaks; HELLO negotiates the highest common one. */
  public static final int MIN_VERSION = 1;

  public static final int MAX_VERSION = 1;

  /** A receiver that does not know the opcode skips the frame instead of failing. */
  public static final int FLAG_MAY_IGNORE = 0x01;

  /** Largest uncompressed block in one BLOCK_DATA frame. */
  public static final int MAX_BLOCK_LENGTH = 1 << 20;

  /**
   * Hard limit on a body, whatever was negotiated: the largest block plus LZ4's worst-case growth
   * and the block fields, rounded up. A header announcing more is rejected before any allocation.
   */
  public static final int MAX_BODY_LENGTH = MAX_BLOCK_LENGTH + (MAX_BLOCK_LENGTH / 255) + 4096;

  private FrameHeader() {}

  /** Writes a header at {@code out[pos]}; returns the position after it. */
  public static int write(byte[] out, int pos, Opcode opcode, int flags, int bodyLength) {
    ByteBuffer b = ByteBuffer.wrap(out, pos, LENGTH);
    b.putInt(MAGIC);
    b.put((byte) MAX_VERSION);
    b.put((byte) flags);
    b.putShort((short) opcode.code());
    b.putInt(bodyLength);
    b.putInt(0);
    return pos + LENGTH;
  }

  /** Flags for an opcode: PING and PONG may be ignored by peers that do not know them. */
  public static int defaultFlags(Opcode opcode) {
    return opcode == Opcode.PING || opcode == Opcode.PONG ? FLAG_MAY_IGNORE : 0;
  }
}
