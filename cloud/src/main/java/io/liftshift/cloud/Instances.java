package io.liftshift.cloud;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Instances booted from volumes (converter → <b>launched instance</b> in the flow): launch,
 * describe, console output, terminate. Locally they are qemu virtual machines; on AWS, EC2
 * instances.
 */
public interface Instances {
  /**
   * What to boot: the first volume is the boot disk.
   *
   * @param name a label, also used in tags
   */
  record LaunchSpec(
      String name,
      List<StagingVolume> volumes,
      int vcpus,
      int memoryMib,
      Map<String, String> tags) {
    public LaunchSpec {
      volumes = List.copyOf(volumes);
      tags = Map.copyOf(tags);
      if (volumes.isEmpty()) {
        throw new IllegalArgumentException("an instance needs at least its boot volume");
      }
      if (vcpus < 1 || memoryMib < 64) {
        throw new IllegalArgumentException("vcpus must be >= 1 and memoryMib >= 64");
      }
    }
  }

  /** An instance and its state: pending, running, stopped or terminated. */
  record Instance(String instanceId, String name, String state, Instant launchedAt) {}

  Instance launch(LaunchSpec spec) throws IOException;

  Optional<Instance> describe(String instanceId) throws IOException;

  /** What the instance wrote to its serial console so far. */
  String consoleOutput(String instanceId) throws IOException;

  /** Stops the instance for good; its volumes stay. Terminating a terminated one is no error. */
  void terminate(String instanceId) throws IOException;
}
