package io.liftshift.cli;

import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.InstallationCa;
import io.liftshift.trust.ServerIdentity;
import io.liftshift.trust.ServerRole;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The replicator under test, in its own JVM so that its memory can be read. */
final class BenchReplicator implements AutoCloseable {
  final Process process;
  final int port;
  final CaFingerprint ca;
  final ServerIdentity identity;
  final Path dataDir;

  private BenchReplicator(Process p, int port, CaFingerprint ca, ServerIdentity id, Path dataDir) {
    this.process = p;
    this.port = port;
    this.ca = ca;
    this.identity = id;
    this.dataDir = dataDir;
  }

  /** The jar (or classes directory) this bench runs from. */
  static String jar() {
    return Path.of(
            InitialSyncBench.class.getProtectionDomain().getCodeSource().getLocation().getPath())
        .toString();
  }

  static BenchReplicator start(Path dataDir, Path caDir, String token, int heapMib)
      throws IOException {
    return start(dataDir, caDir, token, heapMib, List.of());
  }

  /** {@code jvmOptions} come after the launcher's defaults (native memory tracking, say). */
  static BenchReplicator start(
      Path dataDir, Path caDir, String token, int heapMib, List<String> jvmOptions)
      throws IOException {
    Files.createDirectories(dataDir);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>();
    command.add(java);
    command.add("-Xmx" + heapMib + "m");
    command.add("-XX:+UseSerialGC");
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-cp",
            jar(),
            "io.liftshift.cli.Liftshift",
            "replicator",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dataDir.toString(),
            "--ca-dir",
            caDir.toString(),
            "--agent-token",
            token));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = r.readLine()) != null) {
      if (line.startsWith("READY ")) {
        int port = Integer.parseInt(line.replaceAll(".*port=(\\d+).*", "$1"));
        CaFingerprint ca = CaFingerprint.parse(line.replaceAll(".*ca=(\\S+).*", "$1"));
        ServerIdentity id =
            InstallationCa.load(caDir)
                .ensureServerIdentity(
                    dataDir.resolve("tls"),
                    ServerRole.REPLICATOR,
                    List.of("localhost", "127.0.0.1"));
        return new BenchReplicator(p, port, ca, id, dataDir);
      }
    }
    throw new IOException("the replicator exited before it was ready");
  }

  /** Forgets earlier runs: deletes checkpoints, and the volumes too when {@code fresh}. */
  void resetStaging(boolean fresh) throws IOException {
    for (String sub : fresh ? List.of("checkpoints", "volumes") : List.of("checkpoints")) {
      Path d = dataDir.resolve(sub);
      if (Files.isDirectory(d)) {
        try (var s = Files.list(d)) {
          for (Path f : s.toList()) {
            Files.delete(f);
          }
        }
      }
    }
  }

  long rssBytes() throws IOException {
    return statusKb("VmRSS:") << 10;
  }

  long peakRssBytes() throws IOException {
    return statusKb("VmHWM:") << 10;
  }

  private long statusKb(String key) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
      if (l.startsWith(key)) {
        return Long.parseLong(l.replaceAll("\\D", ""));
      }
    }
    return -1;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor(30, TimeUnit.SECONDS);
  }
}
