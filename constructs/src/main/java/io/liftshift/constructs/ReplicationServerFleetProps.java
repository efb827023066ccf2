package io.liftshift.constructs;

import software.amazon.awscdk.services.ec2.IMachineImage;
import software.amazon.awscdk.services.ec2.InstanceType;

/** Props of {@link ReplicationServerFleet}. */
// @default is aws-cdk's tag for a prop's default; its readers look for it.
@SuppressWarnings("InvalidBlockTag")
public final class ReplicationServerFleetProps {
  private final StagingArea staging;
  private final ControlPlane controlPlane;
  private final SoftwareBucket softwareBucket;
  private final IMachineImage machineImage;
  private final InstanceType instanceType;
  private final int minCapacity;
  private final int maxCapacity;
  private final int rootVolumeSizeGiB;
  private final int maxDisks;

  private ReplicationServerFleetProps(Builder b) {
    staging = b.staging;
    controlPlane = b.controlPlane;
    softwareBucket = b.softwareBucket;
    machineImage = b.machineImage;
    instanceType = b.instanceType;
    minCapacity = b.minCapacity;
    maxCapacity = b.maxCapacity;
    rootVolumeSizeGiB = b.rootVolumeSizeGiB;
    maxDisks = b.maxDisks;
  }

  public static Builder builder() {
    return new Builder();
  }

  public StagingArea getStaging() {
    return staging;
  }

  public ControlPlane getControlPlane() {
    return controlPlane;
  }

  public SoftwareBucket getSoftwareBucket() {
    return softwareBucket;
  }

  public IMachineImage getMachineImage() {
    return machineImage;
  }

  public InstanceType getInstanceType() {
    return instanceType;
  }

  public int getMinCapacity() {
    return minCapacity;
  }

  public int getMaxCapacity() {
    return maxCapacity;
  }

  public int getRootVolumeSizeGiB() {
    return rootVolumeSizeGiB;
  }

  public int getMaxDisks() {
    return maxDisks;
  }

  /** Builds {@link ReplicationServerFleetProps}. */
  public static final class Builder {
    private StagingArea staging;
    private ControlPlane controlPlane;
    private SoftwareBucket softwareBucket;
    private IMachineImage machineImage;
    private InstanceType instanceType = new InstanceType("t3.small");
    private int minCapacity;
    private int maxCapacity = 10;
    private int rootVolumeSizeGiB = 16;
    private int maxDisks = ReplicationServerFleet.DEFAULT_MAX_DISKS;

    private Builder() {}

    /** The network and security groups (required). */
    public Builder staging(StagingArea value) {
      staging = value;
      return this;
    }

    /** The control plane the servers join (required). */
    public Builder controlPlane(ControlPlane value) {
      controlPlane = value;
      return this;
    }

    /** Where servers read software and write state (required). */
    public Builder softwareBucket(SoftwareBucket value) {
      softwareBucket = value;
      return this;
    }

    /** An AMI with liftshift installed (required). */
    public Builder machineImage(IMachineImage value) {
      machineImage = value;
      return this;
    }

    /**
     * Instance type; a burstable (T) type runs with unlimited CPU credits.
     *
     * @default "t3.small", MGN's default, sized for the default 15 {@code maxDisks}
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
     * Fewest replication servers.
     *
     * @default 0: no server while no disk is tracked
     */
    public Builder minCapacity(int value) {
      minCapacity = value;
      return this;
    }

    /**
     * At most 19: one step-scaling policy holds at most 20 steps (0 to 19 servers, so at most 19
     * times {@code maxDisks} disks replicate at once).
     *
     * @default 10
     */
    public Builder maxCapacity(int value) {
      maxCapacity = value;
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

    /**
     * Disks one replication server replicates at once, 1 to 1024: passed to {@code liftshift
     * replicator --max-disks}, which the control plane places disks by, and the divisor of the
     * tracked disks that gives the fleet's size. Raise it with a larger {@code instanceType}.
     *
     * @default 15, as MGN's t3.small replication servers
     */
    public Builder maxDisks(int value) {
      maxDisks = value;
      return this;
    }

    public ReplicationServerFleetProps build() {
      return new ReplicationServerFleetProps(this);
    }
  }
}
