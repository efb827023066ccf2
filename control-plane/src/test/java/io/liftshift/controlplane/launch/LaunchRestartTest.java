package io.liftshift.controlplane.launch;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.cloud.aws.AwsSnapshots;
import io.liftshift.controlplane.ControlPlaneChild;
import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.PinnedCaTrustManager;
import io.liftshift.trust.ServerRole;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.Job;
import software.amazon.awssdk.services.mgn.model.JobLog;
import software.amazon.awssdk.services.mgn.model.JobLogEvent;
import software.amazon.awssdk.services.mgn.model.JobStatus;
import software.amazon.awssdk.services.mgn.model.LaunchStatus;

/**
 * A control plane killed (SIGKILL) in the middle of a test launch, its conversion server running,
 * then started again on the same database: the job it left STARTED is ended with the server's
 * launch FAILED and a log event saying why, what the launch had made is released (the conversion
 * server, the launch volume, the snapshot set's hold), and the server launches again.
 */
class LaunchRestartTest {
  @TempDir Path dir;

  private record Child(Process process, int port, String keyId, String secret) {}

  private static Child start(AwsLaunchHarness h) throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ControlPlaneChild.class.getName(),
                h.dir().resolve("cp").toString(),
                h.dir().resolve("ca").toString(),
                h.fake.endpoint().toString(),
                AwsLaunchHarness.INSTALLATION,
                h.fake.availabilityZone,
                h.converterAmi(),
                AwsLaunchHarness.STAGING_SUBNET,
                AwsLaunchHarness.CONVERTER_SECURITY_GROUP)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.startsWith("READY ")) {
      // skip anything printed before the service is up
    }
    assertThat(line).as("the control plane did not start").isNotNull();
    String[] f = line.split(" ");
    return new Child(p, Integer.parseInt(f[1]), f[2], f[3]);
  }

  private static MgnClient client(Child c, CaFingerprint ca) {
    return MgnClient.builder()
        .endpointOverride(URI.create("https://localhost:" + c.port()))
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(c.keyId(), c.secret())))
        .httpClient(
            ApacheHttpClient.builder()
                .tlsTrustManagersProvider(
                    () ->
                        new TrustManager[] {new PinnedCaTrustManager(ca, ServerRole.CONTROL_PLANE)})
                .build())
        .build();
  }

  private static void kill(Child c) throws InterruptedException {
    c.process().destroyForcibly();
    c.process().waitFor(30, TimeUnit.SECONDS);
  }

  private static Set<String> volumeIds(AwsLaunchHarness h) {
    return h.ec2.describeVolumes().volumes().stream()
        .map(Volume::volumeId)
        .collect(Collectors.toSet());
  }

  private static List<JobLog> log(MgnClient mgn, String jobId) {
    return mgn.describeJobLogItems(b -> b.jobID(jobId)).items();
  }

  @Test
  void aJobCutShortByARestartEndsAndItsServerLaunchesAgain() throws Exception {
    try (AwsLaunchHarness h = new AwsLaunchHarness(dir)) {
      String id = h.syncedSourceServer("app-01");
      h.converterAmi();
      CaFingerprint ca = h.cp.caFingerprint();
      AwsSnapshots snapshots =
          new AwsSnapshots(h.ec2, null, h.fake.availabilityZone, AwsLaunchHarness.INSTALLATION, 10);
      String snapshotSet = snapshots.list(id).get(0).snapshotSetId();
      Set<String> volumesBefore = volumeIds(h);
      h.stopControlPlane();

      Child first = start(h);
      String jobId;
      String conversionServer;
      try (MgnClient mgn = client(first, ca)) {
        jobId = mgn.startTest(b -> b.sourceServerIDs(id)).job().jobID();
        conversionServer = h.awaitInstance(0);
        long deadline = System.currentTimeMillis() + 30_000;
        while (log(mgn, jobId).stream().noneMatch(l -> l.event() == JobLogEvent.CONVERSION_START)) {
          assertThat(System.currentTimeMillis()).as("CONVERSION_START").isLessThan(deadline);
          Thread.sleep(50);
        }
        // Mid-launch: the snapshot set held, a launch volume made, the conversion server running.
        assertThat(snapshots.holders(snapshotSet)).containsExactly(jobId);
        assertThat(volumeIds(h)).hasSizeGreaterThan(volumesBefore.size());
        assertThat(mgn.describeJobs(b -> b.filters(f -> f.jobIDs(jobId))).items().get(0).status())
            .isEqualTo(JobStatus.STARTED);
      } finally {
        kill(first);
      }

      Child second = start(h);
      try (MgnClient mgn = client(second, ca)) {
        Job job = mgn.describeJobs(b -> b.filters(f -> f.jobIDs(jobId))).items().get(0);
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(job.participatingServers().get(0).launchStatus()).isEqualTo(LaunchStatus.FAILED);
        List<JobLog> events = log(mgn, jobId);
        assertThat(events)
            .anySatisfy(
                l -> {
                  assertThat(l.event()).isEqualTo(JobLogEvent.LAUNCH_FAILED);
                  assertThat(l.eventData().sourceServerID()).isEqualTo(id);
                  assertThat(l.eventData().rawError())
                      .contains("the control plane restarted during the launch")
                      .doesNotContain("not released");
                });
        assertThat(events.get(events.size() - 1).event()).isEqualTo(JobLogEvent.JOB_END);

        // What the launch had made is gone: its conversion server, its volume, its hold.
        assertThat(
                h.ec2
                    .describeInstances(b -> b.instanceIds(conversionServer))
                    .reservations()
                    .get(0)
                    .instances()
                    .get(0)
                    .state()
                    .nameAsString())
            .isIn("shutting-down", "terminated");
        assertThat(volumeIds(h)).isEqualTo(volumesBefore);
        assertThat(snapshots.holders(snapshotSet)).isEmpty();

        // The server launches again, and the ended job can be deleted.
        String again = mgn.startTest(b -> b.sourceServerIDs(id)).job().jobID();
        assertThat(again).isNotEqualTo(jobId);
        assertThat(h.awaitInstance(1)).as("the new launch's conversion server").isNotNull();
        mgn.deleteJob(b -> b.jobID(jobId));
      } finally {
        kill(second);
      }
    }
  }
}
