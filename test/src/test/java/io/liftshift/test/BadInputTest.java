package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.agent.Agent;
import io.liftshift.agent.ReplicatorRejectedException;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import io.liftshift.protocol.BlockCodec;
import io.liftshift.protocol.ErrorCode;
import io.liftshift.protocol.FrameHeader;
import io.liftshift.protocol.Message;
import io.liftshift.replicator.ReplicatorOptions;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input ends only its own session, with an ERROR frame that says why, and no byte
 * of a rejected frame reaches a staging volume. A healthy session opened before the bad one and an
 * agent syncing at the same time carry on.
 */
class BadInputTest {
  @TempDir Path dir;
  ReplicationHarness h;
  RawSession healthy;
  CompletableFuture<SyncReport> neighbour;
  Path neighbourDisk;

  @BeforeEach
  void start() throws Exception {
    h =
        new ReplicationHarness(
            dir, new ReplicatorOptions().handshakeTimeoutMillis(600).idleTimeoutSeconds(2));
    healthy = new RawSession(h.port(), h.replicator.caFingerprint());
    healthy.hello(ReplicationHarness.TOKEN);
    healthy.open(1, 1 << 20, "healthy-disk");
    healthy.keepAlive();
    neighbourDisk = ReplicationHarness.randomImage(dir.resolve("neighbour.img"), 64L << 20, 9);
    neighbour =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new Agent(h.agent("s-neighbour", neighbourDisk), SyncListener.NONE).run();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
  }

  @AfterEach
  void othersAreUnaffected() throws Exception {
    // The healthy raw session still works: a block, a flush, an ACK.
    byte[] data = new byte[4096];
    new SplittableRandom(1).nextBytes(data);
    byte[] frame = new byte[BlockCodec.maxFrameLength(data.length)];
    int end = new BlockCodec().writeBlockFrame(1, 0, data, 0, data.length, frame, 0, true);
    healthy.send(java.util.Arrays.copyOf(frame, end)).send(new Message.Flush(1));
    Message m;
    do {
      m = healthy.receive();
      assertThat(m).isNotInstanceOf(Message.Error.class);
    } while (!(m instanceof Message.Ack a && a.entries().get(0).durableOffset() == 4096));
    healthy.close();
    SyncReport r = neighbour.get(120, TimeUnit.SECONDS);
    assertThat(r.verified()).isTrue();
    assertThat(ReplicationHarness.sha256(h.stagingVolume("s-neighbour", neighbourDisk)))
        .isEqualTo(ReplicationHarness.sha256(neighbourDisk));
    h.close();
  }

  private RawSession raw() throws Exception {
    return new RawSession(h.port(), h.replicator.caFingerprint());
  }

  private static byte[] header(int version, int opcode, long length) {
    return ByteBuffer.allocate(16)
        .putInt(FrameHeader.MAGIC)
        .put((byte) version)
        .put((byte) 0)
        .putShort((short) opcode)
        .putInt((int) length)
        .putInt(0)
        .array();
  }

  @Test
  void garbageBytes() throws Exception {
    try (RawSession s = raw()) {
      s.send("GET / HTTP/1.1\r\nHost: replicator\r\n\r\n".getBytes());
      Message.Error e = s.expectError();
      assertThat(e.code()).isEqualTo(ErrorCode.BAD_MAGIC);
      assertThat(e.message()).contains("not a liftshift replication stream");
      assertThat(s.closedByPeer()).isTrue();
    }
  }

  @Test
  void wrongToken() throws Exception {
    try (RawSession s = raw()) {
      s.send(new Message.Hello(1, 1, 0, "not-the-token", "s-x", "raw"));
      Message.Error e = s.expectError();
      assertThat(e.code()).isEqualTo(ErrorCode.AUTH_FAILED);
      assertThat(s.closedByPeer()).isTrue();
    }
    Path img = ReplicationHarness.zeroImage(dir.resolve("w.img"), 1 << 20);
    // The real agent stops at once on a refused token instead of retrying forever.
    assertThatThrownBy(
            () -> new Agent(h.agent("s-wrong", img).token("wrong"), SyncListener.NONE).run())
        .isInstanceOf(ReplicatorRejectedException.class)
        .hasMessageContaining("AUTH_FAILED");
  }

