package io.liftshift.cloud.aws;

import io.liftshift.cloud.LaunchCloud;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolumes;
import java.io.IOException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.VolumeType;

/**
 * The AWS adapters as a daemon on EC2 uses them, with the account, region and credentials this
 * machine's environment gives the SDK. It exists so that the commands that start daemons choose
 * {@code --cloud aws} without naming an SDK type: only {@code io.liftshift.cloud} talks to AWS.
 */
public final class AwsCloud {
  /** How long a staging volume may take to attach and show as a device. */
  private static final long ATTACH_TIMEOUT_MILLIS = 600_000;

  private AwsCloud() {}

  /** The control plane's launch cloud. */
  public static LaunchCloud launchCloud(AwsLaunchCloud.Settings settings) {
    return new AwsLaunchCloud(ec2(), settings);
  }

  /**
   * What a replicator on this EC2 instance writes to: gp3 staging volumes, encrypted (with {@code
   * kmsKeyId}, or the account's default key when null), attached here, and their EBS snapshots.
   */
  public static Replication replicationOnThisInstance(String installation, String kmsKeyId)
      throws IOException {
    InstanceMetadata imds = new InstanceMetadata(InstanceMetadata.DEFAULT_ENDPOINT);
    String instance = imds.instanceId();
    String zone = imds.availabilityZone();
    Ec2Client ec2 = ec2();
    return new Replication(
        new AwsStagingVolumes(
            ec2,
            instance,
            zone,
            new AwsStagingVolumes.Settings(installation, VolumeType.GP3, true, kmsKeyId),
            AwsStagingVolumes::nvmeDevice,
            ATTACH_TIMEOUT_MILLIS,
            AwsStagingVolumes.DEFAULT_POLL_MILLIS),
        new AwsSnapshots(ec2, instance, zone, installation, AwsStagingVolumes.DEFAULT_POLL_MILLIS));
  }

  /** A replicator's staging volumes and the snapshots taken of them. */
  public record Replication(StagingVolumes volumes, Snapshots snapshots) {}

  private static Ec2Client ec2() {
    return Ec2Client.builder().httpClient(ApacheHttpClient.create()).build();
  }
}
