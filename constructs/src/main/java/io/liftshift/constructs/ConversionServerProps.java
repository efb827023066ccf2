package io.liftshift.constructs;

import software.amazon.awscdk.services.ec2.IMachineImage;
import software.amazon.awscdk.services.ec2.InstanceType;

/** Props of {@link ConversionServer}. */
// @default is aws-cdk's tag for a prop's default; its readers look for it.
@SuppressWarnings("InvalidBlockTag")
public final class ConversionServerProps {
  private final StagingArea staging;
  private final IMachineImage machineImage;
  private final InstanceType instanceType;
  private final int rootVolumeSizeGiB;

  private ConversionServerProps(Builder b) {
    staging = b.staging;
    machineImage = b.machineImage;
    instanceType = b.instanceType;
    rootVolumeSizeGiB = b.rootVolumeSizeGiB;
  }

  public static Builder builder() {
    return new Builder();
  }

  public StagingArea getStaging() {
    return staging;
  }

  public IMachineImage getMachineImage() {
    return machineImage;
  }

  public InstanceType getInstanceType() {
    return instanceType;
  }

  public int getRootVolumeSizeGiB() {
    return rootVolumeSizeGiB;
  }

  /** Builds {@link ConversionServerProps}. */
  public static final class Builder {
    private StagingArea staging;
    private IMachineImage machineImage;
    private InstanceType instanceType = new InstanceType("m5.large");
    private int rootVolumeSizeGiB = 16;

    private Builder() {}

    /**
     * The network and security groups (required): conversion servers run in its first staging
     * subnet, as the control plane does.
     */
    public Builder staging(StagingArea value) {
      staging = value;
      return this;
    }

    /** An AMI with liftshift installed (required). */
    public Builder machineImage(IMachineImage value) {
      machineImage = value;
      return this;
    }

    /**
     * Instance type of conversion servers.
     *
     * @default "m5.large": conversion is short and CPU-bound, so no burstable type
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
     * Size of the encrypted root volume.
     *
     * @default 16
     */
    public Builder rootVolumeSizeGiB(int value) {
      rootVolumeSizeGiB = value;
      return this;
    }

    public ConversionServerProps build() {
      return new ConversionServerProps(this);
    }
  }
}
