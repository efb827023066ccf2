package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.tracking.TracefsChangeTracker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After kill -9 of the agent in CONTINUOUS, or a replicator restart, only the blocks that changed
 * meanwhile are sent again: the staging volume receives exactly their bytes.
 */
class ChangeStateRestartTest {
  private static final int CHANGED_BLOCKS = 50;

  @TempDir Path dir;

  /** `liftshift agent --continuous` in a process of its own, so that it can be killed. */
  private static Process agentProcess(ReplicationHarness h, Path disk, Path state, String tracker)
      throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.liftshift.cli.Liftshift",
                "agent",
                "--replicator",
                "127.0.0.1:" + h.port(),
                "--token",
                ReplicationHarness.TOKEN,
                "--ca-fingerprint",
                h.replicator.caFingerprint().toString(),
                "--source-server-id",
                "s-restart",
                "--disk",
                disk.toString(),
                "--state-dir",
                state.toString(),
                "--continuous",
                "--tracker",
                tracker,
                "--scan-interval-seconds",
                "1",
                "--scan-budget-mbps",
                "0",
                "--no-verify"));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  /** Reads the agent's output until it reports CONTINUOUS with an empty backlog. */
  private static void awaitInStep(Process p) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.currentTimeMillis() + 60_000;
    String line;
    StringBuilder seen = new StringBuilder();
    while ((line = out.readLine()) != null) {
      seen.append(line).append('\n');
      if (line.contains("CONTINUOUS") && line.contains("backlog 0 B")) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    while (out.readLine() != null) {
                      // keep the pipe from filling
                    }
                  } catch (Exception e) {
                    // process gone
                  }
                });
        drain.setDaemon(true);
        drain.start();
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        break;
      }
    }
    throw new AssertionError("the agent never reported CONTINUOUS in step:\n" + seen);
  }

  private void killNineThenRestartSendsOnlyTheChanges(Path disk, long size, String tracker)
      throws Exception {
    try (ReplicationHarness h = new ReplicationHarness(dir)) {
      Path state = dir.resolve("state");
      Process first = agentProcess(h, disk, state, tracker);
      try {
        awaitInStep(first);
        Thread.sleep(500); // idle: nothing in flight at the kill
      } finally {
        first.destroyForcibly(); // SIGKILL
        first.waitFor(30, TimeUnit.SECONDS);
      }
      long before = h.replicator.stats().bytesWritten();
      ContinuousHarness.writeRandomBlocks(disk, CHANGED_BLOCKS, 77);
      Process second = agentProcess(h, disk, state, tracker);
      try {
        long deadline = System.currentTimeMillis() + 60_000;
        String source = ContinuousHarness.digest(disk, size);
        while (!ContinuousHarness.digest(h.stagingVolume("s-restart", disk), size).equals(source)) {
          assertThat(System.currentTimeMillis()).as("converged in time").isLessThan(deadline);
          Thread.sleep(100);
        }
        Thread.sleep(500);
        assertThat(h.replicator.stats().bytesWritten() - before)
            .as("bytes written to the staging volume after the restart")
            .isEqualTo(CHANGED_BLOCKS * 4096L);
      } finally {
        second.destroy();
        second.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void scanningTrackerAfterKillNineSendsOnlyTheChangedBlocks() throws Exception {
    Path disk = ReplicationHarness.randomImage(dir.resolve("disk.img"), 16L << 20, 3);
    killNineThenRestartSendsOnlyTheChanges(disk, 16L << 20, "SCANNING");
  }

  @Test
  void realTimeTrackerAfterKillNineSendsOnlyTheChangedBlocks() throws Exception {
    Path loop = ContinuousHarness.loopDevice(dir.resolve("backing.img"), 16L << 20, 4);
    assumeTrue(loop != null, "needs root and loop devices (losetup)");
    try {
      assumeTrue(
          TracefsChangeTracker.unavailable(TracefsChangeTracker.DEFAULT_TRACEFS, loop).isEmpty(),
          "needs tracefs");
      killNineThenRestartSendsOnlyTheChanges(loop, 16L << 20, "TRACEFS");
    } finally {
      ContinuousHarness.detach(loop);
    }
  }

  @Test
  void replicatorRestartCostsOnlyTheBlocksChangedMeanwhile() throws Exception {
    Path disk = ReplicationHarness.randomImage(dir.resolve("disk.img"), 16L << 20, 5);
    try (ReplicationHarness h = new ReplicationHarness(dir)) {
      int port = h.port();
      try (ContinuousHarness c =
          new ContinuousHarness(
              h.agent("s-rr", disk)
                  .stateDir(dir.resolve("state"))
                  .tracker(AgentOptions.TrackerMode.SCANNING)
                  .scanPassIntervalMillis(200)
                  .scanReadBudgetMBps(0)
                  .verify(false))) {
        c.awaitInStep(60_000);
        Thread.sleep(300);
        h.stop();
        ContinuousHarness.writeRandomBlocks(disk, CHANGED_BLOCKS, 78);
        h.restart(port);
        c.awaitIdentical(disk, h.stagingVolume("s-rr", disk), 16L << 20, 60_000);
        Thread.sleep(300);
        assertThat(h.replicator.stats().bytesWritten()).isEqualTo(CHANGED_BLOCKS * 4096L);
      }
    }
  }
}
