package io.liftshift.cloud;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Instances booted from images (converter → image → <b>launched instance</b> in the flow): launch,
 * describe, console output, terminate. Locally they are qemu virtual machines; on AWS, EC2
 * instances. Conversion servers are instances too, with the volumes to convert attached.
 */
public interface Instances {
  /**
   * What to start.
   *
   * @param name a label, also the Name tag
   * @param imageId the image to boot (its volumes become the instance's own, deleted with it), or
   *     null for the launch template's
   * @param instanceType the EC2 instance type; locally its vCPUs and memory; or null for the launch
   *     template's
   * @param launchTemplateId the launch template the instance is started through, or null
   * @param launchTemplateVersion which of its versions ({@code $Latest}, {@code $Default} or a
   *     number), or null for {@code $Default}
   * @param subnetId the subnet, or null for the launch template's (or the default one)
   * @param securityGroupIds security groups, or empty for the launch template's
   * @param attachedVolumes existing volumes attached after the image's own, kept at termination
   * @param userData what the instance's first boot is given (cloud-init user data), or null
   */
  record LaunchSpec(
      String name,
      String imageId,
      String instanceType,
      String launchTemplateId,
      String launchTemplateVersion,
      String subnetId,
      List<String> securityGroupIds,
      List<StagingVolume> attachedVolumes,
      String userData,
      Map<String, String> tags) {
    public LaunchSpec {
      securityGroupIds = List.copyOf(securityGroupIds);
      attachedVolumes = List.copyOf(attachedVolumes);
      tags = Map.copyOf(tags);
      boolean template = launchTemplateId != null && !launchTemplateId.isEmpty();
      if (!template && (imageId == null || imageId.isEmpty())) {
        throw new IllegalArgumentException(
            "an instance needs an image to boot, or a launch template that names one");
      }
      if (instanceType == null) {
        if (!template) {
          throw new IllegalArgumentException(
              "an instance needs an instance type, or a launch template that names one");
        }
      } else if (!InstanceType.isWellFormed(instanceType)) {
        throw new IllegalArgumentException(
            "'" + instanceType + "' is not an EC2 instance type (like t3.small)");
      }
    }

    /** An instance of {@code instanceType} booting {@code imageId}, with nothing else set. */
    public static LaunchSpec of(String name, String imageId, String instanceType) {
      return new LaunchSpec(
          name, imageId, instanceType, null, null, null, List.of(), List.of(), null, Map.of());
    }

    public LaunchSpec withTags(Map<String, String> more) {
      Map<String, String> all = new java.util.LinkedHashMap<>(tags);
      all.putAll(more);
      return new LaunchSpec(
          name,
          imageId,
          instanceType,
          launchTemplateId,
          launchTemplateVersion,
          subnetId,
          securityGroupIds,
          attachedVolumes,
          userData,
          all);
    }
  }

  /**
   * An instance and its state: pending, running, stopped or terminated.
   *
   * @param privateIp its private address once known, or null
   */
  record Instance(
      String instanceId,
      String name,
      String state,
      Instant launchedAt,
      String imageId,
      String instanceType,
      String privateIp,
      Map<String, String> tags) {
    public Instance {
      tags = Map.copyOf(tags);
    }
  }

  Instance launch(LaunchSpec spec) throws IOException;

  Optional<Instance> describe(String instanceId) throws IOException;

  /** Instances (terminated ones too, while the cloud still shows them) carrying all these tags. */
  List<Instance> list(Map<String, String> tags) throws IOException;

  /** What the instance wrote to its serial console so far. */
  String consoleOutput(String instanceId) throws IOException;

  /** Adds or replaces tags on the instance (a promoted test instance becomes the cutover's). */
  void tag(String instanceId, Map<String, String> tags) throws IOException;

  /**
   * Stops the instance for good and deletes its own volumes; attached volumes stay. Terminating a
   * terminated one is no error.
   */
  void terminate(String instanceId) throws IOException;
}
