package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.cloud.LaunchCloud;
import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.VolumeNames;
import io.liftshift.cloud.VolumeSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The launch's point-in-time snapshot: a fresh one asked of the replicator, else the latest. */
final class LaunchSnapshot {
  private final LaunchCloud cloud;
  private final LaunchRecords records;
  private final long freshTimeoutMillis;

  /**
   * @param freshTimeoutMillis how long a fresh snapshot may take before the latest one is used
   */
  LaunchSnapshot(LaunchCloud cloud, LaunchRecords records, long freshTimeoutMillis) {
    this.cloud = cloud;
    this.records = records;
    this.freshTimeoutMillis = freshTimeoutMillis;
  }

  /**
   * A fresh snapshot (SNAPSHOT_START/END) asked of the replicator; the latest one
   * (USING_PREVIOUS_SNAPSHOT) when none comes in time.
   */
  PointInTimeSnapshot snapshot(String jobId, String serverId, LaunchCloud.ReplicatorRef ref)
      throws Exception {
    Snapshots before = cloud.snapshots(ref);
    List<PointInTimeSnapshot> existing = before.list(serverId);
    Instant asked = Instant.now();
    records.updateServer(
        serverId,
        s -> LaunchRecords.priv(s).put("snapshotRequestedEpochMillis", asked.toEpochMilli()));
    records.log(jobId, "SNAPSHOT_START", Map.of("sourceServerID", serverId));
    long deadline = System.currentTimeMillis() + freshTimeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      List<PointInTimeSnapshot> now = cloud.snapshots(ref).list(serverId);
      if (!now.isEmpty() && now.get(now.size() - 1).takenAt().isAfter(asked)) {
        PointInTimeSnapshot fresh = now.get(now.size() - 1);
        records.log(
            jobId,
            "SNAPSHOT_END",
            Map.of(
                "sourceServerID",
                serverId,
                "rawError",
                "fresh crash-consistent snapshot "
                    + fresh.snapshotSetId()
                    + ", taken "
                    + java.time.Duration.between(asked, fresh.takenAt()).toMillis()
                    + " ms after the launch asked for it"));
        return fresh;
      }
      Thread.sleep(500);
    }
    List<PointInTimeSnapshot> now = cloud.snapshots(ref).list(serverId);
    if (now.isEmpty() && existing.isEmpty()) {
      throw new LaunchFailure(
          "SNAPSHOT_FAIL",
          "no point-in-time snapshot of " + serverId + " exists yet, and none came");
    }
    PointInTimeSnapshot latest =
        (now.isEmpty() ? existing : now).get((now.isEmpty() ? existing : now).size() - 1);
    records.log(
        jobId,
        "USING_PREVIOUS_SNAPSHOT",
        Map.of(
            "sourceServerID",
            serverId,
            "rawError",
            "no fresh snapshot in "
                + freshTimeoutMillis / 1000
                + " s (a fresh one needs the agent replicating: its consistency point makes it"
                + " crash-consistent); using "
                + latest.snapshotSetId()
                + " of "
                + latest.takenAt()));
    return latest;
  }

  /** The snapshot's volumes in the order of the source's disks (the order the guest names them). */
  static List<VolumeSnapshot> inDiskOrder(
      ObjectNode server, PointInTimeSnapshot snapshot, List<String> deviceNamesOut) {
    String id = server.path("sourceServerID").asText();
    List<VolumeSnapshot> remaining = new ArrayList<>(snapshot.volumes());
    List<VolumeSnapshot> out = new ArrayList<>();
    for (JsonNode d : server.path("sourceProperties").path("disks")) {
      String name = VolumeNames.forDisk(id, d.path("deviceName").asText());
      for (VolumeSnapshot v : remaining) {
        if (v.volumeName().equals(name)) {
          out.add(v);
          deviceNamesOut.add(d.path("deviceName").asText());
          remaining.remove(v);
          break;
        }
      }
    }
    remaining.sort((a, b) -> a.volumeName().compareTo(b.volumeName()));
    for (VolumeSnapshot v : remaining) {
      out.add(v);
      deviceNamesOut.add("");
    }
    return out;
  }
}
