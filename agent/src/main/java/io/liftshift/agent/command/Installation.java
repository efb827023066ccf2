package io.liftshift.agent.command;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The agent as the installer laid it out: a release directory ({@code
 * /opt/liftshift-agent/releases/VERSION}, named by the launcher in {@code liftshift.agent.home})
 * holding the runtime, the jar and {@code bin/liftshift-agent-setup}, the installer's own copy.
 * Uninstall and upgrade both run that script, so the agent removes or replaces itself exactly as an
 * operator's {@code liftshift-agent-setup --uninstall} or a re-run of the installer would.
 */
public final class Installation {
  private static final Logger LOG = Logger.getLogger(Installation.class.getName());

  /** Set by the bundle's launcher to the release directory. */
  public static final String HOME_PROPERTY = "liftshift.agent.home";

  static final String SETUP_SCRIPT = "bin/liftshift-agent-setup";

  private Installation() {}

  /** The release directory this agent runs from; empty when not run from an installed bundle. */
  public static Optional<Path> home() {
    String h = System.getProperty(HOME_PROPERTY);
    return h == null || h.isBlank() ? Optional.empty() : Optional.of(Path.of(h));
  }

  /** The bundle's VERSION file, when installed. */
  static Optional<String> installedVersion() {
    return home()
        .map(h -> h.resolve("VERSION"))
        .filter(Files::isRegularFile)
        .flatMap(
            f -> {
              try {
                return Optional.of(Files.readString(f, StandardCharsets.UTF_8).strip());
              } catch (IOException e) {
                return Optional.empty();
              }
            });
  }

  private static Optional<Path> setupScript() {
    return home().map(h -> h.resolve(SETUP_SCRIPT)).filter(Files::isRegularFile);
  }

  /**
   * Removes the agent: the installed service, files and state through the setup script when
   * installed, else only {@code stateDir} (a developer's run). The source disks are never touched.
   *
   * @return what was removed, for the operator
   */
  public static String uninstall(Path stateDir) throws IOException, InterruptedException {
    Optional<Path> script = setupScript();
    if (script.isPresent()) {
      runSetup(script.get(), "--uninstall");
      return "the agent's service, files and state";
    }
    deleteTree(stateDir);
    return "agent state in " + stateDir;
  }

  /**
   * Upgrades to the control plane's current bundle through the setup script (download, verify,
   * atomic swap, service restart). Returns false when this agent is not an installed bundle.
   */
  static boolean upgrade() throws IOException, InterruptedException {
    Optional<Path> script = setupScript();
    if (script.isEmpty()) {
      return false;
    }
    runSetup(script.get(), "--upgrade");
    return true;
  }

  /**
   * Under systemd the script runs as a unit of its own: it stops and restarts this agent's service,
   * which would otherwise kill it with the agent (same control group). Elsewhere it runs as a child
   * and this waits for it.
   */
  private static void runSetup(Path script, String action)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    boolean underSystemd =
        System.getenv("INVOCATION_ID") != null && Files.isDirectory(Path.of("/run/systemd/system"));
    String root = System.getenv().getOrDefault("LIFTSHIFT_AGENT_ROOT", "");
    if (underSystemd) {
      cmd.addAll(
          List.of(
              "systemd-run",
              "--unit=liftshift-agent-setup-" + ProcessHandle.current().pid(),
              "--no-block",
              "--collect",
              "--setenv=LIFTSHIFT_AGENT_ROOT=" + root));
    }
    cmd.addAll(List.of("/bin/sh", script.toString(), action, "--no-prompt"));
    LOG.info("running " + String.join(" ", cmd));
    ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
    int rc = pb.start().waitFor();
    if (rc != 0) {
      throw new IOException(String.join(" ", cmd) + " failed with exit code " + rc);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
