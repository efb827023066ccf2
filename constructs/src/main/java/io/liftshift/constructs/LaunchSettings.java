package io.liftshift.constructs;

import java.util.Map;
import software.amazon.awscdk.services.ec2.EbsDeviceVolumeType;
import software.amazon.awscdk.services.ec2.InstanceType;

/**
 * How launched instances look: the defaults of {@link SourceServerLaunchSettings}, or one source
 * server's overrides (a null setting takes the default's).
 */
// @default is aws-cdk's tag for a prop's default; its readers look for it.
@SuppressWarnings("InvalidBlockTag")
public final class LaunchSettings {
  private final InstanceType instanceType;
  private final EbsDeviceVolumeType volumeType;
  private final Map<String, String> tags;

  private LaunchSettings(Builder b) {
    instanceType = b.instanceType;
    volumeType = b.volumeType;
    tags = b.tags == null ? null : Map.copyOf(b.tags);
  }

  public static Builder builder() {
    return new Builder();
  }

  public InstanceType getInstanceType() {
    return instanceType;
  }

  public EbsDeviceVolumeType getVolumeType() {
    return volumeType;
  }

  public Map<String, String> getTags() {
    return tags;
  }

  /** Builds {@link LaunchSettings}. */
  public static final class Builder {
    private InstanceType instanceType;
    private EbsDeviceVolumeType volumeType;
    private Map<String, String> tags;

    private Builder() {}

    /**
     * Instance type of launched instances.
     *
     * @default the defaults' instance type, and "t3.medium" for the defaults
     */
    public Builder instanceType(InstanceType value) {
      instanceType = value;
      return this;
    }

    /** {@link #instanceType(InstanceType)} by name, such as {@code "m5.large"}. */
    public Builder instanceType(String value) {
      instanceType = value == null ? null : new InstanceType(value);
      return this;
    }

    /**
     * Type of the launched instance's root volume.
     *
     * @default the defaults' type, and GP3 for the defaults
     */
    public Builder volumeType(EbsDeviceVolumeType value) {
      volumeType = value;
      return this;
    }

    /**
     * Tags of the launched instance and its volumes, added to the defaults' tags.
     *
     * @default none
     */
    public Builder tags(Map<String, String> value) {
      tags = value;
      return this;
    }

    public LaunchSettings build() {
      return new LaunchSettings(this);
    }
  }
}
