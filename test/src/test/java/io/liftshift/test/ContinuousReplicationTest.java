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
        c.awaitIdentical(disk, h.stagingVolume("s-scan", disk), 16L << 20, 60_000);
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
        c.awaitIdentical(loop, h.stagingVolume("s-rt", loop), 32L << 20, 30_000);
      }
    } finally {
      ContinuousHarness.detach(loop);
    }
  }

  @Test
  void lostTraceEventsAreDetectedAndRepairedByAScan() throws Exception {
    Path loop = ContinuousHarness.loopDevice(dir.resolve("backing.img"), 16L << 20, 8);
    assumeTrue(loop != null, "needs root and loop devices (losetup)");
    try (ReplicationHarness h = new ReplicationHarness(dir)) {
      assumeTrue(
          TracefsChangeTracker.unavailable(TracefsChangeTracker.DEFAULT_TRACEFS, loop).isEmpty(),
          "needs tracefs");
      try (ContinuousHarness c =
          new ContinuousHarness(
              options(h, "s-lost", dir.resolve("state"), loop)
                  .tracker(AgentOptions.TrackerMode.TRACEFS)
                  .tracefsBufferKb(4))) {
        c.awaitInStep(60_000);
        TracefsChangeTracker tracker = c.agent.tracking().realTime().orElseThrow();
        // A reader that cannot keep up with a burst: the tiny ring buffer overflows.
        tracker.suspendReading(true);
        ContinuousHarness.writeRandomBlocks(loop, 2000, 9);
        Thread.sleep(300);
        tracker.suspendReading(false);
        c.await(() -> c.agent.tracking().repairs() > 0, 10_000, "the loss detected");
        c.awaitIdentical(loop, h.stagingVolume("s-lost", loop), 16L << 20, 30_000);
      }
    } finally {
      ContinuousHarness.detach(loop);
    }
  }

  @Test
  void aDiskThatFailsIsStalledWhileTheOthersGoOn() throws Exception {
    try (ReplicationHarness h = new ReplicationHarness(dir)) {
      long size = 8L << 20;
      Path good = ReplicationHarness.randomImage(dir.resolve("good.img"), size, 31);
      Path bad = ReplicationHarness.randomImage(dir.resolve("bad.img"), size, 32);
      try (ContinuousHarness c =
          new ContinuousHarness(
              h.agent("s-fail", good, bad)
                  .stateDir(dir.resolve("state"))
                  .tracker(AgentOptions.TrackerMode.SCANNING)
                  .scanPassIntervalMillis(100)
                  .scanReadBudgetMBps(0)
                  .verify(false))) {
        c.awaitInStep(60_000);
        String stagedHalf = ContinuousHarness.digest(h.stagingVolume("s-fail", bad), size / 2);
        // The disk goes away under the agent (here: its second half), while a change to it waits.
        try (var f = new java.io.RandomAccessFile(bad.toFile(), "rw")) {
          f.setLength(size / 2);
        }
        c.agent.tracking().changes(1).mark(size - 4096, 4096);
        ContinuousHarness.writeRandomBlocks(good, 30, 33);
        c.await(
            () -> c.status.get() != null && c.status.get().state().equals("STALLED"),
            10_000,
            "STALLED reported");
        var st = c.status.get();
        assertThat(st.errorCode()).isEqualTo("FAILED_TO_START_DATA_TRANSFER");
        assertThat(st.errorDetail()).contains(bad.toString());
        assertThat(st.disks().get(1).state()).isEqualTo("STALLED");
        // The good disk goes on and converges.
        c.await(
            () -> {
              try {
                return ContinuousHarness.digest(good, size)
                    .equals(ContinuousHarness.digest(h.stagingVolume("s-fail", good), size));
              } catch (Exception e) {
                return false;
              }
            },
            30_000,
            "the good disk in step");
        // Nothing already replicated of the failing disk was damaged.
        assertThat(ContinuousHarness.digest(h.stagingVolume("s-fail", bad), size / 2))
            .isEqualTo(stagedHalf)
            .isEqualTo(ContinuousHarness.digest(bad, size / 2));
      }
    }
  }

  @Test
  void aSourceThatOutrunsReplicationIsReportedNotConvergingWithBothRates() throws Exception {
    try (ReplicationHarness h = new ReplicationHarness(dir)) {
      Path disk = ReplicationHarness.randomImage(dir.resolve("disk.img"), 32L << 20, 41);
      var control = new io.liftshift.agent.ReplicationControl();
      try (ContinuousHarness c =
          new ContinuousHarness(
              options(h, "s-slow", dir.resolve("state"), disk)
                  .tracker(AgentOptions.TrackerMode.SCANNING)
                  .continuousLagSeconds(1),
              control)) {
        c.awaitInStep(60_000);
        control.throttleMbps(2); // 250 kB/s
        long end = System.currentTimeMillis() + 15_000;
        int round = 0;
        // About 1 MB/s of new changes: four times what may be sent.
        while (System.currentTimeMillis() < end
            && (c.status.get() == null || !c.status.get().errorCode().equals("NOT_CONVERGING"))) {
          ContinuousHarness.writeRandomBlocks(disk, 25, 500 + round++);
          Thread.sleep(100);
        }
        var st = c.status.get();
        assertThat(st.errorCode()).isEqualTo("NOT_CONVERGING");
        assertThat(st.state()).isEqualTo("BACKLOG");
        assertThat(st.errorDetail()).contains("the source writes").contains("drains");
        control.throttleMbps(0);
      }
    }
  }
}
