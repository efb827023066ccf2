package io.liftshift.converter.inspect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs this machine's disk tools (losetup, lsblk, mount, lvm), failing with what they said. */
public final class Commands {
  private Commands() {}

  public static String run(long timeoutSeconds, String... command) throws IOException {
    return run(timeoutSeconds, List.of(command));
  }

  public static String run(long timeoutSeconds, List<String> command) throws IOException {
    List<String> cmd = new ArrayList<>(command);
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException(cmd.get(0) + " is not available: " + e.getMessage(), e);
    }
    p.getOutputStream().close();
    byte[] out;
    try {
      out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(
            String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(
          String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + text.strip());
    }
    return text;
  }
}
