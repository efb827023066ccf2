package io.liftshift.cloud.local;

import io.liftshift.cloud.ConversionServers;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.trust.CaFingerprint;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Conversion servers on this machine: each is a separate {@code liftshift converter} process with
 * its own work directory and log, working on loop devices. Apart from {@link LocalInstances}
 * because a converter is a process of this machine, not a virtual machine.
 */
public final class LocalConversionServers implements ConversionServers {
  private final Path home;
  private final List<String> converterCommand;
  private final URI controlPlane;
  private final CaFingerprint ca;
  private final ConcurrentHashMap<String, Process> converters = new ConcurrentHashMap<>();

  /**
   * @param home where each conversion's work directory and log go ({@code conversions/})
   * @param converterCommand how to start {@code liftshift converter} (the launcher or java -cp)
   * @param controlPlane the endpoint conversion servers fetch their job from
   */
  public LocalConversionServers(
      Path home, List<String> converterCommand, URI controlPlane, CaFingerprint ca) {
    this.home = home;
    this.converterCommand = List.copyOf(converterCommand);
    this.controlPlane = controlPlane;
    this.ca = ca;
  }

  @Override
  public String start(
      String jobId, String sourceServerId, String jobToken, List<StagingVolume> volumes)
      throws IOException {
    Path logs = Files.createDirectories(home.resolve("conversions"));
    // Its own work directory and log: the job's other servers convert at the same time.
    String conversion = jobId + "." + sourceServerId;
    List<String> cmd = new ArrayList<>(converterCommand);
    cmd.addAll(
        List.of(
            "--control-plane",
            controlPlane.toString(),
            "--job-token",
            jobToken,
            "--ca-fingerprint",
            ca.toString(),
            "--work-dir",
            Files.createDirectories(home.resolve("conversions").resolve(conversion)).toString()));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(logs.resolve(conversion + ".log").toFile())
            .start();
    String id = "conversion-" + p.pid();
    converters.put(id, p);
    return id;
  }

  @Override
  public boolean running(String conversionServerId) {
    Process p = converters.get(conversionServerId);
    return p != null && p.isAlive();
  }

  @Override
  public void stop(String conversionServerId) throws IOException {
    Process p = converters.remove(conversionServerId);
    if (p == null) {
      return;
    }
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /**
   * A converter process a previous control-plane process started outlives it: it is found by its
   * pid and stopped, if it is still a converter (a reused pid is left alone).
   */
  @Override
  public void stopLeftBehind(String conversionServerId, List<StagingVolume> volumes)
      throws IOException {
    if (converters.containsKey(conversionServerId)) {
      stop(conversionServerId);
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(conversionServerId.substring(conversionServerId.indexOf('-') + 1));
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> p =
        ProcessHandle.of(pid)
            .filter(h -> h.info().commandLine().orElse("").contains("--job-token"));
    if (p.isPresent()) {
      p.get().destroy();
      try {
        p.get().onExit().get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        p.get().destroyForcibly();
      }
    }
  }
}
