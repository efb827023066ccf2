package io.liftshift.cloud.aws;

import io.liftshift.cloud.ConversionServers;
import io.liftshift.cloud.Images;
import io.liftshift.cloud.Instances;
import io.liftshift.cloud.LaunchCloud;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.trust.CaFingerprint;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Launches on AWS: launch volumes are EBS volumes made from the EBS snapshots; a conversion server
 * is an EC2 instance ({@link AwsConversionServers}); the target starts from an AMI of the converted
 * volumes, through its launch template.
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
  private final AwsConversionServers conversionServers;

  public AwsLaunchCloud(Ec2Client ec2, Settings settings) {
    this.ec2 = ec2;
    this.settings = settings;
    this.images = new AwsImages(ec2, settings.installation(), settings.pollMillis());
    this.instances = new AwsInstances(ec2, settings.installation(), settings.pollMillis());
    this.conversionServers = new AwsConversionServers(ec2, instances, settings);
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
  public ConversionServers conversionServers() {
    return conversionServers;
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
