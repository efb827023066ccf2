package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.agent.AgentOptions;
import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.local.LocalSnapshots;
import io.liftshift.trust.InstallationCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicator dies in the middle of a snapshot (after its chunks and manifests are written,
 * before the commit): on restart the half-written snapshot is discarded, the earlier one still
 * restores with every chunk checked, and replication goes on.
 */
class SnapshotCrashTest {
  @TempDir Path dir;

  private Process replicator(int port, String failpoint) throws Exception {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path")));
    if (failpoint != null) {
      cmd.add("-Dliftshift.failpoint=" + failpoint);
    }
    cmd.addAll(
        List.of(
            "io.liftshift.cli.Liftshift",
            "replicator",
            "--listen",
            "127.0.0.1:" + port,
            "--data-dir",
            dir.resolve("replicator").toString(),
            "--ca-dir",
            dir.resolve("ca").toString(),
            "--agent-token",
            ReplicationHarness.TOKEN,
            "--snapshot-interval-seconds",
            "1"));
    Path log = dir.resolve("replicator-" + System.nanoTime() + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    Process p = pb.start();
    long deadline = System.currentTimeMillis() + 30_000;
    while (!Files.readString(log).contains("READY")) {
      assertThat(p.isAlive()).as("replicator running: " + Files.readString(log)).isTrue();
      assertThat(System.currentTimeMillis()).as("replicator ready").isLessThan(deadline);
      Thread.sleep(50);
    }
    return p;
  }

  private static java.util.Set<String> committed(Path store) throws Exception {
    try (var s = Files.list(store.resolve("sets"))) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".pit"))
          .collect(java.util.stream.Collectors.toSet());
    }
  }

  @Test
  void aReplicatorKilledMidSnapshotDiscardsItAndGoesOn() throws Exception {
    int port = InitialSyncBenchAccess.freePort();
    Path disk = ReplicationHarness.randomImage(dir.resolve("disk.img"), 8L << 20, 61);
    Path store = dir.resolve("replicator/snapshots");
    // The second snapshot halts the process just before its commit.
    Process first = replicator(port, "snapshot-before-commit:2");
    var ca = InstallationCa.loadOrCreate(dir.resolve("ca")).fingerprint();
    AgentOptions o =
        new AgentOptions()
            .replicator("127.0.0.1", port)
            .token(ReplicationHarness.TOKEN)
            .caFingerprint(ca)
            .sourceServerId("s-crash")
            .addDisk(disk)
            .stateDir(dir.resolve("state"))
            .tracker(AgentOptions.TrackerMode.SCANNING)
            .scanPassIntervalMillis(100)
            .scanReadBudgetMBps(0)
            .initialBackoffMillis(100)
            .maxBackoffMillis(500)
            .verify(false);
    Process second = null;
    String converged;
    try (ContinuousHarness c = new ContinuousHarness(o)) {
      c.awaitInStep(60_000);
      int round = 0;
      while (first.isAlive()) {
        ContinuousHarness.writeRandomBlocks(disk, 20, 700 + round++);
        first.waitFor(200, TimeUnit.MILLISECONDS);
      }
      assertThat(first.exitValue()).isEqualTo(137);
      java.util.Set<String> beforeCrash = committed(store);
      assertThat(beforeCrash).hasSize(1);
      long orphans;
      try (var m = Files.list(store.resolve("manifests"))) {
        orphans = m.count() - 1;
      }
      assertThat(orphans).as("the half-written snapshot's manifest").isEqualTo(1);

      second = replicator(port, null);
      // Replication goes on, and new snapshots are committed after the restart.
      ContinuousHarness.writeRandomBlocks(disk, 20, 999);
      long deadline = System.currentTimeMillis() + 30_000;
      while (committed(store).stream().allMatch(beforeCrash::contains)
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertThat(committed(store)).as("snapshots after the restart").isNotEqualTo(beforeCrash);
      String source = ContinuousHarness.digest(disk, 8L << 20);
      Path staged =
          dir.resolve("replicator/volumes")
              .resolve(
                  io.liftshift.cloud.VolumeNames.forDisk("s-crash", disk.toRealPath().toString())
                      + ".img");
      c.awaitIdentical(disk, staged, 8L << 20, 30_000);
      converged = source;
      // Snapshots after the restart start from a baseline read outside any hold; the next ones
      // hold the converged state.
      Thread.sleep(3000);
    } finally {
      if (second != null) {
        second.destroy();
        second.waitFor(30, TimeUnit.SECONDS);
      }
      first.destroyForcibly();
      try (var logs = Files.list(dir)) {
        for (Path l : logs.filter(f -> f.toString().endsWith(".log")).toList()) {
          Files.copy(
              l,
              Path.of("/tmp").resolve(l.getFileName()),
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    // Every committed snapshot restores, every chunk checked; the orphan is gone.
    LocalSnapshots reopened = new LocalSnapshots(store);
    List<PointInTimeSnapshot> all = reopened.list("s-crash");
    try (var m = Files.list(store.resolve("manifests"))) {
      assertThat(m.count()).isEqualTo(all.size());
    }
    for (PointInTimeSnapshot s : all) {
      Path out = dir.resolve(s.snapshotSetId() + ".img");
      reopened.restore(s.volumes().get(0), out);
      assertThat(Files.size(out)).isEqualTo(8L << 20);
    }
    Path latest = dir.resolve(all.get(all.size() - 1).snapshotSetId() + ".img");
    assertThat(ContinuousHarness.digest(latest, 8L << 20))
        .as("the latest snapshot, incremental on a baseline, is the converged disk")
        .isEqualTo(converged);
  }
}
