package io.liftshift.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
  private static final HexFormat HEX = HexFormat.of();

  private static List<Frame> decodeAll(byte[] bytes) throws ProtocolException {
    List<Frame> out = new ArrayList<>();
    new FrameDecoder().feed(bytes, 0, bytes.length, out::add);
    return out;
  }

  private static byte[] header(int magic, int version, int flags, int opcode, long length) {
    return ByteBuffer.allocate(16)
        .putInt(magic)
        .put((byte) version)
        .put((byte) flags)
        .putShort((short) opcode)
        .putInt((int) length)
        .putInt(0)
        .array();
  }

  @Test
  void goldenPingFrame() {
    assertThat(HEX.formatHex(new Message.Ping(1).toFrame()))
        .isEqualTo(
            "4c534654" + "01" + "01" + "000e" + "00000008" + "00000000" + "0000000000000001");
  }

  @Test
  void goldenFlushFrame() {
    assertThat(HEX.formatHex(new Message.Flush(7).toFrame()))
        .isEqualTo("4c534654" + "01" + "00" + "0008" + "00000004" + "00000000" + "00000007");
  }

  @Test
  void goldenBarrierFramesRoundTrip() throws Exception {
    assertThat(HEX.formatHex(new Message.Barrier(2, 0x0102030405L).toFrame()))
        .isEqualTo(
            "4c534654"
                + "01"
                + "00"
                + "0011"
                + "00000010"
                + "00000000"
                + "00000002"
                + "00000000"
                + "0000000102030405");
    assertThat(HEX.formatHex(new Message.BarrierAck(2, 9).toFrame()))
        .isEqualTo(
            "4c534654"
                + "01"
                + "00"
                + "0012"
                + "00000010"
                + "00000000"
                + "00000002"
                + "00000000"
                + "0000000000000009");
    assertThat(Message.decode(decodeAll(new Message.Barrier(3, 77).toFrame()).get(0)))
        .isEqualTo(new Message.Barrier(3, 77));
    assertThat(Message.decode(decodeAll(new Message.BarrierAck(3, 78).toFrame()).get(0)))
        .isEqualTo(new Message.BarrierAck(3, 78));
  }

  @Test
  void goldenZeroFrame() {
    byte[] out = new byte[40];
    int end = BlockCodec.writeZeroFrame(1, 65536, 131072, out, 0);
    assertThat(end).isEqualTo(40);
    assertThat(HEX.formatHex(out))
        .isEqualTo(
            "4c534654010000070000001800000000"
                + "00000001"
                + "00000000"
                + "0000000000010000"
                + "0000000000020000");
  }

  @Test
  void goldenBlockDataFrameRaw() {
    byte[] data = {1, 2, 3, 4};
    byte[] out = new byte[BlockCodec.maxFrameLength(4)];
    BlockCodec codec = new BlockCodec();
    int end = codec.writeBlockFrame(2, 4096, data, 0, 4, out, 0, false);
    String expected =
        "4c534654010000060000002000000000"
            + "00000002"
            + "00"
            + "000000"
            + "0000000000001000"
            + "00000004"
            + String.format("%016x", codec.checksum(data, 0, 4))
            + "01020304";
    assertThat(HEX.formatHex(out, 0, end)).isEqualTo(expected);
  }

  @Test
  void framesSplitAtEveryByteBoundaryDecodeTheSame() throws Exception {
    byte[] stream = concat(new Message.Ping(9).toFrame(), new Message.Flush(3).toFrame());
    for (int split = 0; split <= stream.length; split++) {
      List<Frame> out = new ArrayList<>();
      FrameDecoder d = new FrameDecoder();
      d.feed(stream, 0, split, out::add);
      d.feed(stream, split, stream.length - split, out::add);
      assertThat(out).extracting(Frame::opcode).containsExactly(Opcode.PING, Opcode.FLUSH);
      assertThat(d.atFrameBoundary()).isTrue();
    }
  }

  @Test
  void rejectsBadMagic() {
    byte[] garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes();
    assertThatThrownBy(() -> decodeAll(garbage))
        .isInstanceOf(ProtocolException.class)
        .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.BAD_MAGIC))
        .hasMessageContaining("not a liftshift replication stream");
  }

  @Test
  void rejectsUnknownVersion() {
    assertThatThrownBy(() -> decodeAll(header(FrameHeader.MAGIC, 9, 0, 14, 8)))
        .satisfies(
            e ->
                assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION))
        .hasMessageContaining("frame version 9");
  }

  @Test
  void rejectsUnknownMandatoryOpcode() {
    assertThatThrownBy(() -> decodeAll(header(FrameHeader.MAGIC, 1, 0, 999, 0)))
        .satisfies(
            e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.UNKNOWN_OPCODE))
        .hasMessageContaining("999");
  }

  @Test
  void skipsUnknownIgnorableOpcode() throws Exception {
    byte[] unknown =
        concat(header(FrameHeader.MAGIC, 1, FrameHeader.FLAG_MAY_IGNORE, 999, 3), new byte[3]);
    List<Frame> out = decodeAll(concat(unknown, new Message.Ping(5).toFrame()));
    assertThat(out).extracting(Frame::opcode).containsExactly(Opcode.PING);
  }

  @Test
  void rejectsLengthOverTheLimitBeforeReadingTheBody() {
    assertThatThrownBy(() -> decodeAll(header(FrameHeader.MAGIC, 1, 0, 6, 0xFFFFFFF0L)))
        .satisfies(
            e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE));
  }

  @Test
  void rejectsReservedFlagBits() {
    assertThatThrownBy(() -> decodeAll(header(FrameHeader.MAGIC, 1, 0x80, 14, 8)))
        .satisfies(
            e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.MALFORMED_FRAME));
  }

  @Test
  void truncatedFrameOnABlockingStreamIsAnEofNamingTheShortfall() {
    byte[] ping = new Message.Ping(1).toFrame();
    byte[] cut = java.util.Arrays.copyOf(ping, ping.length - 3);
    assertThatThrownBy(() -> new FrameDecoder().read(new ByteArrayInputStream(cut)))
        .isInstanceOf(EOFException.class)
        .hasMessageContaining("truncated frame");
  }

  @Test
  void truncatedFrameOnAPushStreamIsNotAFrameBoundary() throws Exception {
    byte[] ping = new Message.Ping(1).toFrame();
    FrameDecoder d = new FrameDecoder();
    List<Frame> out = new ArrayList<>();
    d.feed(ping, 0, ping.length - 1, out::add);
    assertThat(out).isEmpty();
    assertThat(d.atFrameBoundary()).isFalse();
  }

  @Test
  void rejectsTruncatedBodyFields() {
    byte[] shortFlush =
        concat(header(FrameHeader.MAGIC, 1, 0, Opcode.FLUSH.code(), 2), new byte[2]);
    assertThatThrownBy(() -> Message.decode(decodeAll(shortFlush).get(0)))
        .satisfies(
            e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.MALFORMED_FRAME))
        .hasMessageContaining("diskId");
  }

  @Test
  void rejectsTrailingBytes() {
    byte[] longFlush = concat(header(FrameHeader.MAGIC, 1, 0, Opcode.FLUSH.code(), 6), new byte[6]);
    assertThatThrownBy(() -> Message.decode(decodeAll(longFlush).get(0)))
        .hasMessageContaining("trailing bytes");
  }

  @Test
  void controlMessagesRoundTrip() throws Exception {
    List<Message> messages =
        List.of(
            new Message.Hello(1, 1, Features.SUPPORTED, "tok", "s-1234567890abcdefa", "agent/1"),
            new Message.Welcome(1, Features.LZ4, FrameHeader.MAX_BODY_LENGTH, "session"),
            new Message.Error(ErrorCode.AUTH_FAILED, "nope"),
            new Message.DiskOpen(3, 1L << 40, "/dev/nvme0n1"),
            new Message.DiskReady(3, 12345, "vol-1"),
            new Message.BlockZero(3, 4096, 1L << 33),
            new Message.Flush(Message.ALL_DISKS),
            new Message.Ack(List.of(new Message.AckEntry(1, 10), new Message.AckEntry(2, 20))),
            new Message.VerifyRequest(1, 1 << 20),
            new Message.MerkleQuery(1, 3, 17, 2),
            new Message.Ping(-1),
            new Message.Pong(42),
            new Message.Goodbye());
    for (Message m : messages) {
      List<Frame> frames = decodeAll(m.toFrame());
      assertThat(frames).hasSize(1);
      assertThat(Message.decode(frames.get(0))).isEqualTo(m);
    }
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] p : parts) {
      b.put(p);
    }
    return b.array();
  }
}
