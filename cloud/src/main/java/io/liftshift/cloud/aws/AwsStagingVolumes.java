package io.liftshift.cloud.aws;

import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.StagingVolumes;
import io.liftshift.cloud.VolumeSizeMismatchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ec2.model.VolumeAttachment;
import software.amazon.awssdk.services.ec2.model.VolumeType;

/**
 * Staging volumes as EBS volumes attached to this replication server: created in its availability
 * zone (encrypted as configured), tagged with their stable name and the source disk's exact size,
 * attached, and written through their block device (found by volume id, as Nitro's NVMe names it).
 */
public final class AwsStagingVolumes implements StagingVolumes {
  static final String TAG_NAME = "liftshift:staging-volume";
  static final String TAG_SIZE = "liftshift:size-bytes";
  static final String TAG_INSTALLATION = "liftshift:installation";
  private static final long GIB = 1L << 30;

  /** How often volume states are polled while waiting for EC2. */
  public static final long DEFAULT_POLL_MILLIS = 1000;

  /** How staging volumes are made (MGN's replication configuration). */
  public record Settings(
      String installation, VolumeType volumeType, boolean encrypted, String kmsKeyId) {
    public static Settings defaults(String installation) {
      return new Settings(installation, VolumeType.GP3, true, null);
    }
  }

  private final Ec2Client ec2;
  private final String instanceId;
  private final String availabilityZone;
  private final Settings settings;
  private final Function<String, Optional<Path>> devices;
  private final long attachTimeoutMillis;
  private final long pollMillis;

  /**
   * @param devices finds the block device of an attached volume by id (default {@link
   *     #nvmeDevice}); tests give files
   */
  public AwsStagingVolumes(
      Ec2Client ec2,
      String instanceId,
      String availabilityZone,
      Settings settings,
      Function<String, Optional<Path>> devices,
      long attachTimeoutMillis,
      long pollMillis) {
    this.pollMillis = pollMillis;
    this.ec2 = ec2;
    this.instanceId = instanceId;
    this.availabilityZone = availabilityZone;
    this.settings = settings;
    this.devices = devices;
    this.attachTimeoutMillis = attachTimeoutMillis;
  }

  /** Nitro exposes an EBS volume as NVMe with serial {@code vol0123...}: by-id names it. */
  public static Optional<Path> nvmeDevice(String volumeId) {
    Path p =
        Path.of("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_" + volumeId.replace("-", ""));
    return Files.exists(p) ? Optional.of(p) : Optional.empty();
  }

  @Override
  public synchronized StagingVolume provision(String name, long sizeBytes) throws IOException {
    Optional<Volume> existing = byName(name);
    Volume v;
    boolean created = false;
    try {
      if (existing.isPresent()) {
        v = existing.get();
        long recorded = Long.parseLong(sizeTag(v));
        if (recorded != sizeBytes) {
          throw new VolumeSizeMismatchException(name, recorded, sizeBytes);
        }
      } else {
        v =
            toVolume(
                ec2.createVolume(
                    b -> {
                      b.availabilityZone(availabilityZone)
                          .size((int) ((sizeBytes + GIB - 1) / GIB))
                          .volumeType(settings.volumeType())
                          .encrypted(settings.encrypted())
                          .tagSpecifications(
                              TagSpecification.builder()
                                  .resourceType(ResourceType.VOLUME)
                                  .tags(
                                      AwsSnapshots.tag(TAG_NAME, name),
                                      AwsSnapshots.tag(TAG_SIZE, Long.toString(sizeBytes)),
                                      AwsSnapshots.tag(TAG_INSTALLATION, settings.installation()))
                                  .build());
                      if (settings.kmsKeyId() != null) {
                        b.kmsKeyId(settings.kmsKeyId());
                      }
                    }));
        created = true;
        v = awaitState(v.volumeId(), "available");
      }
      if (v.attachments().stream().noneMatch(a -> instanceId.equals(a.instanceId()))) {
        String device = freeDeviceName();
        String id = v.volumeId();
        ec2.attachVolume(b -> b.volumeId(id).instanceId(instanceId).device(device));
        v = awaitState(id, "in-use");
      }
    } catch (AwsServiceException e) {
      throw new IOException(
          "staging volume "
              + name
              + ": "
              + (e.awsErrorDetails() == null
                  ? e.getMessage()
                  : e.awsErrorDetails().errorCode() + ": " + e.awsErrorDetails().errorMessage()),
          e);
    }
    Path device = awaitDevice(v.volumeId());
    return new StagingVolume(v.volumeId(), name, sizeBytes, device, created);
  }

