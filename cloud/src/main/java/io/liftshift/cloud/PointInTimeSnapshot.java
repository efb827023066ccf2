package io.liftshift.cloud;

import java.time.Instant;
import java.util.List;

/**
 * A crash-consistent point-in-time snapshot of all disks of one source server, taken at one
 * consistency point.
 *
 * @param snapshotSetId the set's id ({@code pit-...} locally)
 * @param takenAt the consistency point's time
 * @param volumes one snapshot per staging volume
 */
public record PointInTimeSnapshot(
    String snapshotSetId, String sourceServerId, Instant takenAt, List<VolumeSnapshot> volumes) {
  public PointInTimeSnapshot {
    volumes = List.copyOf(volumes);
  }

  /** Bytes that changed since the previous snapshot, over every volume. */
  public long changedBytes() {
    return volumes.stream().mapToLong(VolumeSnapshot::changedBytes).sum();
  }

  /** Bytes this snapshot added to the store (after deduplication). */
  public long storedBytes() {
    return volumes.stream().mapToLong(VolumeSnapshot::storedBytes).sum();
  }

  public long sizeBytes() {
    return volumes.stream().mapToLong(VolumeSnapshot::sizeBytes).sum();
  }
}
