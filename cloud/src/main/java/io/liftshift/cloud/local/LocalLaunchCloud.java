package io.liftshift.cloud.local;

import io.liftshift.cloud.ConversionServers;
import io.liftshift.cloud.Images;
import io.liftshift.cloud.Instances;
import io.liftshift.cloud.LaunchCloud;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.trust.CaFingerprint;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The embedded default: launch volumes are files, images directories, instances qemu virtual
 * machines, and a conversion server is a separate {@code liftshift converter} process ({@link
 * LocalConversionServers}).
 */
public final class LocalLaunchCloud implements LaunchCloud {
  private final Path home;
  private final LocalImages images;
  private final LocalInstances instances;
  private final LocalConversionServers conversionServers;

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
    this.conversionServers = new LocalConversionServers(home, converterCommand, controlPlane, ca);
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
  public ConversionServers conversionServers() {
    return conversionServers;
  }

  @Override
  public void deleteVolume(StagingVolume volume) throws IOException {
    Files.deleteIfExists(volume.devicePath());
  }

  @Override
  public Optional<String> unavailable() {
    return LocalInstances.unavailable();
  }
}
