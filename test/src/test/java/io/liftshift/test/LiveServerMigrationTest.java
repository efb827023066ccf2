package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liftshift.cloud.local.LocalInstances;
import io.liftshift.cloud.local.LocalLaunchCloud;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.controlplane.downloads.AgentDownloads;
import io.liftshift.replicator.ReplicatorOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.Job;

/**
 * A running server migrates: the Debian fixture boots in qemu (virtio disk, user-mode network to
 * this host's loopback only), a hash-chained SQLite ledger commits record after record inside it,
 * the agent is installed in the guest by the one documented command (the installer and bundle this
 * build made, served by the control plane) and runs as a systemd service, replicating the mounted
 * root disk with the tracefs tracker in the guest's own kernel to a replicator on this host, and a
 * test launch taken while the ledger still writes boots a copy whose first boot proves the ledger
 * consistent and complete up to the moment the launch was asked for, and the agent gone from the
 * copy. Then cutover and finalize.
 */
class LiveServerMigrationTest {
  private static final String LEDGER = "/var/lib/ledger/ledger.db";
  private static final String UNIT = "liftshift-agent.service";

  /** The test's replication tuning: the kernel tracker or fail, and no Merkle pass under TCG. */
  private static final String AGENT_ARGS = "--tracker TRACEFS --no-verify";

  @TempDir Path dir;

