package io.liftshift.controlplane.launch;

import io.liftshift.cloud.Images;
import io.liftshift.cloud.Instances;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** The target cloud as a launch sees it. */
public interface LaunchCloud {
  /** The snapshots a replicator keeps (on AWS: the account's EBS snapshots). */
  Snapshots snapshots(ReplicatorRef replicator) throws IOException;

  Images images();

  Instances instances();

  /** Deletes a launch volume (one that never became part of an image). */
  void deleteVolume(StagingVolume volume) throws IOException;

  /**
   * Starts a conversion server for one source server of a job: it fetches its job from the control
   * plane with {@code jobToken} and converts {@code volumes}. Returns its id (an instance id, or a
   * process id locally). A job's servers convert side by side, each on its own server.
   */
  String startConversionServer(
      String jobId, String sourceServerId, String jobToken, List<StagingVolume> volumes)
      throws IOException;

  /** Whether the conversion server still runs (a process that died without reporting fails). */
  boolean conversionServerRunning(String conversionServerId) throws IOException;

  /** Stops it for good (terminated right after the conversion, as MGN does). */
  void stopConversionServer(String conversionServerId) throws IOException;

  /**
   * Stops a conversion server another process of the control plane started (one a restart left
   * behind), with the volumes it was given, which are free again when this returns.
   */
  default void stopConversionServer(String conversionServerId, List<StagingVolume> volumes)
      throws IOException {
    stopConversionServer(conversionServerId);
  }

  /** Why launches cannot run here (no qemu, no KVM...), or empty. */
  Optional<String> unavailable();

  /** Where a replicator keeps what the launch needs of it. */
  record ReplicatorRef(String replicationServerId, String localSnapshotsDir) {}
}
