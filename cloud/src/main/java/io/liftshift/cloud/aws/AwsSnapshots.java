package io.liftshift.cloud.aws;

import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.VolumeSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CreateSnapshotsResponse;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotInfo;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.Volume;

/**
 * Point-in-time snapshots as EBS snapshots. One CreateSnapshots call covers every staging volume of
 * a source server (attached to this instance), so the snapshots are crash-consistent across them;
 * EBS makes them incremental and keeps every chain whole when one is deleted. Snapshots are found
 * again by their tags.
 */
public final class AwsSnapshots implements Snapshots {
  static final String TAG_SERVER = "liftshift:source-server";
  static final String TAG_SET = "liftshift:snapshot-set";
  static final String TAG_VOLUME = AwsStagingVolumes.TAG_NAME;
  static final String TAG_HOLD_PREFIX = "liftshift:hold:";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Ec2Client ec2;
  private final String instanceId;
  private final String installation;
  private final String availabilityZone;
  private final long pollMillis;

  public AwsSnapshots(
      Ec2Client ec2,
      String instanceId,
      String availabilityZone,
      String installation,
      long pollMillis) {
    this.ec2 = ec2;
    this.instanceId = instanceId;
    this.availabilityZone = availabilityZone;
    this.installation = installation;
    this.pollMillis = pollMillis;
  }

  @Override
  public PointInTimeSnapshot create(String sourceServerId, List<Source> volumes)
      throws IOException {
    Set<String> wanted =
        volumes.stream().map(s -> s.volume().volumeId()).collect(Collectors.toSet());
    // Every other data volume attached here is excluded: the set is exactly this server's disks.
    List<String> others = new ArrayList<>();
    for (Volume v :
        ec2.describeVolumesPaginator(
                b ->
                    b.filters(
                        Filter.builder().name("attachment.instance-id").values(instanceId).build()))
            .volumes()) {
      boolean boot =
          v.attachments().stream().anyMatch(a -> Boolean.TRUE.equals(a.deleteOnTermination()));
      if (!wanted.contains(v.volumeId()) && !boot) {
        others.add(v.volumeId());
      }
    }
    String setId = "pit-" + HexFormat.of().formatHex(bytes(9)).substring(0, 17);
    CreateSnapshotsResponse r;
    try {
      r =
          ec2.createSnapshots(
              b ->
                  b.instanceSpecification(
                          s -> {
                            s.instanceId(instanceId).excludeBootVolume(true);
                            if (!others.isEmpty()) {
                              s.excludeDataVolumeIds(others);
                            }
                          })
                      .description("liftshift point-in-time snapshot of " + sourceServerId)
                      .copyTagsFromSource("volume")
                      .tagSpecifications(
                          TagSpecification.builder()
                              .resourceType(ResourceType.SNAPSHOT)
                              .tags(
                                  tag(TAG_SERVER, sourceServerId),
                                  tag(TAG_SET, setId),
                                  tag(AwsStagingVolumes.TAG_INSTALLATION, installation))
                              .build()));
    } catch (AwsServiceException e) {
      throw SnapshotFailure.of(e);
    }
    Map<String, String> nameByVolume = new LinkedHashMap<>();
    for (Source s : volumes) {
      nameByVolume.put(s.volume().volumeId(), s.volume().name());
    }
    List<VolumeSnapshot> vs = new ArrayList<>();
    Instant at = Instant.now();
    for (SnapshotInfo i : r.snapshots()) {
      if (i.startTime() != null) {
        at = i.startTime();
      }
      vs.add(
          new VolumeSnapshot(
              i.snapshotId(),
              nameByVolume.getOrDefault(i.volumeId(), i.volumeId()),
              (long) (i.volumeSize() == null ? 0 : i.volumeSize()) << 30,
              "",
              -1,
              -1));
    }
    return new PointInTimeSnapshot(setId, sourceServerId, at, vs);
  }

  @Override
  public List<PointInTimeSnapshot> list(String sourceServerId) throws IOException {
    return sets(Filter.builder().name("tag:" + TAG_SERVER).values(sourceServerId).build());
  }

  @Override
  public Optional<PointInTimeSnapshot> find(String snapshotSetId) throws IOException {
    return sets(Filter.builder().name("tag:" + TAG_SET).values(snapshotSetId).build()).stream()
        .findFirst();
  }

  private List<PointInTimeSnapshot> sets(Filter filter) throws IOException {
    Map<String, List<Snapshot>> bySet = new LinkedHashMap<>();
    try {
      for (Snapshot s :
          ec2.describeSnapshotsPaginator(b -> b.ownerIds("self").filters(filter)).snapshots()) {
        bySet.computeIfAbsent(tagOf(s.tags(), TAG_SET), k -> new ArrayList<>()).add(s);
      }
    } catch (AwsServiceException e) {
      throw SnapshotFailure.of(e);
    }
    List<PointInTimeSnapshot> out = new ArrayList<>();
    for (Map.Entry<String, List<Snapshot>> e : bySet.entrySet()) {
      List<VolumeSnapshot> vs = new ArrayList<>();
      Instant at = Instant.EPOCH;
      String server = "";
      for (Snapshot s : e.getValue()) {
        at = s.startTime() != null && s.startTime().isAfter(at) ? s.startTime() : at;
        server = tagOf(s.tags(), TAG_SERVER);
        vs.add(
            new VolumeSnapshot(
                s.snapshotId(),
                tagOf(s.tags(), TAG_VOLUME),
                (long) (s.volumeSize() == null ? 0 : s.volumeSize()) << 30,
                "",
                -1,
                -1));
      }
      out.add(new PointInTimeSnapshot(e.getKey(), server, at, vs));
    }
    out.sort((a, b) -> a.takenAt().compareTo(b.takenAt()));
    return out;
  }

