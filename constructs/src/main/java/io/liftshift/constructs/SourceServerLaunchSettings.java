package io.liftshift.constructs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.ec2.BlockDevice;
import software.amazon.awscdk.services.ec2.BlockDeviceVolume;
import software.amazon.awscdk.services.ec2.CfnLaunchTemplate;
import software.amazon.awscdk.services.ec2.EbsDeviceOptions;
import software.amazon.awscdk.services.ec2.EbsDeviceVolumeType;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.LaunchTemplate;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.constructs.Construct;

/**
 * EC2 launch templates for launched (test and cutover) instances: a shared default, and one per
 * source server that has its own settings. {@link MigrationLaunch} writes each server's template id
 * into its launch configuration (as the source server's {@code liftshift:launch-template} tag)
 * before it starts the launch.
 */
public final class SourceServerLaunchSettings extends Construct {
  private static final java.util.regex.Pattern SOURCE_SERVER_ID =
      java.util.regex.Pattern.compile("s-[0-9a-zA-Z]{17}");

  private final LaunchTemplate defaultTemplate;
  private final Map<String, LaunchTemplate> perServer = new LinkedHashMap<>();

  public SourceServerLaunchSettings(
      Construct scope, String id, SourceServerLaunchSettingsProps props) {
    super(scope, id);
    String c = "SourceServerLaunchSettings";
    Checks.required(props, c, "props");
    Checks.required(props.getVpc(), c, "vpc");
    LaunchSettings defaults =
        props.getDefaults() == null ? LaunchSettings.builder().build() : props.getDefaults();
    String defaultType =
        defaults.getInstanceType() == null ? "t3.medium" : defaults.getInstanceType().toString();
    Checks.instanceType(defaultType, c, "defaults.instanceType");
    EbsDeviceVolumeType defaultVolume =
        defaults.getVolumeType() == null ? EbsDeviceVolumeType.GP3 : defaults.getVolumeType();
    Map<String, String> defaultTags = defaults.getTags() == null ? Map.of() : defaults.getTags();

    SubnetSelection selection =
        props.getSubnets() != null
            ? props.getSubnets()
            : SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build();
    ISubnet subnet = props.getVpc().selectSubnets(selection).getSubnets().get(0);
    List<ISecurityGroup> groups = props.getSecurityGroups();
    if (groups.isEmpty()) {
      groups =
          List.of(
              SecurityGroup.Builder.create(this, "SecurityGroup")
                  .vpc(props.getVpc())
                  .description("launched instances: nothing in until you add rules")
                  .allowAllOutbound(true)
                  .build());
    }

    defaultTemplate = template("Default", defaultType, defaultVolume, defaultTags, subnet, groups);
    for (var e : props.getSourceServers().entrySet()) {
      String server = e.getKey();
      if (!SOURCE_SERVER_ID.matcher(server).matches()) {
        throw new IllegalArgumentException(
            c
                + ": sourceServers key '"
                + server
                + "' is not a source server id (s- and 17 characters)");
      }
      LaunchSettings s = e.getValue() == null ? LaunchSettings.builder().build() : e.getValue();
      String type = s.getInstanceType() == null ? defaultType : s.getInstanceType().toString();
      Checks.instanceType(type, c, "sourceServers." + server + ".instanceType");
      Map<String, String> tags = new LinkedHashMap<>(defaultTags);
      if (s.getTags() != null) {
        tags.putAll(s.getTags());
      }
      tags.put("liftshift:source-server", server);
      perServer.put(
          server,
          template(
              server,
              type,
              s.getVolumeType() == null ? defaultVolume : s.getVolumeType(),
              tags,
              subnet,
              groups));
    }
  }

  private LaunchTemplate template(
      String id,
      String instanceType,
      EbsDeviceVolumeType volumeType,
      Map<String, String> tags,
      ISubnet subnet,
      List<ISecurityGroup> groups) {
    LaunchTemplate t =
        LaunchTemplate.Builder.create(this, id)
            .instanceType(new InstanceType(instanceType))
            .requireImdsv2(true)
            .blockDevices(
                List.of(
                    BlockDevice.builder()
                        .deviceName("/dev/xvda")
                        .volume(
                            BlockDeviceVolume.ebs(
                                8,
                                EbsDeviceOptions.builder()
                                    .encrypted(true)
                                    .volumeType(volumeType)
                                    .build()))
                        .build()))
            .build();
    // The subnet belongs in the template's network interface, which the L2 does not expose.
    CfnLaunchTemplate cfn = (CfnLaunchTemplate) t.getNode().getDefaultChild();
    cfn.addPropertyOverride(
        "LaunchTemplateData.NetworkInterfaces",
        List.of(
            // Sorted: Map.of's order changes from one JVM to the next, and so would the template.
            new TreeMap<>(
                Map.of(
                    "DeviceIndex",
                    0,
                    "SubnetId",
                    subnet.getSubnetId(),
                    "Groups",
                    groups.stream().map(ISecurityGroup::getSecurityGroupId).toList()))));
    tags.forEach((k, v) -> Tags.of(t).add(k, v));
    return t;
  }

  /** The template a server's launches use: its own, or the shared default. */
  public LaunchTemplate templateFor(String sourceServerId) {
    return perServer.getOrDefault(sourceServerId, defaultTemplate);
  }

  public LaunchTemplate getDefaultTemplate() {
    return defaultTemplate;
  }

  /**
   * Source server id to its launch template as {@code lt-…:VERSION}, for {@link
   * MigrationLaunchProps}. The version is the one this deployment made: CloudFormation never moves
   * a template's default version, so launches name it, and a changed template reaches them.
   */
  public Map<String, String> launchTemplateIds(List<String> sourceServerIds) {
    Map<String, String> ids = new LinkedHashMap<>();
    for (String s : sourceServerIds) {
      LaunchTemplate t = templateFor(s);
      ids.put(s, t.getLaunchTemplateId() + ":" + t.getLatestVersionNumber());
    }
    return ids;
  }
}
