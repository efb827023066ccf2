package io.liftshift.controlplane.launch;

import io.liftshift.cloud.Images;
import io.liftshift.cloud.Instances;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.aws.AwsImages;
import io.liftshift.cloud.aws.AwsInstances;
import io.liftshift.cloud.aws.AwsSnapshots;
import io.liftshift.trust.CaFingerprint;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Launches on AWS: launch volumes are EBS volumes made from the EBS snapshots; a conversion server
 * is an EC2 instance, through the converter launch template (the CDK's ConversionServer) or else
 * from the converter image in the staging subnet, with the volumes attached and its job's token in
 * its user data, terminated right after; the target starts from an AMI of the converted volumes,
 * through its launch template.
 */
public final class AwsLaunchCloud implements LaunchCloud {
  /** Where the converter image (the CDK's DaemonImage) keeps the launcher. */
  public static final String CONVERTER_COMMAND = "/usr/local/bin/liftshift converter";

  /** The conversion server's size when none is configured. */
  public static final String DEFAULT_CONVERTER_INSTANCE_TYPE = "m5.large";

  /** The launch template version conversion servers start from. */
  public static final String CONVERTER_LAUNCH_TEMPLATE_VERSION = "$Latest";

  /**
   * How conversion servers are started: through {@code converterLaunchTemplateId}, or else from
   * {@code converterImageId}. Whatever else is given overrides the template.
   *
   * @param converterLaunchTemplateId the conversion servers' launch template (the CDK's
   *     ConversionServer), which supplies image, type, instance profile, network and root volume;
   *     its {@value #CONVERTER_LAUNCH_TEMPLATE_VERSION} version is used, since CloudFormation
   *     updates a template by adding versions and leaves the default at the first. Null to launch
   *     from {@code converterImageId}
   * @param converterImageId the AMI carrying the converter daemon (the CDK's DaemonImage), or null
   *     for the launch template's
   * @param converterInstanceType the instance type, or null for the launch template's (or {@link
   *     #DEFAULT_CONVERTER_INSTANCE_TYPE} without one)
   * @param stagingSubnetId where conversion servers run, or null for the launch template's; EC2
   *     refuses it with a template that names a network interface, as the ConversionServer's does
   * @param converterSecurityGroupIds their security groups, or empty for the launch template's
   */
  public record Settings(
      String installation,
      String availabilityZone,
      String converterLaunchTemplateId,
      String converterImageId,
      String converterInstanceType,
      String stagingSubnetId,
      List<String> converterSecurityGroupIds,
      URI controlPlane,
      CaFingerprint ca,
      long pollMillis) {
    public Settings {
      converterSecurityGroupIds = List.copyOf(converterSecurityGroupIds);
      if (blank(converterLaunchTemplateId) && blank(converterInstanceType)) {
        converterInstanceType = DEFAULT_CONVERTER_INSTANCE_TYPE;
      }
    }

    private static boolean blank(String s) {
      return s == null || s.isEmpty();
    }
  }

  private final Ec2Client ec2;
  private final Settings settings;
  private final AwsImages images;
  private final AwsInstances instances;
  private final Map<String, List<StagingVolume>> attached = new ConcurrentHashMap<>();

  public AwsLaunchCloud(Ec2Client ec2, Settings settings) {
    this.ec2 = ec2;
    this.settings = settings;
    this.images = new AwsImages(ec2, settings.installation(), settings.pollMillis());
    this.instances = new AwsInstances(ec2, settings.installation(), settings.pollMillis());
  }

  @Override
  public Snapshots snapshots(ReplicatorRef replicator) {
    // EBS snapshots are found by their tags, whichever replicator took them.
    return new AwsSnapshots(
        ec2, null, settings.availabilityZone(), settings.installation(), settings.pollMillis());
  }

  @Override
  public Images images() {
    return images;
  }

  @Override
  public Instances instances() {
    return instances;
  }

  @Override
  public void deleteVolume(StagingVolume volume) throws IOException {
    try {
      ec2.deleteVolume(b -> b.volumeId(volume.volumeId()));
    } catch (AwsServiceException e) {
      throw new IOException("deleting " + volume.volumeId() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String startConversionServer(
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
            + CONVERTER_COMMAND
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
                CONVERTER_LAUNCH_TEMPLATE_VERSION,
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
  public boolean conversionServerRunning(String conversionServerId) throws IOException {
    return instances
        .describe(conversionServerId)
        .map(i -> i.state().equals("pending") || i.state().equals("running"))
        .orElse(false);
  }

  @Override
  public void stopConversionServer(String conversionServerId, List<StagingVolume> volumes)
      throws IOException {
    attached.putIfAbsent(conversionServerId, List.copyOf(volumes));
    stopConversionServer(conversionServerId);
  }

  /** Terminated, then its volumes are free again (available) for the image. */
  @Override
  public void stopConversionServer(String conversionServerId) throws IOException {
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

  @Override
  public Optional<String> unavailable() {
    return emptyToNull(settings.converterImageId()) == null
            && emptyToNull(settings.converterLaunchTemplateId()) == null
        ? Optional.of(
            "no converter launch template or image (AMI) configured for conversion servers")
        : Optional.empty();
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
