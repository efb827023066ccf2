package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.agent.ControlPlaneLink;
import io.liftshift.agent.SyncListener;
import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.local.LocalLaunchCloud;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.replicator.ReplicatorOptions;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.Job;
import software.amazon.awssdk.services.mgn.model.JobLog;

/**
 * A launch reflects the latest replicated state: while the agent replicates, the launch's snapshot
 * step gets a fresh crash-consistent snapshot (the agent's consistency point, asked for through the
 * replicator's heartbeat) holding a change made just before the launch, and says so; with the agent
 * stopped, it says why it fell back to the previous snapshot. The conversion is not under test: its
 * server exits at once, so each job ends right after its snapshot step.
 */
class LaunchSnapshotTest {
  @TempDir Path dir;

  @Test
  void aLaunchTakesAFreshSnapshotWhileTheAgentReplicates() throws Exception {
    Path disk = dir.resolve("disk.img");
    byte[] data = new byte[32 << 20];
    new SplittableRandom(13).nextBytes(data);
    java.nio.file.Files.write(disk, data);
    try (ControlPlane cp = ControlPlane.startOnLoopback(dir)) {
      cp.enableLaunches(
          new LocalLaunchCloud(
              dir.resolve("launch"),
              List.of("/bin/false"),
              URI.create("https://127.0.0.1:" + cp.port()),
              cp.caFingerprint(),
              "tcg"),
          60_000,
          20_000);
      try (ReplicationHarness h =
              new ReplicationHarness(
                  dir,
                  new ReplicatorOptions()
                      // Scheduled snapshots far apart: only a launch's request makes one now.
                      .snapshotIntervalMillis(600_000)
                      .heartbeatIntervalMillis(500)
                      .advertisedHost("127.0.0.1")
                      .controlPlane(
                          "https://localhost:" + cp.port(), cp.createReplicationServerToken()));
          MgnClient mgn = LaunchEndToEndTest.client(cp)) {
        mgn.initializeService(b -> {});
        ControlPlaneLink link = ReplicatingAgent.register(cp, disk, dir.resolve("agent"));
        String id = link.identity().sourceServerId();
        ReplicatingAgent agent =
            new ReplicatingAgent(
                link,
                disk,
                dir.resolve("agent"),
                new SyncListener() {},
                o -> o.scanPassIntervalMillis(200));
        try {
          LaunchEndToEndTest.awaitLifeCycle(mgn, id, "READY_FOR_TEST", 120_000);
          var snapshots = h.replicator.snapshots().orElseThrow();
          long deadline = System.currentTimeMillis() + 60_000;
          while (snapshots.list(id).isEmpty()) {
            assertThat(System.currentTimeMillis()).as("a first snapshot").isLessThan(deadline);
            Thread.sleep(200);
          }

          // The latest replicated state: a change on the source, staged, just before the launch.
          byte[] change = new byte[64 << 10];
          new SplittableRandom(14).nextBytes(change);
          try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.seek(8 << 20);
            f.write(change);
          }
          LaunchEndToEndTest.awaitStaged(h, 8 << 20, change);
          Instant asked = Instant.now();
          Job fresh = launch(mgn, id);
          String log = LaunchEndToEndTest.log(mgn, fresh);
          assertThat(LaunchEndToEndTest.events(mgn, fresh))
              .as(log)
              .contains("SNAPSHOT_START", "SNAPSHOT_END")
              .doesNotContain("USING_PREVIOUS_SNAPSHOT");
          assertThat(log).contains("fresh crash-consistent snapshot pit-");
          PointInTimeSnapshot latest = snapshots.list(id).get(snapshots.list(id).size() - 1);
          assertThat(latest.takenAt()).isAfter(asked);
          Path exported = dir.resolve("exported.img");
          snapshots.restore(latest.volumes().get(0), exported);
          byte[] got = new byte[change.length];
          try (RandomAccessFile f = new RandomAccessFile(exported.toFile(), "r")) {
            f.seek(8 << 20);
            f.readFully(got);
          }
          assertThat(got).as("the launch's snapshot holds the last change").isEqualTo(change);
        } finally {
          agent.close();
        }

        // No agent replicating: no consistency point can come, and the log says why.
        Job stale = launch(mgn, id);
        assertThat(LaunchEndToEndTest.events(mgn, stale)).contains("USING_PREVIOUS_SNAPSHOT");
        assertThat(LaunchEndToEndTest.log(mgn, stale)).contains("needs the agent replicating");
      }
    }
  }

  /** StartTest, until the job completes (its conversion fails: not under test here). */
  private static Job launch(MgnClient mgn, String id) throws Exception {
    String jobId = mgn.startTest(b -> b.sourceServerIDs(id)).job().jobID();
    long deadline = System.currentTimeMillis() + 120_000;
    while (true) {
      Job j = mgn.describeJobs(b -> b.filters(f -> f.jobIDs(jobId))).items().get(0);
      if (j.statusAsString().equals("COMPLETED")) {
        return j;
      }
      List<JobLog> items = mgn.describeJobLogItems(b -> b.jobID(jobId)).items();
      assertThat(System.currentTimeMillis())
          .as(LaunchEndToEndTest.log(mgn, j) + items.size())
          .isLessThan(deadline);
      Thread.sleep(500);
    }
  }
}
