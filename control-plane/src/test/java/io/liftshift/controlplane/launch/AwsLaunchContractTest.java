package io.liftshift.controlplane.launch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.cloud.ChangedRanges;
import io.liftshift.cloud.Images;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.VolumeNames;
import io.liftshift.cloud.aws.AwsImages;
import io.liftshift.cloud.aws.AwsSnapshots;
import io.liftshift.cloud.aws.AwsStagingVolumes;
import io.liftshift.cloud.aws.Ec2ContractFake;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.trust.TlsPolicy;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * A test launch on AWS, every EC2 call through the real SDK against the EC2 contract fake: volumes
 * from the EBS snapshot, a conversion server (through the ConversionServer's launch template, or
 * from the converter image in the staging subnet) with the volumes attached and its token in its
 * user data, terminated after its report, an AMI of the converted volumes, the target through its
 * launch template, and its first boot read from the console. This test plays the conversion
 * server's daemon (the converter itself is proven end to end locally), through the control plane's
 * real converter API.
 */
class AwsLaunchContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private static final String CONVERTER_TEMPLATE = "lt-0c0c0c0c0c0c0c0c0";

  @Test
  void aTestLaunchGoesThroughEc2AsMgnDoes() throws Exception {
    testLaunch(false);
  }

  @Test
  void conversionServersStartThroughTheConverterLaunchTemplate() throws Exception {
    testLaunch(true);
  }

  private void testLaunch(boolean throughTemplate) throws Exception {
    try (Ec2ContractFake fake = new Ec2ContractFake();
        Ec2Client ec2 =
            Ec2Client.builder()
                .endpointOverride(fake.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "s")))
                .httpClient(ApacheHttpClient.create())
                .build();
        ControlPlane cp =
            ControlPlane.start(
                dir.resolve("cp"),
                dir.resolve("ca"),
                "127.0.0.1",
                0,
                "us-east-1",
                List.of("localhost", "127.0.0.1"))) {
      cp.call("InitializeService", "{}");
      HttpClient http =
          HttpClient.newBuilder()
              .sslContext(TlsPolicy.pinnedClientContext(cp.caFingerprint()))
              .build();
      // A source server whose one disk finished its initial sync.
      JsonNode reg =
          post(
              http,
              cp,
              "/agent/v1/register",
              cp.createInstallToken(),
              "{\"machineId\":\"m-aws\",\"identificationHints\":{\"hostname\":\"app-01\"},"
                  + "\"disks\":[{\"deviceName\":\"/dev/sda\",\"bytes\":1073741824}],"
                  + "\"cpus\":[{\"cores\":2}],\"ramBytes\":4294967296}");
      String id = reg.path("sourceServerID").asText();
      post(
          http,
          cp,
          "/agent/v1/heartbeat",
          reg.path("agentToken").asText(),
          "{\"sourceServerID\":\""
              + id
              + "\",\"dataReplicationState\":\"CONTINUOUS\",\"replicatedDisks\":[{\"deviceName\":"
              + "\"/dev/sda\",\"totalStorageBytes\":1073741824,\"replicatedStorageBytes\":1073741824}]}");
      // Its staging volume and an EBS snapshot of it, as a replicator on AWS makes them.
      AwsStagingVolumes staging =
          new AwsStagingVolumes(
              ec2,
              fake.instanceId,
              fake.availabilityZone,
              AwsStagingVolumes.Settings.defaults("test-install"),
              v -> {
                Path p = dir.resolve(v);
                try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                  f.setLength(1 << 20);
                } catch (Exception e) {
                  return Optional.empty();
                }
                return Optional.of(p);
              },
              30_000,
              10);
      StagingVolume sv = staging.provision(VolumeNames.forDisk(id, "/dev/sda"), 1L << 30);
      new AwsSnapshots(ec2, fake.instanceId, fake.availabilityZone, "test-install", 10)
          .create(id, List.of(new Snapshots.Source(sv, ChangedRanges.ALL)));
      // The converter image (the CDK's DaemonImage), and the server's launch template (its tag).
      var seed = ec2.createVolume(b -> b.availabilityZone(fake.availabilityZone).size(8));
      String converterAmi =
          new AwsImages(ec2, "test-install", 10)
              .register(
                  "liftshift-converter",
                  List.of(new StagingVolume(seed.volumeId(), "seed", 8L << 30, null, true)),
                  Images.BootMode.LEGACY_BIOS,
                  Map.of())
              .imageId();
      String arn =
          JSON.readTree(
                  cp.call(
                      "DescribeSourceServers",
                      "{\"filters\":{\"sourceServerIDs\":[\"" + id + "\"]}}"))
              .path("items")
              .get(0)
              .path("arn")
              .asText();
      fake.launchTemplate("lt-0123456789abcdef0", new Ec2ContractFake.LaunchTemplate(null, false));
      // As the CDK's ConversionServer makes it: the image, and the subnet in a network interface.
      fake.launchTemplate(
          CONVERTER_TEMPLATE, new Ec2ContractFake.LaunchTemplate(converterAmi, true));
      cp.call(
          "TagResource",
          "{\"resourceArn\":\""
              + arn
              + "\",\"tags\":{\"liftshift:launch-template\":\"lt-0123456789abcdef0\"}}");

      cp.enableLaunches(
          new AwsLaunchCloud(
              ec2,
              new AwsLaunchCloud.Settings(
                  "test-install",
                  fake.availabilityZone,
                  throughTemplate ? CONVERTER_TEMPLATE : null,
                  throughTemplate ? null : converterAmi,
                  null,
                  throughTemplate ? null : "subnet-0aaaaaaaaaaaaaaaa",
                  throughTemplate ? List.of() : List.of("sg-0bbbbbbbbbbbbbbbb"),
                  URI.create("https://127.0.0.1:" + cp.port()),
                  cp.caFingerprint(),
                  10)),
          30_000,
          200);
      String jobId =
          JSON.readTree(cp.call("StartTest", "{\"sourceServerIDs\":[\"" + id + "\"]}"))
              .path("job")
              .path("jobID")
              .asText();

      // The conversion server: through its launch template (which names image, type and network),
      // or from the converter image in the staging subnet.
      String server = awaitInstance(fake, 0);
      Map<String, String> run = fake.launchRequest(server);
      if (throughTemplate) {
        assertThat(run)
            .containsEntry("LaunchTemplate.LaunchTemplateId", CONVERTER_TEMPLATE)
            .containsEntry("LaunchTemplate.Version", "$Latest")
            .doesNotContainKeys("ImageId", "InstanceType", "SubnetId", "SecurityGroupId.1");
      } else {
        assertThat(run)
            .containsEntry("ImageId", converterAmi)
            .containsEntry("InstanceType", AwsLaunchCloud.DEFAULT_CONVERTER_INSTANCE_TYPE)
            .containsEntry("SubnetId", "subnet-0aaaaaaaaaaaaaaaa")
            .doesNotContainKey("LaunchTemplate.LaunchTemplateId");
      }
      assertThat(run).containsEntry("MetadataOptions.HttpTokens", "required");
      assertTaggedWithTheInstallation(run);
      String userData =
          new String(Base64.getDecoder().decode(run.get("UserData")), StandardCharsets.UTF_8);
      Matcher token = Pattern.compile("--job-token (\\S+)").matcher(userData);
      assertThat(token.find()).as(userData).isTrue();
      // Its daemon fetches the job (the launch volume, by id) and reports.
      JsonNode job = post(http, cp, "/converter/v1/job", token.group(1), "{}");
      assertThat(job.path("volumes").get(0).path("volumeId").asText()).startsWith("vol-");
      assertThat(job.path("volumes").get(0).path("sourceDeviceName").asText())
          .isEqualTo("/dev/sda");
      post(
          http,
          cp,
          "/converter/v1/report",
          token.group(1),
          "{\"report\":{\"status\":\"SUCCEEDED\",\"reason\":\"\",\"guest\":{\"prettyName\":"
              + "\"Debian GNU/Linux 12 (bookworm)\"},\"steps\":[]}}");

      // The target: from the AMI of the converted volumes, through the launch template.
      String target = awaitInstance(fake, 1);
      assertThat(fake.launchRequest(target))
          .containsEntry("LaunchTemplate.LaunchTemplateId", "lt-0123456789abcdef0")
          .containsEntry("InstanceType", "t3.medium");
      assertTaggedWithTheInstallation(fake.launchRequest(target));
      // The control plane's IAM lets it create only what carries the installation's tag.
      assertThat(ec2.describeVolumes().volumes())
          .allSatisfy(v -> assertThat(v.tags()).anySatisfy(AwsLaunchContractTest::installation));
      assertThat(ec2.describeSnapshots(b -> b.ownerIds("self")).snapshots())
          .allSatisfy(v -> assertThat(v.tags()).anySatisfy(AwsLaunchContractTest::installation));
      assertThat(ec2.describeImages(b -> b.owners("self")).images())
          .allSatisfy(v -> assertThat(v.tags()).anySatisfy(AwsLaunchContractTest::installation));
      fake.consoles.get(target).append("liftshift-first-boot: SUCCEEDED ip=10.0.0.10\n");
      JsonNode done = awaitJob(cp, jobId);
      JsonNode p = done.path("participatingServers").get(0);
      assertThat(p.path("launchStatus").asText()).isEqualTo("LAUNCHED");
      assertThat(p.path("launchedEc2InstanceID").asText()).isEqualTo(target);
      assertThat(fake.calls())
          .contains("CreateVolume", "RunInstances", "AttachVolume", "TerminateInstances")
          .contains("CreateSnapshot", "RegisterImage", "DeleteVolume", "GetConsoleOutput")
          .contains("CreateTags", "DeleteTags");
      assertThat(fake.rejectedByModel()).as("every request passed EC2's model").isZero();
      String log = cp.call("DescribeJobLogItems", "{\"jobID\":\"" + jobId + "\"}");
      assertThat(log)
          .contains("\"CONVERSION_START\"")
          .contains("\"conversionServerID\":\"" + server + "\"")
          .contains("\"CONVERSION_END\"")
          .contains("\"targetInstanceID\":\"" + target + "\"");

      // TerminateTargetInstances: the launched instance goes, and its image with its snapshots.
      String terminateJob =
          JSON.readTree(
                  cp.call("TerminateTargetInstances", "{\"sourceServerIDs\":[\"" + id + "\"]}"))
              .path("job")
              .path("jobID")
              .asText();
      JsonNode terminated = awaitJob(cp, terminateJob);
      assertThat(terminated.path("participatingServers").get(0).path("launchStatus").asText())
          .isEqualTo("TERMINATED");
      assertThat(
              ec2.describeInstances(b -> b.instanceIds(target))
                  .reservations()
                  .get(0)
                  .instances()
                  .get(0)
                  .state()
                  .nameAsString())
          .isIn("shutting-down", "terminated");
      assertThat(fake.calls()).contains("DeregisterImage");
      assertThat(fake.rejectedByModel()).isZero();
    }
  }

  private static void installation(software.amazon.awssdk.services.ec2.model.Tag t) {
    assertThat(t.key()).isEqualTo("liftshift:installation");
    assertThat(t.value()).isEqualTo("test-install");
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
                && run.get(spec + ".Tag." + t + ".Value").equals("test-install");
      }
      assertThat(tagged).as(spec + " tags the installation: " + run).isTrue();
    }
  }

  private static String awaitInstance(Ec2ContractFake fake, int index) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (fake.instanceIds().size() <= index) {
      assertThat(System.currentTimeMillis())
          .as("instance " + index + " launched")
          .isLessThan(deadline);
      Thread.sleep(50);
    }
    return fake.instanceIds().get(index);
  }

  private static JsonNode awaitJob(ControlPlane cp, String jobId) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      JsonNode j =
          JSON.readTree(cp.call("DescribeJobs", "{\"filters\":{\"jobIDs\":[\"" + jobId + "\"]}}"))
              .path("items")
              .get(0);
      if (j.path("status").asText().equals("COMPLETED")) {
        return j;
      }
      assertThat(System.currentTimeMillis())
          .as(cp.call("DescribeJobLogItems", "{\"jobID\":\"" + jobId + "\"}"))
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static JsonNode post(
      HttpClient http, ControlPlane cp, String path, String bearer, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + cp.port() + path))
                .header("Authorization", "Bearer " + bearer)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }
}
