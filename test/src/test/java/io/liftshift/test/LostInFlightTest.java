package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.agent.Agent;
import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blocks the agent sent but the replicator never received (the connection dropped after the send,
 * before any acknowledgement) are sent again after the reconnect, and the replica then verifies: by
 * the streamed proof after an initial sync, byte for byte after continuous replication.
 */
class LostInFlightTest {
  @TempDir Path dir;

  @Test
  void blocksLostInFlightDuringTheInitialSyncAreResentAndTheProofMatches() throws Exception {
    try (ReplicationHarness h = new ReplicationHarness(dir);
        LossyProxy proxy = new LossyProxy(h.port())) {
      long size = 48L << 20;
      Path img = ReplicationHarness.randomImage(dir.resolve("disk.img"), size, 71);
      AgentOptions o = h.agent("s-lost-sync", img).replicator("127.0.0.1", proxy.port());
      // Cut mid-sync, with a window of blocks written to the socket and not yet acknowledged.
      proxy.cutAfter(16L << 20);
      SyncReport r = new Agent(o, SyncListener.NONE).run();
      assertThat(proxy.cuts.get()).isEqualTo(1);
      assertThat(proxy.bytesLost.get()).isPositive();
      assertThat(r.reconnects()).isGreaterThanOrEqualTo(1);
      assertThat(r.verified()).isTrue();
      assertThat(ReplicationHarness.sha256(h.stagingVolume("s-lost-sync", img)))
          .isEqualTo(ReplicationHarness.sha256(img));
    }
  }

  @Test
  void changedBlocksLostInFlightAreResentAfterTheReconnect() throws Exception {
    try (ReplicationHarness h = new ReplicationHarness(dir);
        LossyProxy proxy = new LossyProxy(h.port())) {
      long size = 16L << 20;
      Path img = ReplicationHarness.randomImage(dir.resolve("disk.img"), size, 72);
      AgentOptions o =
          h.agent("s-lost-cont", img)
              .replicator("127.0.0.1", proxy.port())
              .stateDir(dir.resolve("state"))
              .tracker(AgentOptions.TrackerMode.SCANNING)
              .scanPassIntervalMillis(100)
              .scanReadBudgetMBps(0)
              .verify(false);
      try (ContinuousHarness c = new ContinuousHarness(o)) {
        c.awaitInStep(30_000);
        int before = proxy.connections.get();
        // The first 64 KiB of the changes get through; the rest of the batch is lost.
        proxy.cutAfter(64 << 10);
        ContinuousHarness.writeRandomBlocks(img, 400, 73);
        c.await(() -> proxy.cuts.get() == 1, 10_000, "the connection cut with changes in flight");
        c.awaitIdentical(img, h.stagingVolume("s-lost-cont", img), size, 30_000);
        assertThat(proxy.bytesLost.get()).isPositive();
        assertThat(proxy.connections.get()).isGreaterThan(before);
      }
    }
  }
}
