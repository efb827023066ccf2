package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.agent.Agent;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MGN's rule of thumb: one small replication server carries about 15 disks at once. */
class ManyDisksTest {
  @TempDir Path dir;

  @Test
  void fifteenDisksFromThreeAgentsAtOnceAreAllIdentical() throws Exception {
    try (ReplicationHarness h = new ReplicationHarness(dir)) {
      List<List<Path>> perAgent = new ArrayList<>();
      for (int a = 0; a < 3; a++) {
        List<Path> disks = new ArrayList<>();
        for (int d = 0; d < 5; d++) {
          Path p = dir.resolve("agent" + a + "-disk" + d + ".img");
          long size = (12L << 20) + 4096L * d + a;
          disks.add(
              d % 2 == 0
                  ? ReplicationHarness.randomImage(p, size, 100 + a * 10 + d)
                  : ReplicationHarness.sparseImage(p, size, 100 + a * 10 + d));
        }
        perAgent.add(disks);
      }
      ExecutorService pool = Executors.newFixedThreadPool(3);
      List<Future<SyncReport>> runs = new ArrayList<>();
      for (int a = 0; a < 3; a++) {
        String server = "s-fleet-" + a;
        Path[] disks = perAgent.get(a).toArray(new Path[0]);
        runs.add(pool.submit(() -> new Agent(h.agent(server, disks), SyncListener.NONE).run()));
      }
      for (Future<SyncReport> f : runs) {
        SyncReport r = f.get(180, TimeUnit.SECONDS);
        assertThat(r.verified()).isTrue();
        assertThat(r.disks()).hasSize(5);
      }
      pool.shutdown();
      for (int a = 0; a < 3; a++) {
        for (Path disk : perAgent.get(a)) {
          assertThat(ReplicationHarness.sha256(h.stagingVolume("s-fleet-" + a, disk)))
              .as(disk.toString())
              .isEqualTo(ReplicationHarness.sha256(disk));
        }
      }
      assertThat(h.replicator.stats().sessionsRejected()).isZero();
    }
  }
}
