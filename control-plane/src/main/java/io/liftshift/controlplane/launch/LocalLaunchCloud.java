package io.liftshift.controlplane.launch;

import io.liftshift.cloud.Images;
import io.liftshift.cloud.Instances;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.local.LocalImages;
import io.liftshift.cloud.local.LocalInstances;
import io.liftshift.cloud.local.LocalSnapshots;
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
 * The embedded default: launch volumes are files, images directories, instances qemu virtual
 * machines, and a conversion server is a separate {@code liftshift converter} process working on
 * loop devices.
 */
public final class LocalLaunchCloud implements LaunchCloud {
  private final Path home;
  private final LocalImages images;
  private final LocalInstances instances;
  private final List<String> converterCommand;
  private final URI controlPlane;
  private final CaFingerprint ca;
  private final ConcurrentHashMap<String, Process> converters = new ConcurrentHashMap<>();

  /**
   * @param home where launch volumes, images, instances and conversion logs go
   * @param converterCommand how to start {@code liftshift converter} (the launcher or java -cp)
   * @param controlPlane the endpoint conversion servers fetch their job from
   */
  public LocalLaunchCloud(
      Path home,
      List<String> converterCommand,
      URI controlPlane,
      CaFingerprint ca,
      String qemuAccelerator)
      throws IOException {
    this.home = Files.createDirectories(home);
    this.images = new LocalImages(home.resolve("images"));
    this.instances =
        new LocalInstances(
            home.resolve("instances"), images, "qemu-system-x86_64", qemuAccelerator);
    this.converterCommand = List.copyOf(converterCommand);
    this.controlPlane = controlPlane;
    this.ca = ca;
  }

  @Override
  public Snapshots snapshots(ReplicatorRef replicator) throws IOException {
    if (replicator.localSnapshotsDir() == null || replicator.localSnapshotsDir().isEmpty()) {
      throw new IOException(
          "replicator "
              + replicator.replicationServerId()
              + " reported no local snapshot store (is it running with --cloud aws?)");
    }
    return LocalSnapshots.readOnly(
        Path.of(replicator.localSnapshotsDir()), home.resolve("launch-volumes"));
  }

  @Override
  public Images images() {
    return images;
  }

  @Override
  public Instances instances() {
    return instances;
  }

  @Override
  public void deleteVolume(StagingVolume volume) throws IOException {
    Files.deleteIfExists(volume.devicePath());
  }

  @Override
  public String startConversionServer(
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
  public boolean conversionServerRunning(String conversionServerId) {
    Process p = converters.get(conversionServerId);
    return p != null && p.isAlive();
  }

  @Override
  public void stopConversionServer(String conversionServerId) throws IOException {
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
  public void stopConversionServer(String conversionServerId, List<StagingVolume> volumes)
      throws IOException {
    if (converters.containsKey(conversionServerId)) {
      stopConversionServer(conversionServerId);
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

  @Override
  public Optional<String> unavailable() {
    return LocalInstances.unavailable();
  }
}
