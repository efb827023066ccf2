package io.liftshift.cloud;

import java.io.IOException;
import java.util.Optional;

/**
 * The target cloud as a launch sees it (snapshot → volumes → converter → image → launched instance
 * in the flow): the ports a StartTest or StartCutover goes through, from one place, so that the
 * control plane is given one cloud and never picks adapters itself.
 */
public interface LaunchCloud {
  /** The snapshots a replicator keeps (on AWS: the account's EBS snapshots). */
  Snapshots snapshots(ReplicatorRef replicator) throws IOException;

  Images images();

  /** Where launched instances run. */
  Instances instances();

  ConversionServers conversionServers();

  /** Deletes a launch volume (one that never became part of an image). */
  void deleteVolume(StagingVolume volume) throws IOException;

  /** Why launches cannot run here (no qemu, no KVM...), or empty. */
  Optional<String> unavailable();

  /** Where a replicator keeps what the launch needs of it. */
  record ReplicatorRef(String replicationServerId, String localSnapshotsDir) {}
}
