package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.tracking.TracefsChangeTracker;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer changes blocks while replication runs; after it stops, the staging volume converges to
 * identical (Merkle digest), with either tracker.
 */
class ContinuousReplicationTest {
  @TempDir Path dir;

  private static AgentOptions options(ReplicationHarness h, String id, Path state, Path disk) {
    return h.agent(id, disk)
        .stateDir(state)
        .scanPassIntervalMillis(100)
        .scanReadBudgetMBps(0)
        .verify(false);
  }

  private static void writeWhileReplicating(Path disk, long millis) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    long end = System.currentTimeMillis() + millis;
    int round = 0;
    while (System.currentTimeMillis() < end && !stop.get()) {
      ContinuousHarness.writeRandomBlocks(disk, 64, 1000 + round++);
      Thread.sleep(20);
    }
  }

  @Test
  void scanningTrackerConvergesAfterAWriterStops() throws Exception {
    try (ReplicationHarness h = new ReplicationHarness(dir)) {
      Path disk = ReplicationHarness.randomImage(dir.resolve("disk.img"), 16L << 20, 5);
      try (ContinuousHarness c =
          new ContinuousHarness(
              options(h, "s-scan", dir.resolve("state"), disk)
                  .tracker(AgentOptions.TrackerMode.SCANNING))) {
        c.awaitInStep(60_000);
        assertThat(c.agent.tracking().kind()).isEqualTo("scanning");
        writeWhileReplicating(disk, 1500);
        c.await(
            () -> {
              try {
                return c.allClean()
                    && ContinuousHarness.digest(disk, 16L << 20)
                        .equals(
                            ContinuousHarness.digest(h.stagingVolume("s-scan", disk), 16L << 20));
              } catch (Exception e) {
                return false;
              }
            },
            60_000,
            "staging volume identical");
        assertThat(c.status.get().state()).isEqualTo("CONTINUOUS");
      }
    }
  }

  @Test
  void realTimeTrackerOnALoopDeviceConvergesAfterAWriterStops() throws Exception {
    Path loop = ContinuousHarness.loopDevice(dir.resolve("backing.img"), 32L << 20, 6);
    assumeTrue(loop != null, "needs root and loop devices (losetup)");
    try (ReplicationHarness h = new ReplicationHarness(dir)) {
      assumeTrue(
          TracefsChangeTracker.unavailable(TracefsChangeTracker.DEFAULT_TRACEFS, loop).isEmpty(),
          "needs tracefs");
      try (ContinuousHarness c =
          new ContinuousHarness(
              options(h, "s-rt", dir.resolve("state"), loop)
                  .tracker(AgentOptions.TrackerMode.TRACEFS))) {
        c.awaitInStep(60_000);
        assertThat(c.agent.tracking().kind()).isEqualTo("tracefs");
        writeWhileReplicating(loop, 1500);
        c.await(
            () -> {
              try {
                return c.allClean()
                    && ContinuousHarness.digest(loop, 32L << 20)
                        .equals(ContinuousHarness.digest(h.stagingVolume("s-rt", loop), 32L << 20));
              } catch (Exception e) {
                return false;
              }
            },
            30_000,
            "staging volume identical");
      }
    } finally {
      ContinuousHarness.detach(loop);
    }
  }
}
