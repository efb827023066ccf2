package io.liftshift.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.cloud.ConversionServers;
import io.liftshift.cloud.Images;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.trust.CaFingerprint;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Conversion servers on AWS through the real SDK v2 against the EC2 contract fake: an EC2 instance
 * from the converter image with the launch volumes attached and its job's token in its user data,
 * terminated with its volumes free again, also when another control-plane process started it.
 */
class AwsConversionServersContractTest {
  private static final String SUBNET = "subnet-0aaaaaaaaaaaaaaaa";
  private static final String SECURITY_GROUP = "sg-0bbbbbbbbbbbbbbbb";

  Ec2ContractFake fake;
  Ec2Client ec2;
  String converterImage;
  StagingVolume launchVolume;

  @BeforeEach
  void start() throws Exception {
    fake = new Ec2ContractFake();
    ec2 = fake.client();
    var root = ec2.createVolume(b -> b.availabilityZone(fake.availabilityZone).size(8));
    converterImage =
        new AwsImages(ec2, "test-install", 10)
            .register(
                "converter",
                List.of(new StagingVolume(root.volumeId(), "converter-root", 8L << 30, null, true)),
                Images.BootMode.LEGACY_BIOS,
                Map.of())
            .imageId();
    var v = ec2.createVolume(b -> b.availabilityZone(fake.availabilityZone).size(1));
    launchVolume = new StagingVolume(v.volumeId(), "launch-s-1-sda", 1L << 30, null, true);
  }

  @AfterEach
  void stop() {
    ec2.close();
    fake.close();
  }

  private AwsLaunchCloud cloud(String imageId) {
    return new AwsLaunchCloud(
        ec2,
        new AwsLaunchCloud.Settings(
            "test-install",
            fake.availabilityZone,
            null,
            imageId,
            null,
            SUBNET,
            List.of(SECURITY_GROUP),
            URI.create("https://10.0.0.5:443"),
            new CaFingerprint(new byte[32]),
            10));
  }

  @Test
  void aConversionServerRunsWithItsVolumesAndTokenAndFreesThemWhenStopped() throws Exception {
    ConversionServers servers = cloud(converterImage).conversionServers();
    String id = servers.start("mgnjob-1", "s-1", "token-abc", List.of(launchVolume));

    Map<String, String> run = fake.launchRequest(id);
    assertThat(run)
        .containsEntry("ImageId", converterImage)
        .containsEntry("InstanceType", AwsLaunchCloud.DEFAULT_CONVERTER_INSTANCE_TYPE)
        .containsEntry("SubnetId", SUBNET)
        .containsEntry("SecurityGroupId.1", SECURITY_GROUP);
    String userData =
        new String(Base64.getDecoder().decode(run.get("UserData")), StandardCharsets.UTF_8);
    assertThat(userData)
        .contains("exec " + AwsLaunchCloud.CONVERTER_COMMAND)
        .contains("--control-plane https://10.0.0.5:443")
        .contains("--job-token token-abc");
    assertThat(fake.calls()).contains("AttachVolume");
    assertThat(servers.running(id)).isTrue();

    servers.stop(id);
    assertThat(volumeState()).isEqualTo("available");
    assertThat(servers.running(id)).isFalse();
    assertThat(fake.rejectedByModel()).isZero();
  }

  @Test
  void aServerARestartLeftBehindIsStoppedWithTheVolumesItWasGiven() throws Exception {
    String id =
        cloud(converterImage)
            .conversionServers()
            .start("mgnjob-1", "s-1", "token-abc", List.of(launchVolume));
    // Another process of the control plane knows only the id and the volumes, from the job.
    ConversionServers afterRestart = cloud(converterImage).conversionServers();
    afterRestart.stopLeftBehind(id, List.of(launchVolume));
    assertThat(volumeState()).isEqualTo("available");
    assertThat(fake.calls()).contains("TerminateInstances");
    assertThat(fake.rejectedByModel()).isZero();
  }

  @Test
  void withoutAConverterImageOrTemplateLaunchesAreUnavailable() {
    assertThat(cloud(null).unavailable()).isPresent();
    assertThat(cloud(converterImage).unavailable()).isEmpty();
  }

  private String volumeState() {
    return ec2.describeVolumes(b -> b.volumeIds(launchVolume.volumeId()))
        .volumes()
        .get(0)
        .stateAsString();
  }
}
