package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.liftshift.agent.Agent;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import io.liftshift.replicator.AgentTokens;
import io.liftshift.replicator.Replicator;
import io.liftshift.replicator.ReplicatorOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A staging area that runs out of space stalls that disk with a clear error, and only that. */
class FullDiskTest {
  @TempDir Path dir;
  Path small;

  @BeforeEach
  void mountSmallFileSystem() throws Exception {
    assumeThat(System.getProperty("user.name"))
        .as("mounting a small tmpfs needs root; CI runs as root")
        .isEqualTo("root");
    small = Files.createDirectories(dir.resolve("small"));
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", small.toString())
            .redirectErrorStream(true)
            .start();
    assumeThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0)
        .as("tmpfs mount: " + new String(p.getInputStream().readAllBytes()))
        .isTrue();
  }

  @AfterEach
  void unmount() throws Exception {
    if (small != null) {
      new ProcessBuilder("umount", "-l", small.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void noSpaceLeftIsReportedAndOtherDisksCarryOn() throws Exception {
    ReplicatorOptions o =
        new ReplicatorOptions()
            .host("127.0.0.1")
            .port(0)
            .dataDir(small)
            .caDir(dir.resolve("ca"))
            .agentTokens(AgentTokens.of(ReplicationHarness.TOKEN));
    try (Replicator r = Replicator.start(o)) {
      // A disk of zeros, replicated while there is room: it needs no space beyond its metadata.
      Path zeros = ReplicationHarness.zeroImage(dir.resolve("zeros.img"), 64L << 20);
      assertThat(new Agent(agent(r, "s-other", zeros, 60), SyncListener.NONE).run().verified())
          .isTrue();

      Path big = ReplicationHarness.randomImage(dir.resolve("big.img"), 16L << 20, 31);
      assertThatThrownBy(() -> new Agent(agent(r, "s-full", big, 2), SyncListener.NONE).run())
          .hasMessageContaining("gave up")
          .hasMessageContaining("STAGING_IO_ERROR")
          .hasMessageContaining("No space left on device");

      // The same replicator, its staging disk now full, still serves the other server, whose
      // record of what is replicated survived.
      SyncReport again = new Agent(agent(r, "s-other", zeros, 60), SyncListener.NONE).run();
      assertThat(again.verified()).isTrue();
      assertThat(again.disks().get(0).zeroBytes()).isZero();
    }
  }

  private static io.liftshift.agent.AgentOptions agent(
      Replicator r, String server, Path disk, int giveUpSeconds) {
    return new io.liftshift.agent.AgentOptions()
        .replicator("127.0.0.1", r.port())
        .token(ReplicationHarness.TOKEN)
        .caFingerprint(r.caFingerprint())
        .sourceServerId(server)
        .addDisk(disk)
        .initialBackoffMillis(100)
        .maxBackoffMillis(500)
        .reconnectTimeoutSeconds(giveUpSeconds);
  }
}
