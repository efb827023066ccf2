package io.liftshift.cloud;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Point-in-time snapshots of staging volumes (staging volume → <b>snapshot</b> → converter in the
 * flow): incremental, crash-consistent across one source server's volumes when the caller holds
 * writes back during {@link #create}, and made back into volumes for a launch.
 */
public interface Snapshots {
  /** One volume to snapshot, with what changed on it since its last snapshot. */
  record Source(StagingVolume volume, ChangedRanges changed) {}

  /**
   * Snapshots every volume at this instant. The caller keeps the volumes unchanged until it
   * returns; a failure leaves no partial snapshot behind.
   */
  PointInTimeSnapshot create(String sourceServerId, List<Source> volumes) throws IOException;

  /**
   * What differs between the volume now and its latest snapshot, found without holding anything
   * (the caller tracks writes made meanwhile itself). {@link ChangedRanges#ALL} when the cloud
   * tracks changes on its own or the volume has no snapshot yet.
   */
  default ChangedRanges differencesFromLatest(StagingVolume volume) throws IOException {
    return ChangedRanges.ALL;
  }

  /** The server's snapshots, oldest first. */
  List<PointInTimeSnapshot> list(String sourceServerId) throws IOException;

  Optional<PointInTimeSnapshot> find(String snapshotSetId) throws IOException;

  /**
   * Deletes a snapshot set. What a later snapshot still needs of it is kept (merged into that
   * snapshot), so deleting never breaks a chain.
   */
  void delete(String snapshotSetId) throws IOException;

  /**
   * Marks the set as used by {@code holder} (a launch job): retention pruning never deletes a held
   * set. Holds are kept by the cloud itself, so every process that prunes sees them.
   */
  void hold(String snapshotSetId, String holder) throws IOException;

  /** Ends {@code holder}'s hold; an unknown hold or set is not an error. */
  void release(String snapshotSetId, String holder) throws IOException;

  /** Who holds the set now; empty when retention may delete it. */
  java.util.Set<String> holders(String snapshotSetId) throws IOException;

  /**
   * Writes the volume as it was at the snapshot into {@code target} (a file or block device of at
   * least the volume's size), byte for byte. Checks every chunk read; a damaged one fails.
   */
  void restore(VolumeSnapshot snapshot, Path target) throws IOException;

  /**
   * Makes a new volume holding the snapshot's content, for a launch: the snapshot itself is never
   * touched by what is done to the volume.
   */
  StagingVolume createVolume(VolumeSnapshot snapshot, String name) throws IOException;
}
