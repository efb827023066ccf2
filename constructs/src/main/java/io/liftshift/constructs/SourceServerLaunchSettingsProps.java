package io.liftshift.constructs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;

/** Props of {@link SourceServerLaunchSettings}. */
// @default is aws-cdk's tag for a prop's default; its readers look for it.
@SuppressWarnings("InvalidBlockTag")
public final class SourceServerLaunchSettingsProps {
  private final IVpc vpc;
  private final SubnetSelection subnets;
  private final List<ISecurityGroup> securityGroups;
  private final LaunchSettings defaults;
  private final Map<String, LaunchSettings> sourceServers;

  private SourceServerLaunchSettingsProps(Builder b) {
    vpc = b.vpc;
    subnets = b.subnets;
    securityGroups = b.securityGroups == null ? List.of() : List.copyOf(b.securityGroups);
    defaults = b.defaults;
    sourceServers = b.sourceServers == null ? Map.of() : new LinkedHashMap<>(b.sourceServers);
  }

  public static Builder builder() {
    return new Builder();
  }

  public IVpc getVpc() {
    return vpc;
  }

  public SubnetSelection getSubnets() {
    return subnets;
  }

  public List<ISecurityGroup> getSecurityGroups() {
    return securityGroups;
  }

  public LaunchSettings getDefaults() {
    return defaults;
  }

  public Map<String, LaunchSettings> getSourceServers() {
    return sourceServers;
  }

  /** Builds {@link SourceServerLaunchSettingsProps}. */
  public static final class Builder {
    private IVpc vpc;
    private SubnetSelection subnets;
    private List<ISecurityGroup> securityGroups;
    private LaunchSettings defaults;
    private Map<String, LaunchSettings> sourceServers;

    private Builder() {}

    /** The VPC launched instances go to (required). */
    public Builder vpc(IVpc value) {
      vpc = value;
      return this;
    }

    /**
     * The subnet of launched instances (the first one selected).
     *
     * @default the VPC's private subnets
     */
    public Builder subnets(SubnetSelection value) {
      subnets = value;
      return this;
    }

    /**
     * Security groups of launched instances.
     *
     * @default one new group that admits nothing and sends anything out
     */
    public Builder securityGroups(List<ISecurityGroup> value) {
      securityGroups = value;
      return this;
    }

    /**
     * Settings of every launch template.
     *
     * @default t3.medium, GP3, no tags
     */
    public Builder defaults(LaunchSettings value) {
      defaults = value;
      return this;
    }

    /**
     * Source server id ({@code s-...}) to its own settings; each gets its own launch template.
     *
     * @default none: every server uses the shared default template
     */
    public Builder sourceServers(Map<String, LaunchSettings> value) {
      sourceServers = value;
      return this;
    }

    public SourceServerLaunchSettingsProps build() {
      return new SourceServerLaunchSettingsProps(this);
    }
  }
}