  /** EBS keeps what later snapshots need, so every snapshot of the set can simply go. */
  @Override
  public void delete(String snapshotSetId) throws IOException {
    Optional<PointInTimeSnapshot> set = find(snapshotSetId);
    if (set.isEmpty()) {
      return;
    }
    for (VolumeSnapshot v : set.get().volumes()) {
      try {
        ec2.deleteSnapshot(b -> b.snapshotId(v.snapshotId()));
      } catch (AwsServiceException e) {
        throw SnapshotFailure.of(e);
      }
    }
  }

  /** A hold is a tag {@code liftshift:hold:<holder>} on each snapshot of the set. */
  @Override
  public void hold(String snapshotSetId, String holder) throws IOException {
    List<String> ids = snapshotIds(snapshotSetId);
    if (ids.isEmpty()) {
      throw new IOException("no snapshot set " + snapshotSetId);
    }
    try {
      ec2.createTags(b -> b.resources(ids).tags(tag(TAG_HOLD_PREFIX + holder, "")));
    } catch (AwsServiceException e) {
      throw SnapshotFailure.of(e);
    }
  }

  @Override
  public void release(String snapshotSetId, String holder) throws IOException {
    List<String> ids = snapshotIds(snapshotSetId);
    if (ids.isEmpty()) {
      return;
    }
    try {
      ec2.deleteTags(b -> b.resources(ids).tags(t -> t.key(TAG_HOLD_PREFIX + holder)));
    } catch (AwsServiceException e) {
      throw SnapshotFailure.of(e);
    }
  }

  @Override
  public Set<String> holders(String snapshotSetId) throws IOException {
    Set<String> out = new java.util.TreeSet<>();
    try {
      for (Snapshot s :
          ec2.describeSnapshotsPaginator(
                  b ->
                      b.ownerIds("self")
                          .filters(
                              Filter.builder()
                                  .name("tag:" + TAG_SET)
                                  .values(snapshotSetId)
                                  .build()))
              .snapshots()) {
        s.tags().stream()
            .map(Tag::key)
            .filter(k -> k.startsWith(TAG_HOLD_PREFIX))
            .forEach(k -> out.add(k.substring(TAG_HOLD_PREFIX.length())));
      }
    } catch (AwsServiceException e) {
      throw SnapshotFailure.of(e);
    }
    return out;
  }

  private List<String> snapshotIds(String snapshotSetId) throws IOException {
    return find(snapshotSetId)
        .map(p -> p.volumes().stream().map(VolumeSnapshot::snapshotId).toList())
        .orElse(List.of());
  }

  /** On AWS a launch makes EBS volumes from the snapshot instead (CreateVolume with SnapshotId). */
  @Override
  public void restore(VolumeSnapshot snapshot, Path target) throws IOException {
    throw new IOException(
        "restoring "
            + snapshot.snapshotId()
            + " into a local file is not supported on AWS: create a volume from it (the launch"
            + " does), or use the local adapter");
  }

  /**
   * CreateVolume from the snapshot in this instance's availability zone, tagged for the launch;
   * ready (available) when returned, not attached. Its size is the snapshot's (whole GiB).
   */
  @Override
  public io.liftshift.cloud.StagingVolume createVolume(VolumeSnapshot snapshot, String name)
      throws IOException {
    if (availabilityZone == null) {
      throw new IOException("no availability zone given: volumes cannot be made from snapshots");
    }
    try {
      var r =
          ec2.createVolume(
              b ->
                  b.snapshotId(snapshot.snapshotId())
                      .availabilityZone(availabilityZone)
                      .volumeType(software.amazon.awssdk.services.ec2.model.VolumeType.GP3)
                      .tagSpecifications(
                          TagSpecification.builder()
                              .resourceType(ResourceType.VOLUME)
                              .tags(
                                  tag(AwsStagingVolumes.TAG_INSTALLATION, installation),
                                  tag("liftshift:launch-volume", name),
                                  tag("liftshift:from-snapshot", snapshot.snapshotId()))
                              .build()));
      long deadline = System.currentTimeMillis() + 600_000;
      while (true) {
        Volume v = ec2.describeVolumes(b -> b.volumeIds(r.volumeId())).volumes().get(0);
        if (v.stateAsString().equals("available")) {
          return new io.liftshift.cloud.StagingVolume(
              r.volumeId(), name, (long) v.size() << 30, null, true);
        }
        if (v.stateAsString().equals("error") || System.currentTimeMillis() > deadline) {
          throw new IOException(
              "volume "
                  + r.volumeId()
                  + " from "
                  + snapshot.snapshotId()
                  + ": "
                  + v.stateAsString());
        }
        Thread.sleep(pollMillis);
      }
    } catch (AwsServiceException e) {
      throw SnapshotFailure.of(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  static String tagOf(List<Tag> tags, String key) {
    return tags.stream().filter(t -> t.key().equals(key)).map(Tag::value).findFirst().orElse("");
  }

  static Tag tag(String key, String value) {
    return Tag.builder().key(key).value(value).build();
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
