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
import io.liftshift.cloud.aws.AwsLaunchCloud;
import io.liftshift.cloud.aws.AwsSnapshots;
import io.liftshift.cloud.aws.AwsStagingVolumes;
import io.liftshift.cloud.aws.Ec2ContractFake;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.trust.ServerRole;
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
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * A control plane that launches on AWS, every EC2 call through the real SDK against the EC2
 * contract fake, with source servers whose initial sync is done and whose EBS snapshot exists. The
 * test plays each conversion server's daemon through the control plane's real converter API and
 * each launched instance's serial console.
 */
final class AwsLaunchHarness implements AutoCloseable {
  static final String INSTALLATION = "test-install";
  static final String STAGING_SUBNET = "subnet-0aaaaaaaaaaaaaaaa";
  static final String CONVERTER_SECURITY_GROUP = "sg-0bbbbbbbbbbbbbbbb";

  /** The launch template each source server is tagged with. */
  static final String TARGET_TEMPLATE = "lt-0123456789abcdef0";

  /** The CDK ConversionServer's launch template: the image, and the subnet in an interface. */
  static final String CONVERTER_TEMPLATE = "lt-0c0c0c0c0c0c0c0c0";

  private static final ObjectMapper JSON = new ObjectMapper();

  final Ec2ContractFake fake;
  final Ec2Client ec2;
  final ControlPlane cp;
  private boolean cpStopped;
  private final HttpClient http;
  private final Path dir;
  private String converterAmi;

