package io.liftshift.protocol;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Reads a frame body's fields; any short or invalid field is a MALFORMED_FRAME. */
final class BodyReader {
  static final int MAX_STRING_BYTES = 1024;

  private final ByteBuffer buf;
  private final Opcode opcode;

  BodyReader(Frame frame) {
    this.buf = ByteBuffer.wrap(frame.body());
    this.opcode = frame.opcode();
  }

  private void need(int n, String field) throws ProtocolException {
    if (buf.remaining() < n) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME,
          opcode + " body too short: field '" + field + "' needs " + n + " more bytes");
    }
  }

  int u8(String field) throws ProtocolException {
    need(1, field);
    return Byte.toUnsignedInt(buf.get());
  }

  int u16(String field) throws ProtocolException {
    need(2, field);
    return Short.toUnsignedInt(buf.getShort());
  }

  long u32(String field) throws ProtocolException {
    need(4, field);
    return Integer.toUnsignedLong(buf.getInt());
  }

  int u32AsInt(String field) throws ProtocolException {
    need(4, field);
    return buf.getInt();
  }

  long u64(String field) throws ProtocolException {
    need(8, field);
    return buf.getLong();
  }

  byte[] bytes(int n, String field) throws ProtocolException {
    need(n, field);
    byte[] b = new byte[n];
    buf.get(b);
    return b;
  }

  String string(String field) throws ProtocolException {
    int len = u16(field + ".length");
    if (len > MAX_STRING_BYTES) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME, "field '" + field + "' is longer than " + MAX_STRING_BYTES);
    }
    byte[] b = bytes(len, field);
    try {
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(b));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME, "field '" + field + "' is not valid UTF-8");
    }
  }

  int position() {
    return buf.position();
  }

  int remaining() {
    return buf.remaining();
  }

  /** Rejects trailing bytes, so that a frame has exactly one meaning. */
  void end() throws ProtocolException {
    if (buf.hasRemaining()) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME, opcode + " body has " + buf.remaining() + " trailing bytes");
    }
  }
}
