package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liftshift.agent.ControlPlaneLink;
import io.liftshift.agent.SyncListener;
import io.liftshift.cloud.local.LocalInstances;
import io.liftshift.cloud.local.LocalLaunchCloud;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.replicator.ReplicatorOptions;
import io.liftshift.trust.PinnedCaTrustManager;
import io.liftshift.trust.ServerRole;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.Job;
import software.amazon.awssdk.services.mgn.model.JobLog;

/**
 * The launch, end to end, on the real Debian fixture: replicated by the agent, snapshotted by the
 * replicator, StartTest through the official MGN client, converted by a separate {@code liftshift
 * converter} process on loop devices, booted as an NVMe qemu instance that reports its first boot
 * with a DHCP address; a relaunch replaces the first copy; a disk with no Linux on it fails
 * conversion with a reason while replication goes on.
 */
class LaunchEndToEndTest {
  @TempDir Path dir;

  private static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  @Test
  void theUnconvertedImageDoesNotFindItsRootOnNvme() throws Exception {
    assumeTrue(root() && LocalInstances.unavailable().isEmpty(), "needs root and qemu");
    io.liftshift.cli.BootableSample.Boot b = DebianFixture.boot(dir.resolve("boot"));
    assertThat(b.cmdline()).contains("root=/dev/vda1");
    Path console = dir.resolve("unconverted.log");
    // The image's own kernel, initramfs and GRUB arguments; only a console to watch it is added
    // (and a short root wait, instead of the initramfs's 180 s).
    Process q =
        new ProcessBuilder(
                "qemu-system-x86_64",
                "-machine",
                "q35,accel=" + DebianFixture.accelerator(dir),
                "-cpu",
                "qemu64",
                "-m",
                "1024",
                "-display",
                "none",
                "-monitor",
                "none",
                "-no-reboot",
                "-serial",
                "file:" + console,
                "-drive",
                "file=" + DebianFixture.image() + ",format=raw,if=none,id=d0,readonly=on",
                "-device",
                "nvme,drive=d0,serial=vol0",
                "-kernel",
                b.kernel().toString(),
                "-initrd",
                b.initrd().toString(),
                "-append",
                b.cmdline() + " console=ttyS0 rootdelay=5")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("qemu.log").toFile())
            .start();
    try {
      long deadline = System.currentTimeMillis() + 240_000;
      while (!DebianFixture.read(console).contains("does not exist")) {
        assertThat(System.currentTimeMillis())
            .as("the initramfs gives up on /dev/vda1: " + tail(DebianFixture.read(console)))
            .isLessThan(deadline);
        Thread.sleep(500);
      }
      assertThat(DebianFixture.read(console))
          .contains("/dev/vda1 does not exist")
          .doesNotContain("liftshift-first-boot");
    } finally {
      q.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static String tail(String s) {
    return s.length() > 1500 ? s.substring(s.length() - 1500) : s;
  }

  @Test
  void testThenCutoverThenFinalizeBootTheServerAndLeaveNothingBehind() throws Exception {
    assumeTrue(root() && LocalInstances.unavailable().isEmpty(), "needs root and qemu");
    Path disk = DebianFixture.copy(dir.resolve("debian.img"));
    Path launchHome = dir.resolve("launch");
    List<String> converter =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "io.liftshift.cli.Liftshift",
            "converter");
    try (ControlPlane cp = ControlPlane.startOnLoopback(dir);
        AutoCloseable vms = () -> terminateAll(launchHome)) {
      cp.enableLaunches(
          new LocalLaunchCloud(
              launchHome,
              converter,
              URI.create("https://127.0.0.1:" + cp.port()),
              cp.caFingerprint(),
              DebianFixture.accelerator(dir)),
          600_000,
          60_000);
      try (ReplicationHarness h =
              new ReplicationHarness(
                  dir,
                  new ReplicatorOptions()
                      .snapshotIntervalMillis(600_000)
                      .heartbeatIntervalMillis(1000)
                      .advertisedHost("127.0.0.1")
                      .controlPlane(
                          "https://localhost:" + cp.port(), cp.createReplicationServerToken()));
          MgnClient mgn = client(cp)) {
        mgn.initializeService(b -> {});
        ControlPlaneLink link = ReplicatingAgent.register(cp, disk, dir.resolve("agent"));
        String id = link.identity().sourceServerId();
        try (ReplicatingAgent agent =
            new ReplicatingAgent(
                link,
                disk,
                dir.resolve("agent"),
                new SyncListener() {},
                o -> o.scanPassIntervalMillis(1000))) {
          awaitLifeCycle(mgn, id, "READY_FOR_TEST", 300_000);

          // A damaged root filesystem (its superblock zeroed on the source, replicated): the
          // conversion fails with the reason; snapshots and replication are untouched.
          long superblock = (2048L * 512) + 1024;
          byte[] good = new byte[1024];
          try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            f.seek(superblock);
            f.readFully(good);
            f.seek(superblock);
            f.write(new byte[1024]);
          }
          awaitStaged(h, superblock, new byte[1024]);
          Job broken = launch(mgn, id, 600_000, true);
          assertThat(broken.participatingServers().get(0).launchStatusAsString())
              .isEqualTo("FAILED");
          assertThat(events(mgn, broken)).contains("CONVERSION_START", "CONVERSION_FAIL");
          assertThat(log(mgn, broken)).contains("no Linux root filesystem");
          int snapshotsAfterFailure = h.replicator.snapshots().orElseThrow().list(id).size();
          assertThat(snapshotsAfterFailure).isPositive();
          for (var snap : h.replicator.snapshots().orElseThrow().list(id)) {
            assertThat(h.replicator.snapshots().orElseThrow().holders(snap.snapshotSetId()))
                .as("the failed launch released its snapshot")
                .isEmpty();
          }
          try (var volumes = Files.list(launchHome.resolve("launch-volumes"))) {
            assertThat(volumes.toList()).as("the failed launch's volumes are deleted").isEmpty();
          }
          // Repaired on the source: replication carries the fix and the retry launches.
          try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            f.seek(superblock);
            f.write(good);
          }
          awaitStaged(h, superblock, good);

          // A post-launch action: a script that the migrated server runs at its first boot.
          Path smoke =
              Files.writeString(
                  cp.postLaunchScriptsDir().resolve("root-on-nvme.sh"),
                  "#!/bin/sh\nfindmnt -n -o SOURCE / | grep nvme\n");
          mgn.putSourceServerAction(
              b ->
                  b.sourceServerID(id)
                      .actionID("root-on-nvme")
                      .actionName("root on nvme")
                      .documentIdentifier(smoke.toUri().toString())
                      .order(1001)
                      .timeoutSeconds(60)
                      .mustSucceedForCutover(true));
          Job first = launch(mgn, id, 900_000, true);
          Map<String, Instant> phases = phases(mgn, first);
          System.out.println("launch phases of the Debian fixture: " + durations(phases));
          String firstInstance = first.participatingServers().get(0).launchedEc2InstanceID();
          assertThat(first.participatingServers().get(0).launchStatusAsString())
              .as(log(mgn, first))
              .isEqualTo("LAUNCHED");
          assertThat(phases)
              .containsKeys("SNAPSHOT_START", "CONVERSION_START", "CONVERSION_END", "LAUNCH_START");
          assertThat(
                  mgn.describeSourceServers(b -> b.filters(f -> f.sourceServerIDs(id)))
                      .items()
                      .get(0)
                      .launchedInstance()
                      .firstBootAsString())
              .isEqualTo("SUCCEEDED");
          String console =
              DebianFixture.read(
                  launchHome.resolve("instances").resolve(firstInstance).resolve("console.log"));
          assertThat(console).contains("liftshift-first-boot: SUCCEEDED").contains("ip=10.0.2.15");
          assertThat(console).contains("liftshift-post-launch: 01-root_on_nvme SUCCEEDED");
          assertThat(
                  first
                      .participatingServers()
                      .get(0)
                      .postLaunchActionsStatus()
                      .postLaunchActionsLaunchStatusList()
                      .get(0)
                      .executionStatusAsString())
              .isEqualTo("SUCCESS");

          // The cutover launch replaces the test copy: it is terminated and its image deleted.
          mgn.changeServerLifeCycleState(
              b -> b.sourceServerID(id).lifeCycle(l -> l.state("READY_FOR_CUTOVER")));
          // Through the CLI, which follows the job and prints each post-launch action's outcome.
          var key = cp.accessKeys().create();
          System.setProperty("aws.accessKeyId", key.accessKeyId());
          System.setProperty("aws.secretAccessKey", key.secretAccessKey());
          String printed;
          try {
            printed =
                CliRunner.run(
                    "launch",
                    "cutover",
                    id,
                    "--endpoint",
                    "https://localhost:" + cp.port(),
                    "--ca-fingerprint",
                    cp.caFingerprint().toString());
          } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
          }
          assertThat(printed)
              .contains(id + ": LAUNCHED")
              .contains("post-launch action root on nvme: SUCCESS");
          Job second =
              mgn.describeJobs(b -> b.filters(f -> f.jobIDs(List.of()))).items().stream()
                  .filter(j -> j.initiatedByAsString().equals("START_CUTOVER"))
                  .findFirst()
                  .orElseThrow();
          assertThat(second.participatingServers().get(0).launchStatusAsString())
              .as(log(mgn, second))
              .isEqualTo("LAUNCHED");
          assertThat(events(mgn, second)).contains("CLEANUP_START", "CLEANUP_END");
          assertThat(
                  Files.exists(
                      launchHome.resolve("instances").resolve(firstInstance).resolve("terminated")))
              .isTrue();
          try (var images = Files.list(launchHome.resolve("images"))) {
            assertThat(images.toList()).hasSize(1);
          }
          try (var volumes = Files.list(launchHome.resolve("launch-volumes"))) {
            assertThat(volumes.toList()).as("launch volumes became the image").isEmpty();
          }
          assertThat(
                  ProcessHandle.allProcesses()
                      .filter(p -> p.info().commandLine().orElse("").contains(" converter "))
                      .count())
              .as("no conversion server left running")
              .isZero();

          // Finalize: replication stops; the replicator deletes the staging volume and every
          // snapshot, and the cutover job's log shows the cleanup.
          assertThat(mgn.finalizeCutover(b -> b.sourceServerID(id)).lifeCycle().stateAsString())
              .isEqualTo("CUTOVER");
          long deadline = System.currentTimeMillis() + 120_000;
          while (!events(mgn, second).contains("CLEANUP_END")
              || events(mgn, second).stream().filter("CLEANUP_END"::equals).count() < 2) {
            assertThat(System.currentTimeMillis()).as(log(mgn, second)).isLessThan(deadline);
            Thread.sleep(500);
          }
          assertThat(h.replicator.volumes().list()).isEmpty();
          assertThat(h.replicator.snapshots().orElseThrow().list(id)).isEmpty();
          assertThat(
                  new LocalInstances(launchHome.resolve("instances"), null)
                      .describe(second.participatingServers().get(0).launchedEc2InstanceID())
                      .orElseThrow()
                      .state())
              .as("the cutover instance stays")
              .isEqualTo("running");
          new LocalInstances(launchHome.resolve("instances"), null)
              .terminate(second.participatingServers().get(0).launchedEc2InstanceID());
        }
      }
    }
  }

  /** Whatever happened, no virtual machine of this test outlives it. */
  static void terminateAll(Path launchHome) throws Exception {
    if (Files.isDirectory(launchHome.resolve("instances"))) {
      LocalInstances all = new LocalInstances(launchHome.resolve("instances"), null);
      for (var i : all.list(Map.of())) {
        all.terminate(i.instanceId());
      }
    }
  }

  /** Waits until the staging volume holds {@code bytes} at {@code offset}. */
  static void awaitStaged(ReplicationHarness h, long offset, byte[] bytes) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (true) {
      byte[] now = new byte[bytes.length];
      try (var f =
          new java.io.RandomAccessFile(
              h.replicator.volumes().list().get(0).devicePath().toFile(), "r")) {
        f.seek(offset);
        f.readFully(now);
      }
      if (java.util.Arrays.equals(now, bytes)) {
        return;
      }
      assertThat(System.currentTimeMillis()).as("replicated in time").isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  static MgnClient client(ControlPlane cp) throws Exception {
    var key = cp.accessKeys().create();
    return MgnClient.builder()
        .endpointOverride(URI.create("https://localhost:" + cp.port()))
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey())))
        .httpClient(
            ApacheHttpClient.builder()
                .tlsTrustManagersProvider(
                    () ->
                        new TrustManager[] {
                          new PinnedCaTrustManager(cp.caFingerprint(), ServerRole.CONTROL_PLANE)
                        })
                .build())
        .build();
  }

  static void awaitLifeCycle(MgnClient mgn, String id, String state, long millis) throws Exception {
    long deadline = System.currentTimeMillis() + millis;
    while (true) {
      String now =
          mgn.describeSourceServers(b -> b.filters(f -> f.sourceServerIDs(id)))
              .items()
              .get(0)
              .lifeCycle()
              .stateAsString();
      if (now.equals(state)) {
        return;
      }
      assertThat(System.currentTimeMillis())
          .as("lifecycle " + now + ", waiting for " + state)
          .isLessThan(deadline);
      Thread.sleep(500);
    }
  }

  static Job launch(MgnClient mgn, String id, long millis, boolean test) throws Exception {
    String jobId =
        test
            ? mgn.startTest(b -> b.sourceServerIDs(id)).job().jobID()
            : mgn.startCutover(b -> b.sourceServerIDs(id)).job().jobID();
    long deadline = System.currentTimeMillis() + millis;
    while (true) {
      Job j = mgn.describeJobs(b -> b.filters(f -> f.jobIDs(jobId))).items().get(0);
      if (j.statusAsString().equals("COMPLETED")) {
        return j;
      }
      assertThat(System.currentTimeMillis()).as(log(mgn, j)).isLessThan(deadline);
      Thread.sleep(1000);
    }
  }

  static List<String> events(MgnClient mgn, Job j) {
    List<String> out = new ArrayList<>();
    for (JobLog l : mgn.describeJobLogItems(b -> b.jobID(j.jobID())).items()) {
      out.add(l.eventAsString());
    }
    return out;
  }

  static String log(MgnClient mgn, Job j) {
    StringBuilder b = new StringBuilder("job " + j.jobID() + ":\n");
    for (JobLog l : mgn.describeJobLogItems(x -> x.jobID(j.jobID())).items()) {
      b.append("  ").append(l.logDateTime()).append(' ').append(l.eventAsString());
      if (l.eventData() != null) {
        b.append(' ').append(l.eventData());
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** When each event first happened. */
  static Map<String, Instant> phases(MgnClient mgn, Job j) {
    Map<String, Instant> out = new LinkedHashMap<>();
    for (JobLog l : mgn.describeJobLogItems(b -> b.jobID(j.jobID())).items()) {
      out.putIfAbsent(l.eventAsString(), Instant.parse(l.logDateTime()));
    }
    return out;
  }

  static String durations(Map<String, Instant> p) {
    List<String> names = new ArrayList<>(p.keySet());
    StringBuilder b = new StringBuilder();
    for (int i = 1; i < names.size(); i++) {
      b.append(names.get(i - 1))
          .append("→")
          .append(names.get(i))
          .append(' ')
          .append(Duration.between(p.get(names.get(i - 1)), p.get(names.get(i))).toMillis())
          .append(" ms; ");
    }
    return b.toString();
  }
}
