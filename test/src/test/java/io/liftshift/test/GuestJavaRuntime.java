package io.liftshift.test;

import io.liftshift.converter.inspect.Commands;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Java runtime for the source server, made with {@code jlink} from this JDK with only the modules
 * the agent needs: the source has no Java of its own.
 */
final class GuestJavaRuntime {
  /** What the agent (TLS 1.3, HTTP client, Vert.x/Netty, Jackson, picocli) loads. */
  static final String MODULES =
      "java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,"
          + "java.desktop,jdk.crypto.ec,jdk.unsupported,jdk.zipfs";

  private GuestJavaRuntime() {}

  static Path image(Path to) throws Exception {
    Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
    if (!Files.isExecutable(jlink)) {
      throw new IllegalStateException("no jlink in " + System.getProperty("java.home"));
    }
    Commands.run(
        300,
        jlink.toString(),
        "--add-modules",
        MODULES,
        "--strip-debug",
        "--no-header-files",
        "--no-man-pages",
        "--compress=2",
        "--output",
        to.toString());
    return to;
  }
}
