package io.liftshift.agent;

import java.util.List;

/**
 * A snapshot of a source server's replication, as the control plane shows it: MGN's data
 * replication state, lag, ETA and error, with per-disk figures.
 *
 * @param state MGN's DataReplicationState (INITIAL_SYNC, BACKLOG, CONTINUOUS, RESCAN, PAUSED,
 *     STALLED, ...)
 * @param errorCode MGN's DataReplicationErrorString, or empty
 * @param tracker "tracefs", "scanning" or "none"
 * @param lastSnapshotEpochMillis when the replicator last took a point-in-time snapshot, or 0
 */
public record ReplicationStatus(
    String state,
    long lagSeconds,
    long etaSeconds,
    String errorCode,
    String errorDetail,
    String tracker,
    long throughputBytesPerSecond,
    long writeRateBytesPerSecond,
    List<Disk> disks,
    long lastSnapshotEpochMillis) {

  /** One disk's figures. */
  public record Disk(
      String deviceName,
      String state,
      long totalBytes,
      long replicatedBytes,
      long backlogBytes,
      long rescannedBytes,
      String error) {}

  public ReplicationStatus {
    disks = List.copyOf(disks);
  }
}
