package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.agent.Agent;
import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncProgress;
import io.liftshift.agent.SyncReport;
import io.liftshift.replicator.ReplicatorOptions;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replicator that stops mid-sync costs a reconnect and at most the in-flight window. */
class ResumeTest {
  private static final long WINDOW = 16L << 20;

  @TempDir Path dir;

  @Test
  void replicatorStoppedMidSyncAndStartedAgainResumesWithinTheWindow() throws Exception {
    try (ReplicationHarness h =
        new ReplicationHarness(dir, new ReplicatorOptions().fsyncBatchBytes(4L << 20))) {
      Path img = ReplicationHarness.randomImage(dir.resolve("big.img"), 512L << 20, 11);
      CountDownLatch midway = new CountDownLatch(1);
      AgentOptions o = h.agent("s-resume", img).inFlightWindowBytes(WINDOW).readAheadChunks(4);
      CompletableFuture<SyncReport> run =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return new Agent(
                          o,
                          new SyncListener() {
                            @Override
                            public void onProgress(SyncProgress p) {
                              if (p.durableBytes() > 48L << 20) {
                                midway.countDown();
                              }
                            }
                          })
                      .run();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      assertThat(midway.await(60, TimeUnit.SECONDS)).isTrue();
      int port = h.port();
      h.stop();
      Thread.sleep(700);
      h.restart(port);
      SyncReport r = run.get(120, TimeUnit.SECONDS);
      assertThat(r.verified()).isTrue();
      assertThat(r.reconnects()).isGreaterThanOrEqualTo(1);
      assertThat(r.resentBytes()).isLessThanOrEqualTo(WINDOW);
      assertThat(ReplicationHarness.sha256(h.stagingVolume("s-resume", img)))
          .isEqualTo(ReplicationHarness.sha256(img));
    }
  }

  @Test
  void aNewAgentRunContinuesFromTheDurableOffsetOfAnAbandonedOne() throws Exception {
    Path img;
    try (ReplicationHarness h = new ReplicationHarness(dir)) {
      img = ReplicationHarness.randomImage(dir.resolve("disk.img"), 256L << 20, 12);
      CountDownLatch midway = new CountDownLatch(1);
      AgentOptions o =
          h.agent("s-restart", img).inFlightWindowBytes(WINDOW).reconnectTimeoutSeconds(1);
      CompletableFuture<Exception> first =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  new Agent(
                          o,
                          new SyncListener() {
                            @Override
                            public void onProgress(SyncProgress p) {
                              if (p.durableBytes() > 32L << 20) {
                                midway.countDown();
                              }
                            }
                          })
                      .run();
                  return null;
                } catch (Exception e) {
                  return e;
                }
              });
      assertThat(midway.await(60, TimeUnit.SECONDS)).isTrue();
      int port = h.port();
      h.stop();
      // The agent gives up: its process would exit here, like a kill of the agent.
      assertThat(first.get(60, TimeUnit.SECONDS)).isNotNull().hasMessageContaining("gave up");
      h.restart(port);
      SyncReport second = new Agent(h.agent("s-restart", img), SyncListener.NONE).run();
      assertThat(second.verified()).isTrue();
      assertThat(second.disks().get(0).dataBytesSent()).isLessThan((256L << 20) - (32L << 20));
      assertThat(ReplicationHarness.sha256(h.stagingVolume("s-restart", img)))
          .isEqualTo(ReplicationHarness.sha256(img));
    }
  }

  @Test
  void anAgentPinnedToAnotherCaRefusesTheReplicatorAtOnce() throws Exception {
    try (ReplicationHarness h = new ReplicationHarness(dir)) {
      Path img = ReplicationHarness.zeroImage(dir.resolve("z.img"), 1 << 20);
      AgentOptions o =
          h.agent("s-pin", img)
              .caFingerprint(io.liftshift.trust.CaFingerprint.parse("sha256:" + "00".repeat(32)));
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> new Agent(o, SyncListener.NONE).run())
          .hasMessageContaining("pinned installation CA");
      assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(10));
    }
  }
}