  private static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  @Test
  void aRunningServerReplicatesAndItsLaunchedCopyHoldsConsistentData() throws Exception {
    assumeTrue(root(), "needs root (loop devices, mount, qemu, conversion in a chroot)");
    assumeTrue(
        LocalInstances.unavailable().isEmpty(),
        () -> "needs qemu: " + LocalInstances.unavailable().orElse(""));
    assumeTrue(
        Files.isRegularFile(AgentInstallerTest.DIST.resolve(AgentDownloads.INSTALLER_FILE)),
        "needs the agent bundle this build makes (agent-bundle/target/dist)");
    Map<String, Duration> phases = new LinkedHashMap<>();
    long t0 = System.nanoTime();

    Path disk = DebianFixture.copy(dir.resolve("source.img"));
    Path checkScript = resource("ledger-check");
    // The workload is what the server ran before anyone thought of migrating it; the agent is not
    // staged: the installer puts it there, below.
    SourceVm.stage(
        disk,
        dir,
        Map.of(
            resource("ledger-workload"),
            "/usr/local/bin/ledger-workload",
            checkScript,
            "/usr/local/bin/ledger-check"));
    String accel = DebianFixture.accelerator(dir);
    phases.put("staged", since(t0));

    Path launchHome = dir.resolve("launch");
    List<String> converter =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "io.liftshift.cli.Liftshift",
            "converter");
    // The control plane serves the installer and bundle this build made (GET /agent/v1/...).
    System.setProperty(AgentDownloads.BUNDLE_DIR_PROPERTY, AgentInstallerTest.DIST.toString());
    try (ControlPlane cp =
            ControlPlane.start(
                dir.resolve("cp"),
                dir.resolve("ca"),
                "127.0.0.1",
                0,
                "us-east-1",
                List.of("localhost", "127.0.0.1", SourceVm.HOST_FROM_GUEST));
        AutoCloseable vms = () -> LaunchEndToEndTest.terminateAll(launchHome)) {
      System.clearProperty(AgentDownloads.BUNDLE_DIR_PROPERTY);
      cp.enableLaunches(
          new LocalLaunchCloud(
              launchHome,
              converter,
              URI.create("https://127.0.0.1:" + cp.port()),
              cp.caFingerprint(),
              accel),
          600_000,
          120_000);
      try (ReplicationHarness h =
              new ReplicationHarness(
                  dir,
                  new ReplicatorOptions()
                      .snapshotIntervalMillis(600_000)
                      .heartbeatIntervalMillis(1000)
                      .subjectAltNames(List.of("localhost", "127.0.0.1", SourceVm.HOST_FROM_GUEST))
                      .advertisedHost(SourceVm.HOST_FROM_GUEST)
                      .controlPlane(
                          "https://localhost:" + cp.port(), cp.createReplicationServerToken()));
          MgnClient mgn = LaunchEndToEndTest.client(cp);
          SourceVm vm = SourceVm.boot(disk, dir.resolve("source-vm"), accel, 2, 1536)) {
        mgn.initializeService(b -> {});
        GuestAgentClient guest = vm.guest(300_000);
        phases.put("source booted", since(t0));
        guest.sh("findmnt -n -o SOURCE / | grep -q '^/dev/vda1$'", 30_000).orThrow("root on vda1");

        // The workload, from now on and through everything below.
        guest
            .sh(
                "setsid /usr/local/bin/ledger-workload "
                    + LEDGER
                    + " 0.05 >/var/log/ledger.log 2>&1 </dev/null &",
                30_000)
            .orThrow("starting the ledger");

        // The agent: the one command an operator types, as root in the guest, against the control
        // plane at the address the guest reaches it by. The installer verifies the CA by its
        // fingerprint, the bundle by its checksum, registers, and starts the systemd service.
        String endpoint = "https://" + SourceVm.HOST_FROM_GUEST + ":" + cp.port();
        // The guest agent answers before ifupdown has brought eth0 up: an operator logs in to a
        // server that has finished booting (running, or degraded by some unrelated unit).
        guest
            .sh("systemctl is-system-running --wait; ip -4 route show default | grep -q .", 300_000)
            .orThrow("the guest's boot finished, with its network");
        phases.put("source network up", since(t0));
        long installStart = System.nanoTime();
        GuestAgentClient.Result install =
            guest.sh(
                "curl -fsS --insecure "
                    + endpoint
                    + "/agent/v1/installer | sh -s -- --endpoint "
                    + endpoint
                    + " --install-token "
                    + cp.createInstallToken()
                    + " --ca-fingerprint "
                    + cp.caFingerprint()
                    + " --agent-args '"
                    + AGENT_ARGS
                    + "' --no-prompt",
                600_000);
        Duration installTime = since(installStart);
        System.out.println("installer in the guest:\n" + install.out() + install.err());
        install.orThrow("the one-command install");
        assertThat(install.out())
            .contains("checksum verified")
            .contains("disks: /dev/vda")
            .contains("started: journalctl -u liftshift-agent");
        phases.put("agent installed", since(t0));
        String id = sourceServerId(install.out());
        guest
            .sh("systemctl is-enabled --quiet " + UNIT + " && systemctl is-active " + UNIT, 30_000)
            .orThrow("the agent's service enabled and running");

        awaitReadyForTest(mgn, guest, id, 600_000);
        phases.put("initial sync", since(t0));

        // Continuous replication under the workload: the lag the MGN API reports, each second.
        List<Long> lags = new ArrayList<>();
        long sampleUntil = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < sampleUntil) {
          lags.add(lagSeconds(mgn, id));
          Thread.sleep(1000);
        }
        phases.put("lag sampled", since(t0));
        // Its journal by now holds the continuous-replication status line naming the tracker.
        String agentLog = journal(guest, 200);
        System.out.println("agent in the guest:\n" + agentLog);
        long rssKib =
            Long.parseLong(
                guest
                    .sh("ps -o rss= -p $(systemctl show -p MainPID --value " + UNIT + ")", 30_000)
                    .orThrow("the agent's RSS")
                    .out()
                    .strip());

        // The moment the launch is asked for: what the ledger had committed, and what the lag
        // at that moment allows to be missing.
        long lagNow = lagSeconds(mgn, id);
        String[] ledger =
            guest
                .sh(
                    "sqlite3 -batch -noheader "
                        + LEDGER
                        + " \"SELECT max(seq) FROM ledger; SELECT coalesce(max(seq), 0) FROM"
                        + " ledger WHERE ts <= strftime('%Y-%m-%dT%H:%M:%f', 'now', '-"
                        + lagNow
                        + " seconds');\"",
                    30_000)
                .orThrow("reading the ledger")
                .out()
                .strip()
                .split("\\s+");
        long committed = Long.parseLong(ledger[0]);
        // The second query runs a moment after the first: never require more than was committed.
        long required = Math.min(committed, Long.parseLong(ledger[1]));
        // The check goes with the action (the launched copy runs what the document says); its
        // verdict also goes to the serial console, where this test reads it.
        Path action =
            Files.writeString(
                cp.postLaunchScriptsDir().resolve("ledger-consistent.sh"),
                "#!/bin/sh\ncat >/run/ledger-check <<'CHECK'\n"
                    + Files.readString(checkScript)
                    + "CHECK\nsh /run/ledger-check "
                    + LEDGER
                    + " "
                    + required
                    + " >/run/ledger-check.out 2>&1\nrc=$?\ncat /run/ledger-check.out\n"
                    + "cat /run/ledger-check.out >/dev/console\nexit $rc\n");
        Files.setPosixFilePermissions(action, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path noAgent = cp.postLaunchScriptsDir().resolve("no-liftshift-agent.sh");
        Files.copy(resource("no-agent-check"), noAgent);
        Files.setPosixFilePermissions(noAgent, PosixFilePermissions.fromString("rwxr-xr-x"));
        mgn.putSourceServerAction(
            b ->
                b.sourceServerID(id)
                    .actionID("no-liftshift-agent")
                    .actionName("no liftshift agent")
                    .documentIdentifier(noAgent.toUri().toString())
                    .order(1002)
                    .timeoutSeconds(60)
                    .mustSucceedForCutover(true));
        mgn.putSourceServerAction(
            b ->
                b.sourceServerID(id)
                    .actionID("ledger-consistent")
                    .actionName("ledger consistent")
                    .documentIdentifier(action.toUri().toString())
                    .order(1001)
                    .timeoutSeconds(120)
                    .mustSucceedForCutover(true));
        Job test = LaunchEndToEndTest.launch(mgn, id, 900_000, true);
        phases.put("test launch", since(t0));
        String testLog = LaunchEndToEndTest.log(mgn, test);
        System.out.println(testLog);
        String instance = test.participatingServers().get(0).launchedEc2InstanceID();
        String console =
            DebianFixture.read(
                launchHome.resolve("instances").resolve(instance).resolve("console.log"));
        String check =
            console
                .lines()
                .filter(l -> l.contains("ledger-check:"))
                .reduce("", (a, b) -> a + b.strip() + "\n");
        System.out.printf(
            Locale.ROOT,
            "live server: committed seq %d when the launch was asked, lag then %d s, required"
                + " seq %d; the launched copy: %s%n",
            committed,
            lagNow,
            required,
            check.strip());
        assertThat(test.participatingServers().get(0).launchStatusAsString())
            .as(testLog)
            .isEqualTo("LAUNCHED");
        assertThat(LaunchEndToEndTest.events(mgn, test))
            .as("the launch took a fresh snapshot")
            .contains("SNAPSHOT_END")
            .doesNotContain("USING_PREVIOUS_SNAPSHOT");
        assertThat(console)
            .contains("liftshift-first-boot: SUCCEEDED")
            .contains("ledger-check: SUCCEEDED")
            .contains("liftshift-post-launch: 01-ledger_consistent SUCCEEDED")
            .as("the launched copy does not run the source's agent")
            .contains("no-agent-check: SUCCEEDED")
            .contains("liftshift-post-launch: 02-no_liftshift_agent SUCCEEDED");
        var fresh =
            java.util.regex.Pattern.compile("taken (\\d+) ms after the launch asked")
                .matcher(testLog);
        long freshSnapshotMillis = fresh.find() ? Long.parseLong(fresh.group(1)) : -1;

        // Cutover, then finalize: replication stops and the staging side is cleaned up.
        mgn.changeServerLifeCycleState(
            b -> b.sourceServerID(id).lifeCycle(l -> l.state("READY_FOR_CUTOVER")));
        Job cutover = LaunchEndToEndTest.launch(mgn, id, 900_000, false);
        phases.put("cutover", since(t0));
        assertThat(cutover.participatingServers().get(0).launchStatusAsString())
            .as(LaunchEndToEndTest.log(mgn, cutover))
            .isEqualTo("LAUNCHED");
        assertThat(mgn.finalizeCutover(b -> b.sourceServerID(id)).lifeCycle().stateAsString())
            .isEqualTo("CUTOVER");
        long deadline = System.currentTimeMillis() + 120_000;
        while (!h.replicator.volumes().list().isEmpty()) {
          assertThat(System.currentTimeMillis()).as("staging volumes deleted").isLessThan(deadline);
          Thread.sleep(500);
        }
        phases.put("finalized", since(t0));
        // Observed, not required: a finalized server's agent is told (HTTP 410) to remove itself.
        long gone = System.currentTimeMillis() + 30_000;
        boolean removed = false;
        while (!removed && System.currentTimeMillis() < gone) {
          removed = guest.sh("test ! -e /opt/liftshift-agent", 30_000).exitCode() == 0;
          Thread.sleep(removed ? 0 : 2000);
        }
        System.out.println(
            "live server: after finalize the source's agent "
                + (removed ? "removed itself" : "was still installed 30 s later"));

        List<Long> sorted = new ArrayList<>(lags);
        sorted.sort(null);
        System.out.printf(
            Locale.ROOT,
            "live server: one-command agent install in the guest %.1f s; agent RSS %d MiB;"
                + " replication lag under the ledger workload (lagDuration, 1 s resolution, %d"
                + " samples): p50 %d s, p99 %d s; fresh snapshot %d ms after the launch asked;"
                + " total %.0f s; phases %s%n",
            installTime.toMillis() / 1e3,
            rssKib / 1024,
            sorted.size(),
            percentile(sorted, 50),
            percentile(sorted, 99),
            freshSnapshotMillis,
            since(t0).toMillis() / 1e3,
            phases);
        assertThat(agentLog)
            .as("the real-time tracker in the guest's kernel")
            .contains("tracefs tracker");
      } finally {
        System.out.println("phases: " + phases);
      }
    }
  }

  /** Until the initial sync is done; an agent that died ends the wait with its log. */
  private static void awaitReadyForTest(
      MgnClient mgn, GuestAgentClient guest, String id, long millis) throws Exception {
    long deadline = System.currentTimeMillis() + millis;
    while (!mgn.describeSourceServers(b -> b.filters(f -> f.sourceServerIDs(id)))
        .items()
        .get(0)
        .lifeCycle()
        .stateAsString()
        .equals("READY_FOR_TEST")) {
      if (guest.sh("systemctl is-active --quiet " + UNIT, 30_000).exitCode() != 0) {
        throw new AssertionError("the agent's service in the guest stopped: " + journal(guest, 40));
      }
      assertThat(System.currentTimeMillis()).as("initial sync in time").isLessThan(deadline);
      Thread.sleep(2000);
    }
  }

  /** The agent's service journal in the guest: its own lines, newest last. */
  private static String journal(GuestAgentClient guest, int lines) throws Exception {
    return guest.sh("journalctl -u " + UNIT + " --no-pager -o cat -n " + lines, 30_000).out();
  }

  private static Duration since(long t0) {
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  private static long percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  private static long lagSeconds(MgnClient mgn, String id) {
    var info =
        mgn.describeSourceServers(b -> b.filters(f -> f.sourceServerIDs(id)))
            .items()
            .get(0)
            .dataReplicationInfo();
    String lag = info == null ? null : info.lagDuration();
    return lag == null ? -1 : Duration.parse(lag).toSeconds();
  }

  private static String sourceServerId(String installOutput) {
    var m =
        java.util.regex.Pattern.compile("registered as source server (\\S+)")
            .matcher(installOutput);
    if (!m.find()) {
      throw new AssertionError("no source server id in: " + installOutput);
    }
    return m.group(1);
  }

  private Path resource(String name) throws Exception {
    Path to = dir.resolve("resources").resolve(name);
    Files.createDirectories(to.getParent());
    try (var in = LiveServerMigrationTest.class.getResourceAsStream("/live-server/" + name)) {
      Files.copy(in, to);
    }
    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
    return to;
  }
}
