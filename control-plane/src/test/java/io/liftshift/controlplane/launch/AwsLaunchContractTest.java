package io.liftshift.controlplane.launch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.liftshift.cloud.aws.AwsLaunchCloud;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test launch on AWS, every EC2 call through the real SDK against the EC2 contract fake: volumes
 * from the EBS snapshot, a conversion server (through the ConversionServer's launch template, or
 * from the converter image in the staging subnet) with the volumes attached and its token in its
 * user data, terminated after its report, an AMI of the converted volumes, the target through its
 * launch template, and its first boot read from the console. The harness plays the conversion
 * server's daemon (the converter itself is proven end to end locally), through the control plane's
 * real converter API.
 */
class AwsLaunchContractTest {
  @TempDir Path dir;

  @Test
  void aTestLaunchGoesThroughEc2AsMgnDoes() throws Exception {
    testLaunch(false);
  }

  @Test
  void conversionServersStartThroughTheConverterLaunchTemplate() throws Exception {
    testLaunch(true);
  }

  private void testLaunch(boolean throughTemplate) throws Exception {
    try (AwsLaunchHarness h = new AwsLaunchHarness(dir)) {
      String id = h.syncedSourceServer("app-01");
      h.enableLaunches(throughTemplate);
      String jobId = h.start("StartTest", "{\"sourceServerIDs\":[\"" + id + "\"]}");

      // The conversion server: through its launch template (which names image, type and network),
      // or from the converter image in the staging subnet.
      String server = h.awaitInstance(0);
      Map<String, String> run = h.fake.launchRequest(server);
      if (throughTemplate) {
        assertThat(run)
            .containsEntry("LaunchTemplate.LaunchTemplateId", AwsLaunchHarness.CONVERTER_TEMPLATE)
            .containsEntry("LaunchTemplate.Version", "$Latest")
            .doesNotContainKeys("ImageId", "InstanceType", "SubnetId", "SecurityGroupId.1");
      } else {
        assertThat(run)
            .containsEntry("ImageId", h.converterAmi())
            .containsEntry("InstanceType", AwsLaunchCloud.DEFAULT_CONVERTER_INSTANCE_TYPE)
            .containsEntry("SubnetId", AwsLaunchHarness.STAGING_SUBNET)
            .doesNotContainKey("LaunchTemplate.LaunchTemplateId");
      }
      assertThat(run).containsEntry("MetadataOptions.HttpTokens", "required");
      assertTaggedWithTheInstallation(run);
      // Its daemon fetches the job (the launch volume, by id) and reports.
      JsonNode job = h.convert(server);
      assertThat(job.path("volumes").get(0).path("volumeId").asText()).startsWith("vol-");
      assertThat(job.path("volumes").get(0).path("sourceDeviceName").asText())
          .isEqualTo("/dev/sda");

      // The target: from the AMI of the converted volumes, through the launch template.
      String target = h.awaitInstance(1);
      assertThat(h.fake.launchRequest(target))
          .containsEntry("LaunchTemplate.LaunchTemplateId", AwsLaunchHarness.TARGET_TEMPLATE)
          .containsEntry("InstanceType", "t3.medium");
      assertTaggedWithTheInstallation(h.fake.launchRequest(target));
      // The control plane's IAM lets it create only what carries the installation's tag.
      assertThat(h.ec2.describeVolumes().volumes())
          .allSatisfy(v -> assertThat(v.tags()).anySatisfy(AwsLaunchContractTest::installation));
      assertThat(h.ec2.describeSnapshots(b -> b.ownerIds("self")).snapshots())
          .allSatisfy(v -> assertThat(v.tags()).anySatisfy(AwsLaunchContractTest::installation));
      assertThat(h.ec2.describeImages(b -> b.owners("self")).images())
          .allSatisfy(v -> assertThat(v.tags()).anySatisfy(AwsLaunchContractTest::installation));
      h.console(target, "liftshift-first-boot: SUCCEEDED ip=10.0.0.10");
      JsonNode done = h.awaitJob(jobId);
      JsonNode p = done.path("participatingServers").get(0);
      assertThat(p.path("launchStatus").asText()).isEqualTo("LAUNCHED");
      assertThat(p.path("launchedEc2InstanceID").asText()).isEqualTo(target);
      assertThat(h.fake.calls())
          .contains("CreateVolume", "RunInstances", "AttachVolume", "TerminateInstances")
          .contains("CreateSnapshot", "RegisterImage", "DeleteVolume", "GetConsoleOutput")
          .contains("CreateTags", "DeleteTags");
      assertThat(h.fake.rejectedByModel()).as("every request passed EC2's model").isZero();
      assertThat(h.jobLog(jobId))
          .contains("\"CONVERSION_START\"")
          .contains("\"conversionServerID\":\"" + server + "\"")
          .contains("\"CONVERSION_END\"")
          .contains("\"targetInstanceID\":\"" + target + "\"");

      // TerminateTargetInstances: the launched instance goes, and its image with its snapshots.
      JsonNode terminated =
          h.awaitJob(h.start("TerminateTargetInstances", "{\"sourceServerIDs\":[\"" + id + "\"]}"));
      assertThat(terminated.path("participatingServers").get(0).path("launchStatus").asText())
          .isEqualTo("TERMINATED");
      assertThat(
              h.ec2
                  .describeInstances(b -> b.instanceIds(target))
                  .reservations()
                  .get(0)
                  .instances()
                  .get(0)
                  .state()
                  .nameAsString())
          .isIn("shutting-down", "terminated");
      assertThat(h.fake.calls()).contains("DeregisterImage");
      assertThat(h.fake.rejectedByModel()).isZero();
    }
  }

  private static void installation(software.amazon.awssdk.services.ec2.model.Tag t) {
    assertThat(t.key()).isEqualTo("liftshift:installation");
    assertThat(t.value()).isEqualTo(AwsLaunchHarness.INSTALLATION);
  }

  /** RunInstances tags the instance and its volumes at creation, as the IAM conditions need. */
  private static void assertTaggedWithTheInstallation(Map<String, String> run) {
    for (int s = 1; s <= 2; s++) {
      String spec = "TagSpecification." + s;
      assertThat(run.get(spec + ".ResourceType")).isEqualTo(s == 1 ? "instance" : "volume");
      boolean tagged = false;
      for (int t = 1; run.containsKey(spec + ".Tag." + t + ".Key"); t++) {
        tagged |=
            run.get(spec + ".Tag." + t + ".Key").equals("liftshift:installation")
                && run.get(spec + ".Tag." + t + ".Value").equals(AwsLaunchHarness.INSTALLATION);
      }
      assertThat(tagged).as(spec + " tags the installation: " + run).isTrue();
    }
  }
}
