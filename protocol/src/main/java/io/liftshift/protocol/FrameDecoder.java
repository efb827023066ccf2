package io.liftshift.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Splits a byte stream into frames and rejects malformed ones before their body is read.
 *
 * <p>Use {@link #feed} for push-style input (the replicator's event loop) or {@link #read} for a
 * blocking stream (the agent). An instance holds the state of one stream and is not thread-safe.
 */
public final class FrameDecoder {
  /** Receives each complete frame, in stream order. */
  @FunctionalInterface
  public interface FrameSink {
    void onFrame(Frame frame) throws ProtocolException;
  }

  private final int maxBodyLength;
  private final byte[] header = new byte[FrameHeader.LENGTH];
  private int headerFill;
  private byte[] body;
  private int bodyFill;
  private long skipRemaining;
  private int version;
  private int flags;
  private Opcode opcode;

  /**
   * @param maxBodyLength the negotiated limit, never above {@link FrameHeader#MAX_BODY_LENGTH}
   */
  public FrameDecoder(int maxBodyLength) {
    this.maxBodyLength = Math.min(maxBodyLength, FrameHeader.MAX_BODY_LENGTH);
  }

  public FrameDecoder() {
    this(FrameHeader.MAX_BODY_LENGTH);
  }

  /** True when no partial frame is buffered: a stream that ends here ended cleanly. */
  public boolean atFrameBoundary() {
    return headerFill == 0 && body == null && skipRemaining == 0;
  }

  /**
   * Bytes to decode, read front to back. Lets a network buffer be copied straight into frame bodies
   * without an intermediate array.
   */
  public interface ByteSource {
    int remaining();

    /** Copies the next {@code len} bytes into {@code dst} and consumes them. */
    void read(byte[] dst, int off, int len);

    /** Consumes {@code len} bytes without copying them. */
    void skip(int len);
  }

  /** Consumes bytes, emitting every frame they complete. */
  public void feed(byte[] src, int off, int len, FrameSink sink) throws ProtocolException {
    feed(
        new ByteSource() {
          private int pos = off;
          private final int end = off + len;

          @Override
          public int remaining() {
            return end - pos;
          }

          @Override
          public void read(byte[] dst, int dstOff, int n) {
            System.arraycopy(src, pos, dst, dstOff, n);
            pos += n;
          }

          @Override
          public void skip(int n) {
            pos += n;
          }
        },
        sink);
  }

  /** Consumes everything in {@code src}, emitting every frame it completes. */
  public void feed(ByteSource src, FrameSink sink) throws ProtocolException {
    while (src.remaining() > 0) {
      if (skipRemaining > 0) {
        int n = (int) Math.min(skipRemaining, src.remaining());
        skipRemaining -= n;
        src.skip(n);
        continue;
      }
      if (body == null) {
        int n = Math.min(FrameHeader.LENGTH - headerFill, src.remaining());
        src.read(header, headerFill, n);
        headerFill += n;
        if (headerFill < FrameHeader.LENGTH) {
          return;
        }
        headerFill = 0;
        int bodyLength = parseHeader(header);
        if (opcode == null) {
          skipRemaining = bodyLength;
          continue;
        }
        body = new byte[bodyLength];
        bodyFill = 0;
      }
      int n = Math.min(body.length - bodyFill, src.remaining());
      src.read(body, bodyFill, n);
      bodyFill += n;
      if (bodyFill == body.length) {
        Frame frame = new Frame(version, flags, opcode, body);
        body = null;
        sink.onFrame(frame);
      }
    }
  }

  /**
   * Reads the next frame from a blocking stream, skipping ignorable unknown ones.
   *
   * @throws EOFException when the stream ends, cleanly or mid-frame (the message says which)
   */
  public Frame read(InputStream in) throws IOException, ProtocolException {
    while (true) {
      if (!readFully(in, header, FrameHeader.LENGTH, true)) {
        throw new EOFException("connection closed by peer");
      }
      int bodyLength = parseHeader(header);
      if (opcode == null) {
        in.skipNBytes(bodyLength);
        continue;
      }
      byte[] b = new byte[bodyLength];
      readFully(in, b, bodyLength, false);
      return new Frame(version, flags, opcode, b);
    }
  }

  private static boolean readFully(InputStream in, byte[] b, int len, boolean eofAllowedAtStart)
      throws IOException {
    int fill = 0;
    while (fill < len) {
      int n = in.read(b, fill, len - fill);
      if (n < 0) {
        if (fill == 0 && eofAllowedAtStart) {
          return false;
        }
        throw new EOFException("truncated frame: stream ended after " + fill + " of " + len);
      }
      fill += n;
    }
    return true;
  }

  /** Validates a header; sets version, flags and opcode (null: skip); returns the body length. */
  private int parseHeader(byte[] h) throws ProtocolException {
    ByteBuffer b = ByteBuffer.wrap(h);
    int magic = b.getInt();
    if (magic != FrameHeader.MAGIC) {
      throw new ProtocolException(
          ErrorCode.BAD_MAGIC,
          String.format(
              "expected magic 0x%08X, got 0x%08X: not a liftshift replication stream",
              FrameHeader.MAGIC, magic));
    }
    version = Byte.toUnsignedInt(b.get());
    flags = Byte.toUnsignedInt(b.get());
    int code = Short.toUnsignedInt(b.getShort());
    long bodyLength = Integer.toUnsignedLong(b.getInt());
    if (version < FrameHeader.MIN_VERSION || version > FrameHeader.MAX_VERSION) {
      throw new ProtocolException(
          ErrorCode.UNSUPPORTED_VERSION,
          "frame version "
              + version
              + " is not supported (this side speaks "
              + FrameHeader.MIN_VERSION
              + ".."
              + FrameHeader.MAX_VERSION
              + ")");
    }
    if ((flags & ~FrameHeader.FLAG_MAY_IGNORE) != 0) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME, String.format("reserved flag bits set: 0x%02X", flags));
    }
    if (bodyLength > maxBodyLength) {
      throw new ProtocolException(
          ErrorCode.FRAME_TOO_LARGE,
          "body length " + bodyLength + " exceeds the limit of " + maxBodyLength + " bytes");
    }
    opcode = Opcode.fromCode(code);
    if (opcode == null && (flags & FrameHeader.FLAG_MAY_IGNORE) == 0) {
      throw new ProtocolException(
          ErrorCode.UNKNOWN_OPCODE, "unknown mandatory opcode " + code + " (MAY_IGNORE not set)");
    }
    return (int) bodyLength;
  }
}