  private Optional<Volume> byName(String name) {
    for (Volume v :
        ec2.describeVolumesPaginator(
                b ->
                    b.filters(
                        Filter.builder().name("tag:" + TAG_NAME).values(name).build(),
                        Filter.builder()
                            .name("tag:" + TAG_INSTALLATION)
                            .values(settings.installation())
                            .build()))
            .volumes()) {
      return Optional.of(v);
    }
    return Optional.empty();
  }

  private static String sizeTag(Volume v) {
    String s = AwsSnapshots.tagOf(v.tags(), TAG_SIZE);
    return s.isEmpty() ? Long.toString((long) v.size() * GIB) : s;
  }

  private static Volume toVolume(software.amazon.awssdk.services.ec2.model.CreateVolumeResponse r) {
    return Volume.builder()
        .volumeId(r.volumeId())
        .size(r.size())
        .state(r.state())
        .tags(r.tags())
        .attachments(List.of())
        .build();
  }

  private Volume awaitState(String volumeId, String state) throws IOException {
    long deadline = System.currentTimeMillis() + attachTimeoutMillis;
    while (true) {
      Volume v = ec2.describeVolumes(b -> b.volumeIds(volumeId)).volumes().get(0);
      if (v.stateAsString().equals(state)) {
        return v;
      }
      if (v.stateAsString().equals("error")) {
        throw new IOException("EBS volume " + volumeId + " is in state error");
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IOException(
            "EBS volume " + volumeId + " still " + v.stateAsString() + ", expected " + state);
      }
      sleep();
    }
  }

  private Path awaitDevice(String volumeId) throws IOException {
    long deadline = System.currentTimeMillis() + attachTimeoutMillis;
    while (true) {
      Optional<Path> p = devices.apply(volumeId);
      if (p.isPresent()) {
        return p.get();
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IOException("attached EBS volume " + volumeId + " shows no block device");
      }
      sleep();
    }
  }

  /** The first of /dev/sdf../dev/sdz that no volume of this instance uses. */
  private String freeDeviceName() throws IOException {
    Set<String> used = new HashSet<>();
    for (Volume v :
        ec2.describeVolumesPaginator(
                b ->
                    b.filters(
                        Filter.builder().name("attachment.instance-id").values(instanceId).build()))
            .volumes()) {
      for (VolumeAttachment a : v.attachments()) {
        used.add(a.device());
      }
    }
    for (char c = 'f'; c <= 'z'; c++) {
      String d = "/dev/sd" + c;
      if (!used.contains(d)) {
        return d;
      }
    }
    throw new IOException(
        "no free device name on " + instanceId + ": a replication server takes 21 volumes at most");
  }

  private void sleep() throws IOException {
    try {
      Thread.sleep(pollMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  @Override
  public Optional<StagingVolume> find(String name) throws IOException {
    Optional<Volume> v = byName(name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new StagingVolume(
            v.get().volumeId(),
            name,
            Long.parseLong(sizeTag(v.get())),
            devices.apply(v.get().volumeId()).orElse(null),
            false));
  }

  @Override
  public List<StagingVolume> list() throws IOException {
    List<StagingVolume> out = new ArrayList<>();
    for (Volume v :
        ec2.describeVolumesPaginator(
                b ->
                    b.filters(
                        Filter.builder()
                            .name("tag:" + TAG_INSTALLATION)
                            .values(settings.installation())
                            .build()))
            .volumes()) {
      out.add(
          new StagingVolume(
              v.volumeId(),
              AwsSnapshots.tagOf(v.tags(), TAG_NAME),
              Long.parseLong(sizeTag(v)),
              devices.apply(v.volumeId()).orElse(null),
              false));
    }
    return out;
  }

  /** Detaches (if attached) and deletes the volume. */
  @Override
  public void delete(String name) throws IOException {
    Optional<Volume> v = byName(name);
    if (v.isEmpty()) {
      return;
    }
    String id = v.get().volumeId();
    if (!v.get().attachments().isEmpty()) {
      ec2.detachVolume(b -> b.volumeId(id));
      awaitState(id, "available");
    }
    ec2.deleteVolume(b -> b.volumeId(id));
  }
}
