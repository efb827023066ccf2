package io.liftshift.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Builds a frame: header plus a body of big-endian fields. Small control frames only. */
final class BodyWriter {
  private ByteBuffer buf = ByteBuffer.allocate(256);

  BodyWriter() {
    buf.position(FrameHeader.LENGTH);
  }

  private void ensure(int n) {
    if (buf.remaining() < n) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
      buf.flip();
      bigger.put(buf);
      buf = bigger;
    }
  }

  BodyWriter u8(int v) {
    ensure(1);
    buf.put((byte) v);
    return this;
  }

  BodyWriter u16(int v) {
    ensure(2);
    buf.putShort((short) v);
    return this;
  }

  BodyWriter u32(long v) {
    ensure(4);
    buf.putInt((int) v);
    return this;
  }

  BodyWriter u64(long v) {
    ensure(8);
    buf.putLong(v);
    return this;
  }

  BodyWriter bytes(byte[] b) {
    ensure(b.length);
    buf.put(b);
    return this;
  }

  BodyWriter string(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > BodyReader.MAX_STRING_BYTES) {
      throw new IllegalArgumentException(
          "string of " + b.length + " bytes exceeds " + BodyReader.MAX_STRING_BYTES);
    }
    return u16(b.length).bytes(b);
  }

  byte[] finish(Opcode opcode) {
    int bodyLength = buf.position() - FrameHeader.LENGTH;
    byte[] out = new byte[buf.position()];
    System.arraycopy(buf.array(), 0, out, 0, out.length);
    FrameHeader.write(out, 0, opcode, FrameHeader.defaultFlags(opcode), bodyLength);
    return out;
  }
}