  AwsLaunchHarness(Path dir) throws Exception {
    this.dir = dir;
    fake = new Ec2ContractFake();
    ec2 = fake.client();
    cp = ControlPlane.startOnLoopback(dir);
    cp.call("InitializeService", "{}");
    // The source servers' launch template, as MGN's launch settings make it: no image of its own.
    fake.launchTemplate(TARGET_TEMPLATE, new Ec2ContractFake.LaunchTemplate(null, false));
    http =
        HttpClient.newBuilder()
            .sslContext(TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE))
            .build();
  }

  /**
   * A source server with one 1 GiB disk whose initial sync finished, its staging volume and an EBS
   * snapshot of it, as a replicator on AWS makes them; tagged with its launch template.
   */
  String syncedSourceServer(String hostname) throws Exception {
    JsonNode reg =
        post(
            "/agent/v1/register",
            cp.createInstallToken(),
            "{\"machineId\":\"m-"
                + hostname
                + "\",\"identificationHints\":{\"hostname\":\""
                + hostname
                + "\"},\"disks\":[{\"deviceName\":\"/dev/sda\",\"bytes\":1073741824}],"
                + "\"cpus\":[{\"cores\":2}],\"ramBytes\":4294967296}");
    String id = reg.path("sourceServerID").asText();
    post(
        "/agent/v1/heartbeat",
        reg.path("agentToken").asText(),
        "{\"sourceServerID\":\""
            + id
            + "\",\"dataReplicationState\":\"CONTINUOUS\",\"replicatedDisks\":[{\"deviceName\":"
            + "\"/dev/sda\",\"totalStorageBytes\":1073741824,\"replicatedStorageBytes\":1073741824}]}");
    AwsStagingVolumes staging =
        new AwsStagingVolumes(
            ec2,
            fake.instanceId,
            fake.availabilityZone,
            AwsStagingVolumes.Settings.defaults(INSTALLATION),
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
    new AwsSnapshots(ec2, fake.instanceId, fake.availabilityZone, INSTALLATION, 10)
        .create(id, List.of(new Snapshots.Source(sv, ChangedRanges.ALL)));
    cp.call(
        "TagResource",
        "{\"resourceArn\":\""
            + server(id).path("arn").asText()
            + "\",\"tags\":{\"liftshift:launch-template\":\""
            + TARGET_TEMPLATE
            + "\"}}");
    return id;
  }

  JsonNode server(String id) throws Exception {
    return JSON.readTree(
            cp.call(
                "DescribeSourceServers", "{\"filters\":{\"sourceServerIDs\":[\"" + id + "\"]}}"))
        .path("items")
        .get(0);
  }

  /** The converter image (the CDK's DaemonImage). */
  String converterAmi() throws Exception {
    if (converterAmi == null) {
      var seed = ec2.createVolume(b -> b.availabilityZone(fake.availabilityZone).size(8));
      converterAmi =
          new AwsImages(ec2, INSTALLATION, 10)
              .register(
                  "liftshift-converter",
                  List.of(new StagingVolume(seed.volumeId(), "seed", 8L << 30, null, true)),
                  Images.BootMode.LEGACY_BIOS,
                  Map.of())
              .imageId();
    }
    return converterAmi;
  }

  /** Launches through EC2, with a short first-boot and fresh-snapshot wait. */
  void enableLaunches() throws Exception {
    enableLaunches(false);
  }

  /**
   * Launches through EC2; conversion servers through the ConversionServer's launch template, or
   * from the converter image in the staging subnet.
   */
  void enableLaunches(boolean converterThroughTemplate) throws Exception {
    if (converterThroughTemplate) {
      fake.launchTemplate(
          CONVERTER_TEMPLATE, new Ec2ContractFake.LaunchTemplate(converterAmi(), true));
    }
    cp.enableLaunches(
        new AwsLaunchCloud(
            ec2,
            new AwsLaunchCloud.Settings(
                INSTALLATION,
                fake.availabilityZone,
                converterThroughTemplate ? CONVERTER_TEMPLATE : null,
                converterThroughTemplate ? null : converterAmi(),
                converterThroughTemplate ? null : AwsLaunchCloud.DEFAULT_CONVERTER_INSTANCE_TYPE,
                converterThroughTemplate ? null : STAGING_SUBNET,
                converterThroughTemplate ? List.of() : List.of(CONVERTER_SECURITY_GROUP),
                URI.create("https://127.0.0.1:" + cp.port()),
                cp.caFingerprint(),
                10)),
        30_000,
        200);
  }

  /** Starts a launch (StartTest or StartCutover) and returns its job id. */
  String start(String operation, String request) throws Exception {
    return JSON.readTree(cp.call(operation, request)).path("job").path("jobID").asText();
  }

  /** A launch that went through: its job and the instance it launched. */
  record Launched(String jobId, String instanceId) {}

  /**
   * A test launch of the server that converts and boots: the conversion server reports success and
   * the target's console shows the first-boot line.
   */
  Launched bootedTestLaunch(String sourceServerId) throws Exception {
    int before = fake.instanceIds().size();
    String job = start("StartTest", "{\"sourceServerIDs\":[\"" + sourceServerId + "\"]}");
    convert(awaitInstance(before));
    String instance = awaitInstance(before + 1);
    console(instance, "liftshift-first-boot: SUCCEEDED ip=10.0.0.10");
    awaitJob(job);
    return new Launched(job, instance);
  }

  /** The job token in a conversion server's user data. */
  String conversionToken(String conversionServer) {
    String userData =
        new String(
            Base64.getDecoder().decode(fake.launchRequest(conversionServer).get("UserData")),
            StandardCharsets.UTF_8);
    Matcher token = Pattern.compile("--job-token (\\S+)").matcher(userData);
    assertThat(token.find()).as(userData).isTrue();
    return token.group(1);
  }

  /** Plays the conversion server's daemon: fetches its job and reports success. */
  JsonNode convert(String conversionServer) throws Exception {
    String token = conversionToken(conversionServer);
    JsonNode job = post("/converter/v1/job", token, "{}");
    post(
        "/converter/v1/report",
        token,
        "{\"report\":{\"status\":\"SUCCEEDED\",\"reason\":\"\",\"guest\":{\"prettyName\":"
            + "\"Debian GNU/Linux 12 (bookworm)\"},\"steps\":[]}}");
    return job;
  }

  /** The {@code index}th instance RunInstances started (0 = the first). */
  String awaitInstance(int index) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (fake.instanceIds().size() <= index) {
      assertThat(System.currentTimeMillis())
          .as("instance " + index + " launched")
          .isLessThan(deadline);
      Thread.sleep(50);
    }
    return fake.instanceIds().get(index);
  }

  /** Writes to a launched instance's serial console, as its first-boot unit does. */
  void console(String instanceId, String line) {
    fake.consoles.get(instanceId).append(line).append('\n');
  }

  JsonNode awaitJob(String jobId) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      JsonNode j = job(jobId);
      if (j.path("status").asText().equals("COMPLETED")) {
        return j;
      }
      assertThat(System.currentTimeMillis()).as(jobLog(jobId)).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  JsonNode job(String jobId) throws Exception {
    return JSON.readTree(cp.call("DescribeJobs", "{\"filters\":{\"jobIDs\":[\"" + jobId + "\"]}}"))
        .path("items")
        .get(0);
  }

  String jobLog(String jobId) throws Exception {
    return cp.call("DescribeJobLogItems", "{\"jobID\":\"" + jobId + "\"}");
  }

  JsonNode post(String path, String bearer, String body) throws Exception {
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

  /**
   * Stops the in-process control plane, its state kept in the directory, for a test that goes on
   * with a control plane in a process of its own.
   */
  void stopControlPlane() throws Exception {
    cpStopped = true;
    cp.close();
  }

  /** The directory the control plane keeps its state ({@code cp}) and CA ({@code ca}) in. */
  Path dir() {
    return dir;
  }

  @Override
  public void close() throws Exception {
    try (fake;
        ec2) {
      // the control plane stops launching before EC2 goes
      if (!cpStopped) {
        cp.close();
      }
    }
  }
}
