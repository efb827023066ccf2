package io.liftshift.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BlockCodecTest {
  private final BlockCodec codec = new BlockCodec();

  private BlockData roundTripFrame(byte[] data, int off, int len, boolean lz4) throws Exception {
    byte[] out = new byte[BlockCodec.maxFrameLength(len)];
    int end = codec.writeBlockFrame(5, 123_456_789L, data, off, len, out, 0, lz4);
    List<Frame> frames = new ArrayList<>();
    new FrameDecoder().feed(out, 0, end, frames::add);
    assertThat(frames).hasSize(1);
    return BlockData.parse(frames.get(0));
  }

  @Test
  void randomRoundTripsAtOddLengths() throws Exception {
    SplittableRandom rnd = new SplittableRandom(7);
    int[] lengths = {
      1, 2, 3, 7, 511, 4095, 4097, 65535, 65537, 99_991, FrameHeader.MAX_BLOCK_LENGTH
    };
    for (int len : lengths) {
      for (int kind = 0; kind < 3; kind++) {
        byte[] data = new byte[len + 3];
        for (int i = 0; i < data.length; i++) {
          // 0: random (stays RAW), 1: text-like (compresses), 2: mostly zero with noise.
          data[i] =
              switch (kind) {
                case 0 -> (byte) rnd.nextInt();
                case 1 -> (byte) ('a' + rnd.nextInt(4));
                default -> rnd.nextInt(100) == 0 ? (byte) rnd.nextInt() : 0;
              };
        }
        for (boolean lz4 : new boolean[] {true, false}) {
          BlockData b = roundTripFrame(data, 3, len, lz4);
          byte[] back = new byte[FrameHeader.MAX_BLOCK_LENGTH];
          codec.decode(b, back);
          assertThat(Arrays.copyOf(back, len)).isEqualTo(Arrays.copyOfRange(data, 3, 3 + len));
          assertThat(b.offset()).isEqualTo(123_456_789L);
          assertThat(b.length()).isEqualTo(len);
          if (!lz4) {
            assertThat(b.encoding()).isEqualTo(BlockEncoding.RAW);
          }
        }
      }
    }
  }

  @Test
  void compressibleBlocksTravelAsLz4AndRandomOnesRaw() throws Exception {
    byte[] text = new byte[65536];
    Arrays.fill(text, (byte) 'x');
    assertThat(roundTripFrame(text, 0, text.length, true).encoding()).isEqualTo(BlockEncoding.LZ4);
    byte[] noise = new byte[65536];
    new SplittableRandom(1).nextBytes(noise);
    assertThat(roundTripFrame(noise, 0, noise.length, true).encoding())
        .isEqualTo(BlockEncoding.RAW);
  }

  @Test
  void corruptedPayloadFailsTheChecksumBeforeAnythingIsUsable() throws Exception {
    byte[] data = new byte[4096];
    new SplittableRandom(3).nextBytes(data);
    byte[] out = new byte[BlockCodec.maxFrameLength(data.length)];
    int end = codec.writeBlockFrame(1, 0, data, 0, data.length, out, 0, false);
    out[end - 1] ^= 0x40;
    List<Frame> frames = new ArrayList<>();
    new FrameDecoder().feed(out, 0, end, frames::add);
    BlockData b = BlockData.parse(frames.get(0));
    assertThatThrownBy(() -> codec.decode(b, new byte[4096]))
        .satisfies(
            e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH))
        .hasMessageContaining("xxhash64");
  }

  @Test
  void corruptedLz4PayloadIsRejected() throws Exception {
    byte[] text = new byte[65536];
    Arrays.fill(text, (byte) 'y');
    byte[] out = new byte[BlockCodec.maxFrameLength(text.length)];
    int end = codec.writeBlockFrame(1, 0, text, 0, text.length, out, 0, true);
    for (int i = FrameHeader.LENGTH + BlockData.FIXED_LENGTH; i < end; i++) {
      out[i] = (byte) 0xFF;
    }
    List<Frame> frames = new ArrayList<>();
    new FrameDecoder().feed(out, 0, end, frames::add);
    BlockData b = BlockData.parse(frames.get(0));
    assertThatThrownBy(() -> codec.decode(b, new byte[65536]))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void rawBlockWhoseSizeDisagreesIsMalformed() {
    byte[] body = new byte[BlockData.FIXED_LENGTH + 10];
    java.nio.ByteBuffer.wrap(body).putInt(1).put((byte) 0).put(new byte[3]).putLong(0).putInt(11);
    assertThatThrownBy(() -> BlockData.parse(new Frame(1, 0, Opcode.BLOCK_DATA, body)))
        .satisfies(
            e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.MALFORMED_FRAME));
  }

  @Test
  void zeroDetection() {
    byte[] b = new byte[200_000];
    assertThat(BlockCodec.isZero(b, 0, b.length)).isTrue();
    b[199_999] = 1;
    assertThat(BlockCodec.isZero(b, 0, b.length)).isFalse();
    assertThat(BlockCodec.isZero(b, 0, 199_999)).isTrue();
  }
}
