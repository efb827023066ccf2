package io.liftshift.cdkapp;

import io.liftshift.constructs.ControlPlane;
import io.liftshift.constructs.ControlPlaneProps;
import io.liftshift.constructs.ConversionServer;
import io.liftshift.constructs.ConversionServerProps;
import io.liftshift.constructs.DaemonImage;
import io.liftshift.constructs.DaemonImageProps;
import io.liftshift.constructs.DaemonRole;
import io.liftshift.constructs.DataPlaneRouting;
import io.liftshift.constructs.ReplicationServerFleet;
import io.liftshift.constructs.ReplicationServerFleetProps;
import io.liftshift.constructs.SoftwareBucket;
import io.liftshift.constructs.SoftwareBucketProps;
import io.liftshift.constructs.StagingArea;
import io.liftshift.constructs.StagingAreaProps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.IMachineImage;
import software.constructs.Construct;

/**
 * Network, bucket, images, replication fleet, conversion servers and the control plane. The source
 * network comes from {@code -c sourceCidrs} (or {@code sourcePrefixListIds}) when given, else from
 * the {@value #SOURCE_CIDR} parameter at deploy time.
 */
public final class StagingStack extends Stack {
  /** The parameter naming the source network when the context names none. */
  public static final String SOURCE_CIDR = "SourceCidr";

  /** The build's agent downloads, published to the software bucket when present. */
  static final String AGENT_DIST = "agent-bundle/target/dist";

  /** An IPv4 CIDR block, never /0: the whole internet is no source network. */
  static final String CIDR_PATTERN =
      "^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
          + "/([1-9]|[12][0-9]|3[0-2])$";

  private final StagingArea staging;
  private final ControlPlane controlPlane;

  StagingStack(Construct scope, String id, AppConfig config) {
    super(
        scope,
        id,
        StackProps.builder()
            .description("liftshift staging area: replication fleet, conversion, control plane")
            .build());
    List<String> sourceCidrs = config.list("sourceCidrs");
    List<String> sourcePrefixListIds = config.list("sourcePrefixListIds");
    if (sourceCidrs.isEmpty() && sourcePrefixListIds.isEmpty()) {
      // Without sources in the context the template asks for one at deploy time, so that `cdk
      // synth` needs no context and a pipeline deploys the template with a parameter override.
      sourceCidrs =
          List.of(
              CfnParameter.Builder.create(this, SOURCE_CIDR)
                  .type("String")
                  .allowedPattern(CIDR_PATTERN)
                  .constraintDescription(
                      "an IPv4 CIDR block with a prefix of /1 to /32, such as 10.20.0.0/16: the"
                          + " only addresses allowed to TCP 1500 and 443")
                  .description(
                      "The source servers' network (IPv4 CIDR); -c sourceCidrs=... at synth wins")
                  .build()
                  .getValueAsString());
    }
    staging =
        new StagingArea(
            this,
            "Staging",
            StagingAreaProps.builder()
                .installation(config.string("installation", "liftshift"))
                .vpcCidr(config.string("vpcCidr", "10.128.0.0/16"))
                .sourceCidrs(sourceCidrs)
                .sourcePrefixListIds(sourcePrefixListIds)
                .dataPlaneRouting(
                    DataPlaneRouting.valueOf(
                        config.string("dataPlaneRouting", "PRIVATE_IP").toUpperCase(Locale.ROOT)))
                .vpcEndpoints(config.bool("vpcEndpoints"))
                .s3PrefixListId(config.string("s3PrefixListId"))
                .build());
    SoftwareBucket bucket =
        new SoftwareBucket(this, "Software", SoftwareBucketProps.builder().build());
    // The agent's downloads for --s3-bucket installs (docs/agent-install.md): named, or the
    // build's.
    String agentDist = config.string("agentBundleDir");
    if (agentDist != null || Files.isDirectory(Path.of(AGENT_DIST))) {
      bucket.publishAgent(agentDist != null ? agentDist : AGENT_DIST);
    }
    if (config.string("agentDownloadVpce") != null) {
      bucket.allowAgentDownloadsThrough(config.string("agentDownloadVpce"));
    }
    IMachineImage controlPlaneImage = image(config, DaemonRole.CONTROL_PLANE);
    // Conversion servers come first: the control plane launches them through their template.
    ConversionServer conversion =
        new ConversionServer(
            this,
            "ConversionServers",
            ConversionServerProps.builder()
                .staging(staging)
                .machineImage(image(config, DaemonRole.CONVERTER))
                .build());
    controlPlane =
        new ControlPlane(
            this,
            "ControlPlane",
            ControlPlaneProps.builder()
                .staging(staging)
                .softwareBucket(bucket)
                .machineImage(controlPlaneImage)
                .conversionServer(conversion)
                .build());
    new ReplicationServerFleet(
        this,
        "ReplicationServers",
        ReplicationServerFleetProps.builder()
            .staging(staging)
            .controlPlane(controlPlane)
            .softwareBucket(bucket)
            .machineImage(image(config, DaemonRole.REPLICATOR))
            .instanceType(config.string("replicationServerInstanceType", "t3.small"))
            .maxCapacity(config.integer("maxReplicationServers", 10))
            .maxDisks(
                config.integer(
                    "replicationServerMaxDisks", ReplicationServerFleet.DEFAULT_MAX_DISKS))
            .build());
  }

  /** An AMI by id or SSM parameter when configured, else one baked from the build's jar. */
  private IMachineImage image(AppConfig config, DaemonRole role) {
    String amiId = config.string("amiId");
    if (amiId != null && !amiId.isEmpty()) {
      return DaemonImage.fromAmiId(amiId);
    }
    String parameter = config.string("amiParameter");
    if (parameter != null && !parameter.isEmpty()) {
      return DaemonImage.fromSsmParameter(parameter);
    }
    String id =
        switch (role) {
          case REPLICATOR -> "ReplicatorImage";
          case CONVERTER -> "ConverterImage";
          case CONTROL_PLANE -> "ControlPlaneImage";
        };
    return new DaemonImage(
            this,
            id,
            DaemonImageProps.builder()
                .role(role)
                .staging(staging)
                .liftshiftJar(config.string("liftshiftJar", "cli/target/liftshift.jar"))
                .build())
        .getMachineImage();
  }

  public StagingArea getStaging() {
    return staging;
  }

  public ControlPlane getControlPlane() {
    return controlPlane;
  }
}
