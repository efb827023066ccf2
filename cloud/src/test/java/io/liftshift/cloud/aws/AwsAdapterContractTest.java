package io.liftshift.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.cloud.ChangedRanges;
import io.liftshift.cloud.Images;
import io.liftshift.cloud.Instances;
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
    ec2 = fake.client();
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
  void aHeldSnapshotSetShowsItsHoldersUntilReleased() throws Exception {
    StagingVolume a = volumes.provision("s-1--sda", 1L << 30);
    PointInTimeSnapshot set =
        snapshots.create("s-1", List.of(new Snapshots.Source(a, ChangedRanges.ALL)));
    snapshots.hold(set.snapshotSetId(), "mgnjob-1");
    assertThat(snapshots.holders(set.snapshotSetId())).containsExactly("mgnjob-1");
    snapshots.release(set.snapshotSetId(), "mgnjob-1");
    assertThat(snapshots.holders(set.snapshotSetId())).isEmpty();
    assertThat(fake.rejectedByModel()).isZero();
  }

  @Test
  void convertedVolumesBecomeAnImageThatAnInstanceLaunchesFromThroughItsLaunchTemplate()
      throws Exception {
    AwsImages images = new AwsImages(ec2, "test-install", 10);
    AwsInstances instances = new AwsInstances(ec2, "test-install", 10);
    StagingVolume a = volumes.provision("s-1--sda", 1L << 30);
    PointInTimeSnapshot set =
        snapshots.create("s-1", List.of(new Snapshots.Source(a, ChangedRanges.ALL)));
    StagingVolume converted = snapshots.createVolume(set.volumes().get(0), "launch-s-1-sda");

    Images.Image image =
        images.register(
            "s-1-test",
            List.of(converted),
            Images.BootMode.LEGACY_BIOS,
            Map.of("liftshift:source-server", "s-1"));
    assertThat(image.imageId()).startsWith("ami-");
    assertThat(image.volumeSizesBytes()).containsExactly(1L << 30);
    assertThat(images.list(Map.of("liftshift:source-server", "s-1")))
        .extracting(Images.Image::imageId)
        .containsExactly(image.imageId());

    // A source server's template as MGN's launch settings make it: no image of its own.
    fake.launchTemplate("lt-0123456789abcdef0", new Ec2ContractFake.LaunchTemplate(null, false));
    Instances.Instance i =
        instances.launch(
            new Instances.LaunchSpec(
                "s-1-test",
                image.imageId(),
                "t3.medium",
                "lt-0123456789abcdef0",
                null,
                "subnet-0123456789abcdef0",
                List.of("sg-0123456789abcdef0"),
                List.of(),
                "#!/bin/sh\necho hello\n",
                Map.of("liftshift:job", "mgnjob-1")));
    assertThat(i.state()).isEqualTo("running");
    assertThat(i.tags()).containsEntry("liftshift:installation", "test-install");
    Map<String, String> request = fake.launchRequest(i.instanceId());
    assertThat(request)
        .containsEntry("LaunchTemplate.LaunchTemplateId", "lt-0123456789abcdef0")
        .containsEntry("ImageId", image.imageId())
        .containsEntry("MetadataOptions.HttpTokens", "required")
        .containsEntry("SubnetId", "subnet-0123456789abcdef0");
    fake.consoles.get(i.instanceId()).append("liftshift-first-boot: SUCCEEDED\n");
    assertThat(instances.consoleOutput(i.instanceId())).contains("SUCCEEDED");
    assertThat(instances.list(Map.of("liftshift:job", "mgnjob-1"))).hasSize(1);

    instances.terminate(i.instanceId());
    assertThat(instances.describe(i.instanceId()).orElseThrow().state())
        .isIn("shutting-down", "terminated");
    images.deregister(image.imageId());
    assertThat(images.describe(image.imageId())).isEmpty();
    assertThat(fake.calls())
        .contains("CreateSnapshot", "RegisterImage", "DeleteVolume", "RunInstances")
        .contains("TerminateInstances", "DeregisterImage", "GetConsoleOutput");
    assertThat(fake.rejectedByModel()).as("every request passed EC2's model").isZero();
  }

  @Test
  void aConversionServerGetsTheVolumesAttachedAndLaunchErrorsCarryAwsMessage() throws Exception {
    AwsImages images = new AwsImages(ec2, "test-install", 10);
    AwsInstances instances = new AwsInstances(ec2, "test-install", 10);
    StagingVolume a = volumes.provision("s-1--sda", 1L << 30);
    PointInTimeSnapshot set =
        snapshots.create("s-1", List.of(new Snapshots.Source(a, ChangedRanges.ALL)));
    StagingVolume toConvert = snapshots.createVolume(set.volumes().get(0), "launch-s-1-sda");
    StagingVolume seed = snapshots.createVolume(set.volumes().get(0), "converter-root");
    String converterImage =
        images
            .register("converter", List.of(seed), Images.BootMode.LEGACY_BIOS, Map.of())
            .imageId();
    Instances.Instance server =
        instances.launch(
            Instances.LaunchSpec.of("conversion-server", converterImage, "m5.large")
                .withTags(Map.of("liftshift:role", "converter")));
    assertThat(server.state()).isEqualTo("running");
    Instances.Instance withVolumes =
        instances.launch(
            new Instances.LaunchSpec(
                "conversion-server",
                converterImage,
                "m5.large",
                null,
                null,
                null,
                List.of(),
                List.of(toConvert),
                null,
                Map.of()));
    assertThat(fake.calls()).contains("AttachVolume");
    instances.terminate(withVolumes.instanceId());
    instances.terminate(server.instanceId());

    fake.fail(
        "RunInstances",
        400,
        "InsufficientInstanceCapacity",
        "We currently do not have sufficient m5.large capacity.",
        1);
    assertThatThrownBy(
            () -> instances.launch(Instances.LaunchSpec.of("x", converterImage, "m5.large")))
        .hasMessageContaining("InsufficientInstanceCapacity")
        .hasMessageContaining("sufficient m5.large capacity");
    assertThat(fake.rejectedByModel()).isZero();
  }

  @Test
  void anInstanceFromALaunchTemplateTakesItsImageTypeAndNetworkFromTheTemplate() throws Exception {
    AwsImages images = new AwsImages(ec2, "test-install", 10);
    AwsInstances instances = new AwsInstances(ec2, "test-install", 10);
    var root = ec2.createVolume(b -> b.availabilityZone(fake.availabilityZone).size(8));
    StagingVolume seed = new StagingVolume(root.volumeId(), "converter-root", 8L << 30, null, true);
    String converterImage =
        images
            .register("converter", List.of(seed), Images.BootMode.LEGACY_BIOS, Map.of())
            .imageId();
    // As the CDK's ConversionServer makes it: the image, and the subnet in a network interface.
    fake.launchTemplate(
        "lt-0c0c0c0c0c0c0c0c0", new Ec2ContractFake.LaunchTemplate(converterImage, true));
    Instances.Instance server =
        instances.launch(
            new Instances.LaunchSpec(
                "conversion-server",
                null,
                null,
                "lt-0c0c0c0c0c0c0c0c0",
                "$Latest",
                null,
                List.of(),
                List.of(),
                "#!/bin/sh\n",
                Map.of()));
    assertThat(server.imageId()).isEqualTo(converterImage);
    assertThat(fake.launchRequest(server.instanceId()))
        .containsEntry("LaunchTemplate.Version", "$Latest")
        .doesNotContainKeys("ImageId", "InstanceType", "SubnetId")
        .containsEntry("TagSpecification.1.ResourceType", "instance")
        .containsEntry("TagSpecification.2.ResourceType", "volume");
    assertThat(server.tags()).containsEntry("liftshift:installation", "test-install");
    assertThatThrownBy(
            () ->
                instances.launch(
                    new Instances.LaunchSpec(
                        "conversion-server",
                        null,
                        null,
                        "lt-0c0c0c0c0c0c0c0c0",
                        "$Latest",
                        "subnet-0123456789abcdef0",
                        List.of(),
                        List.of(),
                        null,
                        Map.of())))
        .hasMessageContaining("InvalidParameterCombination");
    assertThat(fake.rejectedByModel()).isZero();
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
