package io.liftshift.agent.command;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where the agent keeps its identity and change state. An installed agent's launcher sets {@code
 * LIFTSHIFT_AGENT_STATE_DIR} (/var/lib/liftshift-agent); a developer's run uses {@code
 * $LIFTSHIFT_HOME/agent}, else {@code ~/.liftshift/agent}.
 */
public final class AgentHome {
  /** Set by the installed agent's launcher. */
  public static final String STATE_DIR_ENV = "LIFTSHIFT_AGENT_STATE_DIR";

  private AgentHome() {}

  /** {@code $LIFTSHIFT_HOME}, else {@code ~/.liftshift}: the home of every liftshift role. */
  public static Path liftshiftHome() {
    String env = System.getenv("LIFTSHIFT_HOME");
    return env != null && !env.isBlank()
        ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".liftshift");
  }

  /** The agent's identity and change state. */
  public static Path stateDir() {
    String env = System.getenv(STATE_DIR_ENV);
    return env != null && !env.isBlank() ? Path.of(env) : liftshiftHome().resolve("agent");
  }

  /**
   * A stable id for this machine, from /etc/machine-id (or the host name): not from a MAC address,
   * so a replaced network card does not make the server a new one.
   */
  public static String localSourceServerId() {
    String seed;
    try {
      seed = Files.readString(Path.of("/etc/machine-id")).trim();
    } catch (IOException e) {
      seed = System.getenv().getOrDefault("HOSTNAME", "localhost");
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
      return "local-" + HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
