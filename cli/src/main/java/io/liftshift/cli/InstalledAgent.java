package io.liftshift.cli;

import io.liftshift.agent.ControlPlaneLink;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.controlplane.downloads.AgentDownloads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The quickstart's agent as users get it: the control plane's installer script ({@code
 * /agent/v1/installer}, fetched with curl and piped to sh, as docs/agent-install.md says) installs
 * the bundle into a directory standing for the server's root ({@code LIFTSHIFT_AGENT_ROOT}) and
 * registers it; the agent then runs as its own process from that install, with the command line of
 * the service unit the installer wrote, as systemd would run it on a server.
 */
final class InstalledAgent implements RunningAgent {
  private static final String UNIT = "etc/systemd/system/liftshift-agent.service";

  /** The agent's status line names its change tracker: "CONTINUOUS (SCANNING tracker): ...". */
  private static final java.util.regex.Pattern TRACKER =
      java.util.regex.Pattern.compile("\\((\\S+) tracker\\)");

  private final Path root;
  private final Path disk;
  private final PrintStream out;
  private Process service;
  private Thread pump;
  private volatile String tracker = "";

  private InstalledAgent(Path root, Path disk, PrintStream out) {
    this.root = root;
    this.disk = disk;
    this.out = out;
  }

  /** Why the installer cannot run here (no bundle served, no curl), or empty. */
  static Optional<String> unavailable() {
    // Where the control plane looks (same order: option, environment, beside the jar).
    if (AgentDownloads.locate(null).bundleDir().filter(Files::isDirectory).isEmpty()) {
      return Optional.of(
          "this control plane serves no agent bundle (build it: mvn package -pl agent-bundle -am)");
    }
    for (String tool : List.of("sh", "curl", "tar", "gzip", "sha256sum")) {
      if (SystemTools.find(tool) == null) {
        return Optional.of("'" + tool + "' is not installed");
      }
    }
    return Optional.empty();
  }

  /**
   * Runs the one command: {@code curl --cacert CA https://localhost:PORT/agent/v1/installer | sh -s
   * -- --endpoint ... --install-token ... --ca-fingerprint ... --devices DISK --agent-args ...}.
   */
  static InstalledAgent install(
      Path root, ControlPlane cp, Path caCert, Path disk, String agentArgs, PrintStream out)
      throws Exception {
    SampleDisk.deleteTree(root);
    Files.createDirectories(root);
    String endpoint = "https://localhost:" + cp.port();
    String command =
        "curl -fsS --cacert "
            + caCert
            + " "
            + endpoint
            + "/agent/v1/installer | sh -s -- --endpoint "
            + endpoint
            + " --install-token TOKEN --ca-fingerprint "
            + cp.caFingerprint()
            + " --devices "
            + disk
            + " --agent-args '"
            + agentArgs
            + "' --no-prompt";
    out.println("  LIFTSHIFT_AGENT_ROOT=" + root + " " + command);
    String token = cp.createInstallToken();
    InstalledAgent agent = new InstalledAgent(root, disk, out);
    int rc =
        agent.run(
            List.of("sh", "-c", command.replace("TOKEN", "'" + token + "'")), "    installer| ");
    if (rc != 0) {
      throw new IOException("the agent installer failed (exit " + rc + "); its output is above");
    }
    return agent;
  }

  /** The installed server's state directory, where registration left its identity. */
  Path stateDir() {
    return root.resolve("var/lib/liftshift-agent");
  }

  /** The install's agent directory; gone once the agent uninstalled itself. */
  Path optDir() {
    return root.resolve("opt/liftshift-agent");
  }

  ControlPlaneLink link() throws IOException {
    return ControlPlaneLink.load(stateDir())
        .orElseThrow(() -> new IOException("the installer left no identity in " + stateDir()));
  }

  private Path launcher() {
    return optDir().resolve("current/bin/liftshift-agent");
  }

  /** One verified initial sync by the installed agent ({@code liftshift-agent --disk ...}). */
  int syncOnce(String... options) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(launcher().toString(), "--disk", disk.toString()));
    cmd.addAll(Arrays.asList(options));
    out.println("  " + String.join(" ", cmd));
    return run(cmd, "    agent| ");
  }

  /**
   * Starts the agent as its service unit says ({@code ExecStart}, its {@code /opt} under the root):
   * continuous replication, reporting to the control plane, until stopped or disconnected.
   */
  InstalledAgent startService() throws IOException {
    String exec =
        Files.readAllLines(root.resolve(UNIT), StandardCharsets.UTF_8).stream()
            .filter(l -> l.startsWith("ExecStart="))
            .findFirst()
            .orElseThrow(() -> new IOException("no ExecStart in " + root.resolve(UNIT)))
            .substring("ExecStart=".length());
    List<String> cmd = new ArrayList<>(Arrays.asList(exec.trim().split(" +")));
    cmd.set(0, root + cmd.get(0));
    out.println("  the liftshift-agent service's command (no systemd here): " + exec);
    service = start(cmd);
    pump = pump(service, "    agent| ");
    return this;
  }

  /** The change tracker the running service reported, or "the agent's" before it said. */
  @Override
  public String tracker() {
    return tracker.isEmpty() ? "the agent's" : tracker;
  }

  @Override
  public boolean ended() {
    return service != null && !service.isAlive();
  }

  /** Waits for the service to end by itself (a disconnected agent uninstalls and exits). */
  boolean awaitExit(long timeoutMillis) throws InterruptedException {
    return service == null || service.waitFor(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  private Process start(List<String> cmd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("LIFTSHIFT_AGENT_ROOT", root.toString());
    return pb.start();
  }

  private int run(List<String> cmd, String prefix) throws IOException, InterruptedException {
    Process p = start(cmd);
    Thread t = pump(p, prefix);
    int rc = p.waitFor();
    t.join(5_000);
    return rc;
  }

  /**
   * Copies a process's lines to the quickstart's output, indented; progress redraws are dropped.
   */
  private Thread pump(Process p, String prefix) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  int cr = line.lastIndexOf('\r');
                  String l = cr >= 0 ? line.substring(cr + 1) : line;
                  java.util.regex.Matcher m = TRACKER.matcher(l);
                  if (m.find()) {
                    tracker = m.group(1);
                  }
                  if (!l.isBlank()) {
                    out.println(prefix + l);
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            "installed-agent-output");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Stops the service as systemd would (SIGTERM: it saves its change state and exits). */
  @Override
  public void close() throws InterruptedException {
    if (service != null && service.isAlive()) {
      service.destroy();
      if (!service.waitFor(60, TimeUnit.SECONDS)) {
        service.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (pump != null) {
      pump.join(5_000);
    }
  }
}
