package io.liftshift.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Default locations: {@code $LIFTSHIFT_HOME}, else {@code ~/.liftshift}. */
final class Home {
  private Home() {}

  static Path dir() {
    String env = System.getenv("LIFTSHIFT_HOME");
    return env != null && !env.isBlank()
        ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".liftshift");
  }

  static Path caDir() {
    return dir().resolve("ca");
  }

  /**
   * A stable id for this machine, from /etc/machine-id (or the host name): not from a MAC address,
   * so a replaced network card does not make the server a new one.
   */
  static String localSourceServerId() {
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
