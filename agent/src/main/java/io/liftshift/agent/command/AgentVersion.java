package io.liftshift.agent.command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The agent build's version, as the control plane compares it to decide on an upgrade. */
public final class AgentVersion implements CommandLine.IVersionProvider {
  private static final String VERSION = load();

  /** This build's version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String current() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = AgentVersion.class.getResourceAsStream("agent-version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      // An installed bundle may be re-versioned by its VERSION file (the bundle is the unit).
      String installed = Installation.installedVersion().orElse(null);
      return installed != null ? installed : p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {"liftshift-agent " + VERSION, "Java " + Runtime.version()};
  }
}
