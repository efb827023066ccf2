package io.liftshift.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.cloud.ChangedRanges;
import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.VolumeSizeMismatchException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;

/** The AWS adapter through the real SDK v2 against the EC2 contract fake on loopback. */
class AwsAdapterContractTest {
  @TempDir Path dir;
  Ec2ContractFake fake;
  Ec2Client ec2;
  AwsStagingVolumes volumes;
  AwsSnapshots snapshots;

  @BeforeEach
  void start() throws Exception {
    fake = new Ec2ContractFake();
    ec2 =
        Ec2Client.builder()
            .endpointOverride(fake.endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")))
            .httpClient(ApacheHttpClient.create())
            .build();
    InstanceMetadata imds = new InstanceMetadata(fake.endpoint());
    String instance = imds.instanceId();
    // An attached EBS volume appears as a block device; here, as a sparse file per volume id.
    volumes =
        new AwsStagingVolumes(
            ec2,
            instance,
            imds.availabilityZone(),
            AwsStagingVolumes.Settings.defaults("test-install"),
            id -> {
              Path p = dir.resolve(id);
              try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(1L << 20);
              } catch (Exception e) {
                return Optional.empty();
              }
              return Optional.of(p);
            },
            30_000,
            10);
    snapshots = new AwsSnapshots(ec2, instance, imds.availabilityZone(), "test-install", 10);
  }

  @AfterEach
  void stop() {
    ec2.close();
    fake.close();
  }

  @Test
  void imdsV2GivesThisInstancesIdentity() throws Exception {
    InstanceMetadata imds = new InstanceMetadata(fake.endpoint());
    assertThat(imds.instanceId()).isEqualTo(fake.instanceId);
    assertThat(imds.availabilityZone()).isEqualTo(fake.availabilityZone);
  }

  @Test
  void stagingVolumesAreCreatedTaggedAttachedAndFoundAgain() throws Exception {
    long size = (3L << 30) + 512;
    StagingVolume v = volumes.provision("s-1--sda", size);
    assertThat(v.created()).isTrue();
    assertThat(v.volumeId()).startsWith("vol-");
    assertThat(v.sizeBytes()).isEqualTo(size);
    assertThat(v.devicePath()).isEqualTo(dir.resolve(v.volumeId()));
    StagingVolume again = volumes.provision("s-1--sda", size);
    assertThat(again.volumeId()).isEqualTo(v.volumeId());
    assertThat(again.created()).isFalse();
    assertThatThrownBy(() -> volumes.provision("s-1--sda", size + 4096))
        .isInstanceOf(VolumeSizeMismatchException.class);
    assertThat(volumes.list()).extracting(StagingVolume::name).containsExactly("s-1--sda");
    assertThat(fake.calls()).contains("CreateVolume", "AttachVolume");
    assertThat(fake.rejectedByModel()).as("every request passed EC2's model").isZero();
  }

  @Test
  void aSnapshotSetCoversExactlyTheServersVolumesAndIsListedAndDeletedByTags() throws Exception {
    StagingVolume a = volumes.provision("s-1--sda", 1L << 30);
    StagingVolume b = volumes.provision("s-1--sdb", 2L << 30);
    volumes.provision("s-2--sda", 1L << 30); // another server's disk on the same replicator
    PointInTimeSnapshot set =
        snapshots.create(
            "s-1",
            List.of(
                new Snapshots.Source(a, ChangedRanges.ALL),
                new Snapshots.Source(b, ChangedRanges.ALL)));
    assertThat(set.volumes())
        .extracting(v -> v.volumeName())
        .containsExactlyInAnyOrder("s-1--sda", "s-1--sdb");
    assertThat(snapshots.list("s-1")).hasSize(1);
    assertThat(snapshots.list("s-1").get(0).snapshotSetId()).isEqualTo(set.snapshotSetId());
    assertThat(snapshots.list("s-2")).isEmpty();
    // Volumes for a launch are made from the snapshot, not from the staging volume.
    StagingVolume launch = snapshots.createVolume(set.volumes().get(0), "launch-s-1-sda");
    assertThat(launch.volumeId()).startsWith("vol-").isNotEqualTo(a.volumeId());
    assertThat(launch.sizeBytes()).isEqualTo(set.volumes().get(0).sizeBytes());
    snapshots.delete(set.snapshotSetId());
    assertThat(snapshots.list("s-1")).isEmpty();
    assertThat(fake.rejectedByModel()).isZero();
  }

  @Test
  void throttlingIsRetriedByTheSdkAndAccessDeniedIsASnapshotsFailureWithAwsMessage()
      throws Exception {
    StagingVolume a = volumes.provision("s-1--sda", 1L << 30);
    fake.fail("CreateSnapshots", 503, "RequestLimitExceeded", "Request limit exceeded.", 2);
    PointInTimeSnapshot set =
        snapshots.create("s-1", List.of(new Snapshots.Source(a, ChangedRanges.ALL)));
    assertThat(set.volumes()).hasSize(1);
    assertThat(fake.calls().stream().filter("CreateSnapshots"::equals).count()).isEqualTo(3);

    fake.fail(
        "CreateSnapshots",
        403,
        "UnauthorizedOperation",
        "You are not authorized to perform this operation.",
        1);
    assertThatThrownBy(
            () -> snapshots.create("s-1", List.of(new Snapshots.Source(a, ChangedRanges.ALL))))
        .isInstanceOfSatisfying(
            SnapshotFailure.class,
            f -> {
              assertThat(f.mgnErrorCode()).isEqualTo("SNAPSHOTS_FAILURE");
              assertThat(f.awsErrorCode()).isEqualTo("UnauthorizedOperation");
              assertThat(f.getMessage()).contains("You are not authorized");
            });
  }

  @Test
  void theFakeRejectsWhatEc2WouldReject() {
    assertThat(fake.validate("CreateVolumeRequest", Map.of("Size", "ten")))
        .contains("not an integer");
    assertThat(fake.validate("CreateVolumeRequest", Map.of("VolumeType", "floppy")))
        .contains("floppy");
    assertThat(fake.validate("CreateVolumeRequest", Map.of("Colour", "blue")))
        .contains("not recognized");
    assertThat(fake.validate("AttachVolumeRequest", Map.of("VolumeId", "vol-1")))
        .contains("must contain the parameter");
    assertThat(
            fake.validate(
                "CreateVolumeRequest",
                Map.of(
                    "TagSpecification.1.ResourceType",
                    "volume",
                    "TagSpecification.1.Tag.1.Key",
                    "k")))
        .isNull();
    // Through the SDK: an enum value EC2 does not know is refused by the fake like by EC2.
    assertThatThrownBy(
            () ->
                ec2.createVolume(
                    b -> b.availabilityZone("us-east-1a").size(1).volumeType("floppy")))
        .isInstanceOf(Ec2Exception.class)
        .hasMessageContaining("floppy");
  }
}
