package io.liftshift.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finds, installs (Debian packages, as root) and runs the system tools liftshift relies on. */
final class SystemTools {
  private SystemTools() {}

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  static Path find(String command) {
    List<String> dirs =
        new ArrayList<>(
            List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
    for (String d : dirs) {
      Path p = Path.of(d, command);
      if (!d.isEmpty() && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** Returns the command's path, installing its Debian package first when root and missing. */
  static Path require(String command, String debianPackage) throws IOException {
    Path p = find(command);
    if (p != null) {
      return p;
    }
    if (!isRoot() || find("apt-get") == null) {
      throw new IOException(
          command + " is missing: install the Debian package '" + debianPackage + "'");
    }
    System.out.println("  installing " + debianPackage + " (for " + command + ")...");
    run(List.of("apt-get", "update", "-qq"), 600);
    run(List.of("apt-get", "install", "-y", "-qq", debianPackage), 600);
    p = find(command);
    if (p == null) {
      throw new IOException("installed " + debianPackage + " but " + command + " is still missing");
    }
    return p;
  }

  /** Runs a command to completion; its output is returned, a non-zero exit is an error. */
  static String run(List<String> command, int timeoutSeconds) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    Process p = pb.start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " timed out");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IOException(
            String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + text.strip());
      }
      return text;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted", e);
    }
  }
}
