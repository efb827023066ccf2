package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.agent.AgentOptions;
import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.VolumeSnapshot;
import io.liftshift.replicator.AgentTokens;
import io.liftshift.replicator.Replicator;
import io.liftshift.replicator.ReplicatorOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot store that refuses (as EBS does on AccessDenied): the source server shows
 * SNAPSHOTS_FAILURE with the cloud's message, and replication keeps running.
 */
class SnapshotFailureTest {
  @TempDir Path dir;

  /** The cloud refusing every snapshot with its own message. */
  private static final class RefusingSnapshots implements Snapshots {
    @Override
    public PointInTimeSnapshot create(String server, List<Source> volumes) throws IOException {
      throw new IOException(
          "UnauthorizedOperation: You are not authorized to perform this operation.");
    }

    @Override
    public List<PointInTimeSnapshot> list(String server) {
      return List.of();
    }

    @Override
    public Optional<PointInTimeSnapshot> find(String id) {
      return Optional.empty();
    }

    @Override
    public void delete(String id) {}

    @Override
    public void hold(String id, String holder) {}

    @Override
    public void release(String id, String holder) {}

    @Override
    public java.util.Set<String> holders(String id) {
      return java.util.Set.of();
    }

    @Override
    public void restore(VolumeSnapshot s, Path target) throws IOException {
      throw new IOException("nothing to restore");
    }

    @Override
    public StagingVolume createVolume(VolumeSnapshot s, String name) throws IOException {
      throw new IOException("nothing to restore");
    }
  }

  @Test
  void aRefusedSnapshotIsReportedAndReplicationGoesOn() throws Exception {
    Path disk = ReplicationHarness.randomImage(dir.resolve("disk.img"), 8L << 20, 81);
    try (Replicator r =
        Replicator.start(
            null,
            new ReplicatorOptions()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dir.resolve("replicator"))
                .caDir(dir.resolve("ca"))
                .agentTokens(AgentTokens.of(ReplicationHarness.TOKEN))
                .snapshotIntervalMillis(300),
            null,
            new RefusingSnapshots())) {
      AgentOptions o =
          new AgentOptions()
              .replicator("127.0.0.1", r.port())
              .token(ReplicationHarness.TOKEN)
              .caFingerprint(r.caFingerprint())
              .sourceServerId("s-refused")
              .addDisk(disk)
              .stateDir(dir.resolve("state"))
              .tracker(AgentOptions.TrackerMode.SCANNING)
              .scanPassIntervalMillis(100)
              .scanReadBudgetMBps(0)
              .verify(false);
      try (ContinuousHarness c = new ContinuousHarness(o)) {
        c.await(
            () -> c.status.get() != null && c.status.get().errorCode().equals("SNAPSHOTS_FAILURE"),
            30_000,
            "SNAPSHOTS_FAILURE reported");
        assertThat(c.status.get().errorDetail()).contains("You are not authorized");
        ContinuousHarness.writeRandomBlocks(disk, 30, 82);
        Path staged =
            dir.resolve("replicator/volumes")
                .resolve(
                    io.liftshift.cloud.VolumeNames.forDisk(
                            "s-refused", disk.toRealPath().toString())
                        + ".img");
        c.awaitIdentical(disk, staged, 8L << 20, 30_000);
      }
    }
  }
}
