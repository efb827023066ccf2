package io.liftshift.cloud.aws;

import io.liftshift.cloud.Instances;
import io.liftshift.cloud.StagingVolume;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.HttpTokensState;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * Instances as EC2 instances: RunInstances through the source server's launch template (the image,
 * type, subnet and security groups given override it, as MGN's launch does; those left null come
 * from the template), IMDSv2 required, the instance and its volumes tagged with the installation;
 * attached volumes go on as /dev/sdf onwards once it runs.
 */
public final class AwsInstances implements Instances {
  private final Ec2Client ec2;
  private final String installation;
  private final long pollMillis;

  public AwsInstances(Ec2Client ec2, String installation, long pollMillis) {
    this.ec2 = ec2;
    this.installation = installation;
    this.pollMillis = pollMillis;
  }

  @Override
  public Instances.Instance launch(LaunchSpec spec) throws IOException {
    Map<String, String> tags = new LinkedHashMap<>(spec.tags());
    tags.putIfAbsent("Name", spec.name());
    tags.put(AwsStagingVolumes.TAG_INSTALLATION, installation);
    List<Tag> tagList =
        tags.entrySet().stream().map(e -> AwsSnapshots.tag(e.getKey(), e.getValue())).toList();
    RunInstancesRequest.Builder b =
        RunInstancesRequest.builder()
            .minCount(1)
            .maxCount(1)
            .imageId(spec.imageId())
            .instanceType(spec.instanceType())
            .metadataOptions(m -> m.httpTokens(HttpTokensState.REQUIRED))
            .tagSpecifications(
                TagSpecification.builder()
                    .resourceType(ResourceType.INSTANCE)
                    .tags(tagList)
                    .build(),
                TagSpecification.builder().resourceType(ResourceType.VOLUME).tags(tagList).build());
    if (spec.launchTemplateId() != null) {
      String version =
          spec.launchTemplateVersion() == null ? "$Default" : spec.launchTemplateVersion();
      b.launchTemplate(t -> t.launchTemplateId(spec.launchTemplateId()).version(version));
    }
    if (spec.subnetId() != null) {
      b.subnetId(spec.subnetId());
    }
    if (!spec.securityGroupIds().isEmpty()) {
      b.securityGroupIds(spec.securityGroupIds());
    }
    if (spec.userData() != null) {
      b.userData(
          Base64.getEncoder().encodeToString(spec.userData().getBytes(StandardCharsets.UTF_8)));
    }
    String instanceId;
    try {
      instanceId = ec2.runInstances(b.build()).instances().get(0).instanceId();
    } catch (AwsServiceException e) {
      throw Ec2Errors.of("launching " + spec.name(), e);
    }
    try {
      awaitState(instanceId, "running");
      char device = 'f';
      for (StagingVolume v : spec.attachedVolumes()) {
        String name = "/dev/sd" + device++;
        ec2.attachVolume(x -> x.instanceId(instanceId).volumeId(v.volumeId()).device(name));
      }
      for (StagingVolume v : spec.attachedVolumes()) {
        awaitAttached(v.volumeId());
      }
    } catch (AwsServiceException e) {
      throw Ec2Errors.of("starting " + instanceId, e);
    }
    return describe(instanceId).orElseThrow(() -> new IOException(instanceId + " vanished"));
  }

  private void awaitState(String instanceId, String wanted) throws IOException {
    long deadline = System.currentTimeMillis() + 900_000;
    while (true) {
      String state = describe(instanceId).map(Instances.Instance::state).orElse("pending");
      if (state.equals(wanted)) {
        return;
      }
      if (state.equals("terminated") || state.equals("shutting-down")) {
        throw new IOException(instanceId + " is " + state + " instead of " + wanted);
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IOException(instanceId + " not " + wanted + " within 15 minutes: " + state);
      }
      Ec2Errors.sleep(pollMillis);
    }
  }

  private void awaitAttached(String volumeId) throws IOException {
    long deadline = System.currentTimeMillis() + 300_000;
    while (!ec2.describeVolumes(x -> x.volumeIds(volumeId))
        .volumes()
        .get(0)
        .stateAsString()
        .equals("in-use")) {
      if (System.currentTimeMillis() > deadline) {
        throw new IOException(volumeId + " not attached within 5 minutes");
      }
      Ec2Errors.sleep(pollMillis);
    }
  }

  @Override
  public Optional<Instances.Instance> describe(String instanceId) throws IOException {
    try {
      return ec2.describeInstances(b -> b.instanceIds(instanceId)).reservations().stream()
          .flatMap(r -> r.instances().stream())
          .findFirst()
          .map(AwsInstances::instance);
    } catch (AwsServiceException e) {
      if (Ec2Errors.notFound(e)) {
        return Optional.empty();
      }
      throw Ec2Errors.of("describing " + instanceId, e);
    }
  }

  @Override
  public List<Instances.Instance> list(Map<String, String> tags) throws IOException {
    List<Filter> filters = Ec2Errors.tagFilters(tags, installation);
    try {
      return ec2.describeInstancesPaginator(b -> b.filters(filters)).reservations().stream()
          .flatMap(r -> r.instances().stream())
          .map(AwsInstances::instance)
          .toList();
    } catch (AwsServiceException e) {
      throw Ec2Errors.of("listing instances", e);
    }
  }

  @Override
  public void tag(String instanceId, Map<String, String> tags) throws IOException {
    try {
      ec2.createTags(
          b ->
              b.resources(instanceId)
                  .tags(
                      tags.entrySet().stream()
                          .map(e -> AwsSnapshots.tag(e.getKey(), e.getValue()))
                          .toList()));
    } catch (AwsServiceException e) {
      throw Ec2Errors.of("tagging " + instanceId, e);
    }
  }

  @Override
  public String consoleOutput(String instanceId) throws IOException {
    try {
      String out = ec2.getConsoleOutput(b -> b.instanceId(instanceId).latest(true)).output();
      return out == null
          ? ""
          : new String(Base64.getMimeDecoder().decode(out), StandardCharsets.ISO_8859_1);
    } catch (AwsServiceException e) {
      throw Ec2Errors.of("reading the console of " + instanceId, e);
    }
  }

  @Override
  public void terminate(String instanceId) throws IOException {
    try {
      ec2.terminateInstances(b -> b.instanceIds(instanceId));
    } catch (AwsServiceException e) {
      if (!Ec2Errors.notFound(e)) {
        throw Ec2Errors.of("terminating " + instanceId, e);
      }
    }
  }

  private static Instances.Instance instance(software.amazon.awssdk.services.ec2.model.Instance i) {
    Map<String, String> tags = new LinkedHashMap<>();
    i.tags().forEach(t -> tags.put(t.key(), t.value()));
    return new Instances.Instance(
        i.instanceId(),
        tags.getOrDefault("Name", ""),
        i.state() == null ? "pending" : i.state().nameAsString(),
        i.launchTime() == null ? Instant.EPOCH : i.launchTime(),
        i.imageId(),
        i.instanceTypeAsString(),
        i.privateIpAddress(),
        tags);
  }
}
