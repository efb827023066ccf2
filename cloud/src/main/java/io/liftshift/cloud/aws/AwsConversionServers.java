package io.liftshift.cloud.aws;

import io.liftshift.cloud.ConversionServers;
import io.liftshift.cloud.Instances;
import io.liftshift.cloud.StagingVolume;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Conversion servers on AWS: EC2 instances started through the converter launch template (the CDK's
 * ConversionServer) or else from the converter image in the staging subnet, with the launch volumes
 * attached and their job's token in their user data, terminated right after. Apart from {@link
 * AwsInstances} because a conversion server also waits, at its end, for its volumes to be free
 * again for the image.
 */
public final class AwsConversionServers implements ConversionServers {
  private final Ec2Client ec2;
  private final AwsLaunchCloud.Settings settings;
  private final AwsInstances instances;
  private final Map<String, List<StagingVolume>> attached = new ConcurrentHashMap<>();

  public AwsConversionServers(
      Ec2Client ec2, AwsInstances instances, AwsLaunchCloud.Settings settings) {
    this.ec2 = ec2;
    this.instances = instances;
    this.settings = settings;
  }

  @Override
  public String start(
      String jobId, String sourceServerId, String jobToken, List<StagingVolume> volumes)
      throws IOException {
    String userData =
        "#!/bin/sh\n"
            + "# liftshift conversion server for "
            + sourceServerId
            + " in "
            + jobId
            + ": converts, reports, and is terminated.\n"
            + "exec "
            + AwsLaunchCloud.CONVERTER_COMMAND
            + " --control-plane "
            + settings.controlPlane()
            + " --job-token "
            + jobToken
            + " --ca-fingerprint "
            + settings.ca()
            + "\n";
    Instances.Instance server =
        instances.launch(
            new Instances.LaunchSpec(
                "liftshift-conversion-" + jobId,
                emptyToNull(settings.converterImageId()),
                emptyToNull(settings.converterInstanceType()),
                emptyToNull(settings.converterLaunchTemplateId()),
                AwsLaunchCloud.CONVERTER_LAUNCH_TEMPLATE_VERSION,
                emptyToNull(settings.stagingSubnetId()),
                settings.converterSecurityGroupIds(),
                volumes,
                userData,
                Map.of(
                    "liftshift:role",
                    "conversion-server",
                    "liftshift:job",
                    jobId,
                    "liftshift:source-server",
                    sourceServerId)));
    attached.put(server.instanceId(), volumes);
    return server.instanceId();
  }

  @Override
  public boolean running(String conversionServerId) throws IOException {
    return instances
        .describe(conversionServerId)
        .map(i -> i.state().equals("pending") || i.state().equals("running"))
        .orElse(false);
  }

  @Override
  public void stopLeftBehind(String conversionServerId, List<StagingVolume> volumes)
      throws IOException {
    attached.putIfAbsent(conversionServerId, List.copyOf(volumes));
    stop(conversionServerId);
  }

  /** Terminated, then its volumes are free again (available) for the image. */
  @Override
  public void stop(String conversionServerId) throws IOException {
    instances.terminate(conversionServerId);
    List<StagingVolume> volumes = attached.remove(conversionServerId);
    if (volumes == null) {
      return;
    }
    long deadline = System.currentTimeMillis() + 600_000;
    for (StagingVolume v : volumes) {
      while (true) {
        String state;
        try {
          state =
              ec2.describeVolumes(b -> b.volumeIds(v.volumeId())).volumes().get(0).stateAsString();
        } catch (AwsServiceException e) {
          throw new IOException("describing " + v.volumeId() + ": " + e.getMessage(), e);
        }
        if (state.equals("available")) {
          break;
        }
        if (System.currentTimeMillis() > deadline) {
          throw new IOException(v.volumeId() + " still " + state + " after the conversion server");
        }
        try {
          Thread.sleep(settings.pollMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
    }
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
