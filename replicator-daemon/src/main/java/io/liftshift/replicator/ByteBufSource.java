package io.liftshift.replicator;

import io.liftshift.protocol.FrameDecoder;
import io.netty.buffer.ByteBuf;

/**
 * Netty's buffer as the protocol decoder's byte source: the decoder copies what the socket
 * delivered straight into frame bodies, and the protocol module stays free of Netty.
 */
final class ByteBufSource implements FrameDecoder.ByteSource {
  private final ByteBuf buf;

  ByteBufSource(ByteBuf buf) {
    this.buf = buf;
  }

  @Override
  public int remaining() {
    return buf.readableBytes();
  }

  @Override
  public void read(byte[] dst, int off, int len) {
    buf.readBytes(dst, off, len);
  }

  @Override
  public void skip(int len) {
    buf.skipBytes(len);
  }
}
