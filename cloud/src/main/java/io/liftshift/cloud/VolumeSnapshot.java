package io.liftshift.cloud;

/**
 * One staging volume's part of a {@link PointInTimeSnapshot}.
 *
 * @param snapshotId the cloud's id ({@code snap-...})
 * @param volumeName the staging volume it was taken from
 * @param parentSnapshotId the snapshot it is incremental to, or empty for a full one
 * @param changedBytes bytes that differ from the parent
 * @param storedBytes bytes this snapshot added to the store
 */
public record VolumeSnapshot(
    String snapshotId,
    String volumeName,
    long sizeBytes,
    String parentSnapshotId,
    long changedBytes,
    long storedBytes) {}
