package io.liftshift.cloud.aws;

import io.liftshift.cloud.Images;
import io.liftshift.cloud.StagingVolume;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * Images as AMIs over EBS snapshots: the converted volumes are snapshotted (CreateSnapshot), the
 * snapshots registered as an HVM image with ENA support (RegisterImage), then the volumes deleted.
 * Deregistering also deletes the image's snapshots.
 */
public final class AwsImages implements Images {
  /** Device names in registration order: the root device first. */
  private static final String ROOT_DEVICE = "/dev/xvda";

  private final Ec2Client ec2;
  private final String installation;
  private final long pollMillis;

  public AwsImages(Ec2Client ec2, String installation, long pollMillis) {
    this.ec2 = ec2;
    this.installation = installation;
    this.pollMillis = pollMillis;
  }

  @Override
  public Images.Image register(
      String name, List<StagingVolume> volumes, BootMode bootMode, Map<String, String> tags)
      throws IOException {
    if (volumes.isEmpty()) {
      throw new IllegalArgumentException("an image needs at least its boot volume");
    }
    List<Tag> all = tags(tags);
    try {
      List<String> snapshotIds = new ArrayList<>();
      for (StagingVolume v : volumes) {
        snapshotIds.add(
            ec2.createSnapshot(
                    b ->
                        b.volumeId(v.volumeId())
                            .description("liftshift image " + name + ": " + v.name())
                            .tagSpecifications(
                                TagSpecification.builder()
                                    .resourceType(ResourceType.SNAPSHOT)
                                    .tags(all)
                                    .build()))
                .snapshotId());
      }
      awaitCompleted(snapshotIds);
      List<BlockDeviceMapping> mappings = new ArrayList<>();
      for (int i = 0; i < snapshotIds.size(); i++) {
        String snapshotId = snapshotIds.get(i);
        mappings.add(
            BlockDeviceMapping.builder()
                .deviceName(i == 0 ? ROOT_DEVICE : "/dev/sd" + (char) ('b' + i - 1))
                .ebs(e -> e.snapshotId(snapshotId).volumeType("gp3").deleteOnTermination(true))
                .build());
      }
      String imageId =
          ec2.registerImage(
                  b ->
                      b.name(name)
                          .description("liftshift converted image")
                          .architecture("x86_64")
                          .virtualizationType("hvm")
                          .enaSupport(true)
                          .bootMode(bootMode == BootMode.UEFI ? "uefi" : "legacy-bios")
                          .rootDeviceName(ROOT_DEVICE)
                          .blockDeviceMappings(mappings)
                          .tagSpecifications(
                              TagSpecification.builder()
                                  .resourceType(ResourceType.IMAGE)
                                  .tags(all)
                                  .build()))
              .imageId();
      // The image now owns the content; the converted volumes are no longer needed.
      for (StagingVolume v : volumes) {
        ec2.deleteVolume(b -> b.volumeId(v.volumeId()));
      }
      return describe(imageId).orElseThrow(() -> new IOException(imageId + " vanished"));
    } catch (AwsServiceException e) {
      throw Ec2Errors.of("registering image " + name, e);
    }
  }

  private void awaitCompleted(List<String> snapshotIds) throws IOException {
    long deadline = System.currentTimeMillis() + 3_600_000;
    while (true) {
      List<Snapshot> s = ec2.describeSnapshots(b -> b.snapshotIds(snapshotIds)).snapshots();
      if (s.stream().anyMatch(x -> "error".equals(x.stateAsString()))) {
        throw new IOException("a snapshot of " + snapshotIds + " failed");
      }
      if (s.stream().allMatch(x -> "completed".equals(x.stateAsString()))) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IOException("snapshots " + snapshotIds + " not completed within an hour");
      }
      Ec2Errors.sleep(pollMillis);
    }
  }

  @Override
  public Optional<Images.Image> describe(String imageId) throws IOException {
    try {
      return ec2.describeImages(b -> b.imageIds(imageId)).images().stream()
          .findFirst()
          .map(AwsImages::image);
    } catch (AwsServiceException e) {
      if (Ec2Errors.notFound(e)) {
        return Optional.empty();
      }
      throw Ec2Errors.of("describing " + imageId, e);
    }
  }

  @Override
  public List<Images.Image> list(Map<String, String> tags) throws IOException {
    List<Filter> filters = Ec2Errors.tagFilters(tags, installation);
    try {
      return ec2.describeImages(b -> b.owners("self").filters(filters)).images().stream()
          .map(AwsImages::image)
          .toList();
    } catch (AwsServiceException e) {
      throw Ec2Errors.of("listing images", e);
    }
  }

  @Override
  public void deregister(String imageId) throws IOException {
    try {
      Optional<software.amazon.awssdk.services.ec2.model.Image> image =
          ec2.describeImages(b -> b.imageIds(imageId)).images().stream().findFirst();
      if (image.isEmpty()) {
        return;
      }
      ec2.deregisterImage(b -> b.imageId(imageId));
      for (BlockDeviceMapping m : image.get().blockDeviceMappings()) {
        if (m.ebs() != null && m.ebs().snapshotId() != null) {
          ec2.deleteSnapshot(b -> b.snapshotId(m.ebs().snapshotId()));
        }
      }
    } catch (AwsServiceException e) {
      if (Ec2Errors.notFound(e)) {
        return;
      }
      throw Ec2Errors.of("deregistering " + imageId, e);
    }
  }

  private List<Tag> tags(Map<String, String> tags) {
    Map<String, String> all = new LinkedHashMap<>(tags);
    all.put(AwsStagingVolumes.TAG_INSTALLATION, installation);
    return all.entrySet().stream().map(e -> AwsSnapshots.tag(e.getKey(), e.getValue())).toList();
  }

  private static Images.Image image(software.amazon.awssdk.services.ec2.model.Image i) {
    Map<String, String> tags = new LinkedHashMap<>();
    i.tags().forEach(t -> tags.put(t.key(), t.value()));
    List<Long> sizes = new ArrayList<>();
    for (BlockDeviceMapping m : i.blockDeviceMappings()) {
      if (m.ebs() != null && m.ebs().volumeSize() != null) {
        sizes.add((long) m.ebs().volumeSize() << 30);
      }
    }
    return new Images.Image(
        i.imageId(),
        i.name(),
        "uefi".equals(i.bootModeAsString()) ? BootMode.UEFI : BootMode.LEGACY_BIOS,
        sizes,
        tags,
        i.creationDate() == null ? Instant.EPOCH : Instant.parse(i.creationDate()));
  }
}
