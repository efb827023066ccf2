package io.liftshift.converter;

import io.liftshift.converter.plan.LinuxConversionPlanner.PostLaunchAction;
import java.util.List;

/**
 * What the control plane asks one conversion server to do: convert these volumes (the launch's own
 * copies, in the source's disk order) for this job.
 *
 * @param volumes image files (local cloud) or block devices (attached EBS volumes)
 * @param sourceDeviceNames the source's names for those disks (from the agent), same order
 */
public record ConversionJob(
    String jobId,
    String sourceServerId,
    List<String> volumes,
    List<String> sourceDeviceNames,
    List<PostLaunchAction> postLaunchActions) {
  public ConversionJob {
    volumes = List.copyOf(volumes);
    sourceDeviceNames = List.copyOf(sourceDeviceNames);
    postLaunchActions = List.copyOf(postLaunchActions);
    if (volumes.isEmpty()) {
      throw new IllegalArgumentException("a conversion job needs at least one volume");
    }
  }
}