  @Test
  void wrongProtocolVersionInHello() throws Exception {
    try (RawSession s = raw()) {
      s.send(new Message.Hello(7, 9, 0, ReplicationHarness.TOKEN, "s-x", "future-agent"));
      Message.Error e = s.expectError();
      assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
      assertThat(e.message()).contains("7..9");
      assertThat(s.closedByPeer()).isTrue();
    }
  }

  @Test
  void wrongProtocolVersionInAFrameHeader() throws Exception {
    try (RawSession s = raw()) {
      s.hello(ReplicationHarness.TOKEN);
      s.send(header(2, 14, 8)).send(new byte[8]);
      assertThat(s.expectError().code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
      assertThat(s.closedByPeer()).isTrue();
    }
  }

  @Test
  void oversizedLength() throws Exception {
    try (RawSession s = raw()) {
      s.hello(ReplicationHarness.TOKEN);
      s.send(header(1, 6, 0x7FFF_FFFFL));
      Message.Error e = s.expectError();
      assertThat(e.code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
      assertThat(e.message()).contains("2147483647");
      assertThat(s.closedByPeer()).isTrue();
    }
  }

  @Test
  void corruptedPayloadWritesNothing() throws Exception {
    try (RawSession s = raw()) {
      s.hello(ReplicationHarness.TOKEN);
      Message.DiskReady ready = s.open(5, 1 << 20, "victim-disk");
      assertThat(ready.durableOffset()).isZero();
      byte[] data = new byte[65536];
      new SplittableRandom(2).nextBytes(data);
      byte[] bad = new byte[BlockCodec.maxFrameLength(data.length)];
      int badEnd = new BlockCodec().writeBlockFrame(5, 0, data, 0, data.length, bad, 0, false);
      bad[badEnd - 100] ^= 0x01;
      byte[] good = new byte[BlockCodec.maxFrameLength(data.length)];
      int goodEnd =
          new BlockCodec().writeBlockFrame(5, 65536, data, 0, data.length, good, 0, false);
      // The corrupt block and a valid one right behind it, in one write.
      byte[] both = new byte[badEnd + goodEnd];
      System.arraycopy(bad, 0, both, 0, badEnd);
      System.arraycopy(good, 0, both, badEnd, goodEnd);
      s.send(both);
      Message.Error e = s.expectError();
      assertThat(e.code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH);
      assertThat(e.message()).contains("offset 0");
      assertThat(s.closedByPeer()).isTrue();
    }
    Path volume =
        Files.list(dir.resolve("replicator/volumes"))
            .filter(p -> p.getFileName().toString().contains("victim-disk"))
            .findFirst()
            .orElseThrow();
    Thread.sleep(300);
    byte[] content = Files.readAllBytes(volume);
    assertThat(BlockCodec.isZero(content, 0, content.length))
        .as("no byte of the rejected frame, nor of the frames after it, was written")
        .isTrue();
  }

  @Test
  void truncatedBlockFields() throws Exception {
    try (RawSession s = raw()) {
      s.hello(ReplicationHarness.TOKEN);
      s.open(6, 1 << 20, "short-disk");
      s.send(header(1, 6, 10)).send(new byte[10]);
      assertThat(s.expectError().code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
    }
  }

  @Test
  void blockOutsideTheDisk() throws Exception {
    try (RawSession s = raw()) {
      s.hello(ReplicationHarness.TOKEN);
      s.open(7, 1 << 20, "small-disk");
      s.send(new Message.BlockZero(7, (1 << 20) - 4096, 8192));
      Message.Error e = s.expectError();
      assertThat(e.code()).isEqualTo(ErrorCode.OUT_OF_RANGE);
    }
  }

  @Test
  void clientThatConnectsAndStalls() throws Exception {
    try (RawSession s = raw()) {
      long t0 = System.nanoTime();
      Message.Error e = s.expectError();
      assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
      assertThat(e.message()).contains("no HELLO");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000);
      assertThat(s.closedByPeer()).isTrue();
    }
  }

  @Test
  void clientThatStallsMidFrame() throws Exception {
    try (RawSession s = raw()) {
      s.hello(ReplicationHarness.TOKEN);
      s.send(java.util.Arrays.copyOf(new Message.Ping(1).toFrame(), 9));
      Message.Error e = s.expectError();
      assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
      assertThat(s.closedByPeer()).isTrue();
    }
    assertThat(List.of(h.replicator.stats().sessionsRejected())).allMatch(n -> n >= 1);
  }
}
