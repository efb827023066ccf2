package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liftshift.cli.Liftshift;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.controlplane.downloads.AgentDownloads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The one-command installer as an operator types it ({@code curl ... /agent/v1/installer | sh -s --
 * ...}), against a real control plane on 127.0.0.1 serving the bundle this build made. The host has
 * no running systemd, so the server's paths live under a root prefix ({@code
 * LIFTSHIFT_AGENT_ROOT}): the unit is written and enabled there (systemctl --root), and starting it
 * under systemd is LiveServerMigrationTest's part. Ordered: each step starts from the previous
 * one's server, as an operator's would.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentInstallerTest {
  @TempDir static Path dir;
  static ControlPlane cp;
  static Path served;
  static Path root;
  static Path disk;
  static String bundle;

  static final Path DIST = Path.of("..", "agent-bundle", "target", "dist").toAbsolutePath();

  @BeforeAll
  static void controlPlane() throws Exception {
    assumeTrue(
        Files.isRegularFile(DIST.resolve(AgentDownloads.INSTALLER_FILE)),
        "no agent bundle in " + DIST + ": build the agent-bundle module first");
    assumeTrue(new ProcessBuilder("sh", "-c", "command -v curl").start().waitFor() == 0, "no curl");
    served = Files.createDirectories(dir.resolve("served"));
    publish(DIST);
    System.setProperty(AgentDownloads.BUNDLE_DIR_PROPERTY, served.toString());
    cp = ControlPlane.startOnLoopback(dir);
    System.clearProperty(AgentDownloads.BUNDLE_DIR_PROPERTY);
    cp.call("InitializeService", "{}");
    root = Files.createDirectories(dir.resolve("server"));
    disk = dir.resolve("disk.img");
    Files.write(disk, new byte[1 << 20]);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cp != null) {
      cp.close();
    }
  }

  /** Makes the files of {@code from} the control plane's agent downloads. */
  static void publish(Path from) throws IOException {
    try (var old = Files.list(served)) {
      for (Path p : old.toList()) {
        Files.delete(p);
      }
    }
    try (var files = Files.list(from)) {
      for (Path p : files.toList()) {
        Files.copy(p, served.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        if (p.getFileName().toString().endsWith(".tar.gz")) {
          bundle = p.getFileName().toString();
        }
      }
    }
  }

  record Run(int code, String out) {}

  static Run sh(String script, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true);
    pb.environment().put("LIFTSHIFT_AGENT_ROOT", root.toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  /** The documented one command. */
  static Run install(String token, String fingerprint) throws Exception {
    return install(token, fingerprint, "");
  }

  static Run install(String token, String fingerprint, String more) throws Exception {
    String endpoint = "https://127.0.0.1:" + cp.port();
    return sh(
        "curl -fsS --insecure "
            + endpoint
            + "/agent/v1/installer | sh -s -- --endpoint "
            + endpoint
            + " --install-token '"
            + token
            + "' --ca-fingerprint "
            + fingerprint
            + " --devices "
            + disk
            + " --tags app=erp,env=test --no-prompt"
            + more,
        Map.of());
  }

  static void assertNothingInstalled() throws IOException {
    try (var left = Files.walk(root)) {
      assertThat(left.filter(p -> !p.equals(root)).toList()).isEmpty();
    }
  }

  static Path opt() {
    return root.resolve("opt/liftshift-agent");
  }

  static Path state() {
    return root.resolve("var/lib/liftshift-agent");
  }

  static Path unit() {
    return root.resolve("etc/systemd/system/liftshift-agent.service");
  }

  @Test
  @Order(1)
  void aWrongFingerprintInstallsNothing() throws Exception {
    Run r = install(cp.createInstallToken(), "sha256:" + "ab".repeat(32));
    assertThat(r.code()).as(r.out()).isNotZero();
    assertThat(r.out()).contains("wrong CA fingerprint").contains("liftshift ca show");
    assertNothingInstalled();
  }

  @Test
  @Order(2)
  void aTamperedBundleInstallsNothing() throws Exception {
    Path b = served.resolve(bundle);
    byte[] original = Files.readAllBytes(b);
    byte[] tampered = original.clone();
    tampered[tampered.length / 2] ^= 1;
    Files.write(b, tampered);
    try {
      Run r = install(cp.createInstallToken(), cp.caFingerprint().toString());
      assertThat(r.code()).as(r.out()).isNotZero();
      assertThat(r.out()).contains("corrupt or tampered");
      assertNothingInstalled();
    } finally {
      Files.write(b, original);
    }
  }

  @Test
  @Order(3)
  void anUnreachableEndpointSaysSo() throws Exception {
    Run r =
        sh(
            "sh "
                + DIST.resolve(AgentDownloads.INSTALLER_FILE)
                + " --endpoint https://127.0.0.1:1 --install-token t --ca-fingerprint "
                + cp.caFingerprint()
                + " --devices "
                + disk
                + " --no-prompt",
            Map.of());
    assertThat(r.code()).isNotZero();
    assertThat(r.out()).contains("cannot reach the control plane");
    assertNothingInstalled();
  }

  @Test
  @Order(4)
  void aRevokedTokenInstallsNothing() throws Exception {
    String token = cp.createInstallToken();
    assertThat(
            new CommandLine(new Liftshift())
                .execute(
                    "admin",
                    "revoke-install-token",
                    "--data-dir",
                    dir.resolve("cp").toString(),
                    token))
        .isZero();
    Run r = install(token, cp.caFingerprint().toString());
    assertThat(r.code()).as(r.out()).isNotZero();
    assertThat(r.out()).contains("refused the install token").contains("create-install-token");
    assertNothingInstalled();
  }

  @Test
  @Order(5)
  void installsRegistersAndEnablesTheService() throws Exception {
    Run r = install(cp.createInstallToken(), cp.caFingerprint().toString());
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out())
        .contains("[1/7] Authenticating the control plane")
        .contains("checksum verified")
        .contains("registered as source server")
        .contains("installed");
    assertThat(Files.readSymbolicLink(opt().resolve("current")).toString())
        .isEqualTo("releases/" + Liftshift.VERSION);
    assertThat(opt().resolve("current/runtime/bin/java")).isExecutable();
    assertThat(state().resolve("agent.properties")).isRegularFile();
    assertThat(Files.readString(unit()))
        .contains(
            "ExecStart=/opt/liftshift-agent/current/bin/liftshift-agent --continuous --disk "
                + disk)
        .contains("Restart=on-failure")
        .contains("WantedBy=multi-user.target");
    assertThat(root.resolve("etc/systemd/system/multi-user.target.wants/liftshift-agent.service"))
        .isSymbolicLink();
    String servers = cp.call("DescribeSourceServers", "{}");
    assertThat(servers).contains("\"app\":\"erp\"").contains("\"env\":\"test\"");
  }

  @Test
  @Order(6)
  void aReRunIsANoOpAndTakesNewAgentArgs() throws Exception {
    String id = Files.readString(state().resolve("agent.properties"));
    String unitBefore = Files.readString(unit());
    // Words systemd would expand on the ExecStart line are refused before anything changes.
    Run bad =
        install(cp.createInstallToken(), cp.caFingerprint().toString(), " --agent-args 'x $(id)'");
    assertThat(bad.code()).as(bad.out()).isNotZero();
    assertThat(bad.out()).contains("--agent-args").contains("plain words");
    assertThat(unit()).hasContent(unitBefore);
    Run r =
        install(
            cp.createInstallToken(),
            cp.caFingerprint().toString(),
            " --agent-args '--scan-budget-mbps 50'");
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out()).contains("nothing to download").contains("already current");
    assertThat(Files.readString(unit()))
        .contains("liftshift-agent --continuous --disk " + disk + " --scan-budget-mbps 50\n");
    assertThat(Files.readString(state().resolve("agent.properties")))
        .contains(id.lines().filter(l -> l.startsWith("sourceServerID")).findFirst().orElseThrow());
  }

  @Test
  @Order(7)
  void theAgentUpgradesToTheVersionTheControlPlaneServes() throws Exception {
    // A newer bundle, as the next build would make it: the same files under version 0.1.1-next.
    Path next = Files.createDirectories(dir.resolve("next"));
    String v = "0.1.1-next";
    String name = "liftshift-agent-" + v + "-linux-x86_64";
    Run made =
        sh(
            "set -e; cd "
                + next
                + "; mkdir x; tar -xzf "
                + DIST.resolve(bundle)
                + " -C x; mv x/* x/"
                + name
                + "; echo "
                + v
                + " > x/"
                + name
                + "/VERSION; tar -C x -czf "
                + name
                + ".tar.gz "
                + name
                + "; rm -rf x; sha256sum "
                + name
                + ".tar.gz > "
                + name
                + ".tar.gz.sha256; echo "
                + v
                + " > LATEST; cp "
                + DIST.resolve(AgentDownloads.INSTALLER_FILE)
                + " .",
            Map.of());
    assertThat(made.code()).as(made.out()).isZero();
    publish(next);
    Files.writeString(state().resolve("changes.marker"), "change state survives");
    // The installed agent heartbeats while it waits to be placed on a replication server; the
    // answer names 0.1.1-next, and the agent upgrades itself (no version polling).
    Run r =
        sh(
            opt().resolve("current/bin/liftshift-agent")
                + " --reconnect-timeout-seconds 60 & pid=$!;"
                + " for i in $(seq 1 60); do [ \"$(readlink "
                + opt().resolve("current")
                + ")\" = releases/"
                + v
                + " ] && break; sleep 0.5; done; kill $pid; wait $pid; readlink "
                + opt().resolve("current"),
            Map.of());
    assertThat(r.out()).as(r.out()).contains("releases/" + v).contains("upgraded from");
    try (var releases = Files.list(opt().resolve("releases"))) {
      assertThat(releases.map(p -> p.getFileName().toString()).toList()).containsExactly(v);
    }
    assertThat(state().resolve("changes.marker")).hasContent("change state survives");
    assertThat(state().resolve("agent.properties")).isRegularFile();
    assertThat(Files.readString(unit())).as("--agent-args kept").contains("--scan-budget-mbps 50");
  }

  @Test
  @Order(8)
  void uninstallRemovesEverything() throws Exception {
    Run r = sh(opt().resolve("current/bin/liftshift-agent") + " uninstall", Map.of());
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out()).contains("liftshift agent removed");
    List<Path> left = new ArrayList<>();
    try (var walk = Files.walk(root)) {
      walk.filter(Files::isRegularFile).forEach(left::add);
    }
    assertThat(left).isEmpty();
    assertThat(opt()).doesNotExist();
    assertThat(state()).doesNotExist();
    assertThat(unit()).doesNotExist();
  }

  @Test
  @Order(9)
  void aDisconnectedAgentUninstallsItselfWhenItStarts() throws Exception {
    Run installed = install(cp.createInstallToken(), cp.caFingerprint().toString());
    assertThat(installed.code()).as(installed.out()).isZero();
    String id =
        Files.readString(state().resolve("agent.properties"))
            .lines()
            .filter(l -> l.startsWith("sourceServerID="))
            .findFirst()
            .orElseThrow()
            .substring("sourceServerID=".length());
    cp.call("DisconnectFromService", "{\"sourceServerID\":\"" + id + "\"}");
    // As systemd restarts it after a finalize: the first heartbeat's 410 ends in the uninstall,
    // not in a restart loop.
    Run r =
        sh(
            "timeout 60 "
                + opt().resolve("current/bin/liftshift-agent")
                + " --reconnect-timeout-seconds 30",
            Map.of());
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out()).contains("disconnected from the service: uninstalling the agent");
    assertThat(opt()).doesNotExist();
    assertThat(state()).doesNotExist();
    assertThat(unit()).doesNotExist();
  }
}
