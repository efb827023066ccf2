package io.liftshift.constructs;

import software.amazon.awscdk.services.ec2.IMachineImage;
import software.amazon.awscdk.services.ec2.InstanceType;

/** Props of {@link ControlPlane}. */
// @default is aws-cdk's tag for a prop's default; its readers look for it.
@SuppressWarnings("InvalidBlockTag")
public final class ControlPlaneProps {
  private final StagingArea staging;
  private final SoftwareBucket softwareBucket;
  private final IMachineImage machineImage;
  private final InstanceType instanceType;
  private final int minCapacity;
  private final int maxCapacity;
  private final int backupRetentionDays;
  private final double databaseMinCapacityAcu;
  private final double databaseMaxCapacityAcu;
  private final ConversionServer conversionServer;

  private ControlPlaneProps(Builder b) {
    conversionServer = b.conversionServer;
    staging = b.staging;
    softwareBucket = b.softwareBucket;
    machineImage = b.machineImage;
    instanceType = b.instanceType;
    minCapacity = b.minCapacity;
    maxCapacity = b.maxCapacity;
    backupRetentionDays = b.backupRetentionDays;
    databaseMinCapacityAcu = b.databaseMinCapacityAcu;
    databaseMaxCapacityAcu = b.databaseMaxCapacityAcu;
  }

  public static Builder builder() {
    return new Builder();
  }

  public StagingArea getStaging() {
    return staging;
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

  public int getBackupRetentionDays() {
    return backupRetentionDays;
  }

  public double getDatabaseMinCapacityAcu() {
    return databaseMinCapacityAcu;
  }

  public double getDatabaseMaxCapacityAcu() {
    return databaseMaxCapacityAcu;
  }

  public ConversionServer getConversionServer() {
    return conversionServer;
  }

  /** Builds {@link ControlPlaneProps}. */
  public static final class Builder {
    private StagingArea staging;
    private SoftwareBucket softwareBucket;
    private IMachineImage machineImage;
    private InstanceType instanceType = new InstanceType("t3.medium");
    private int minCapacity = 2;
    private int maxCapacity = 3;
    private int backupRetentionDays = 35;
    private double databaseMinCapacityAcu = 0.5;
    private double databaseMaxCapacityAcu = 4;
    private ConversionServer conversionServer;

    private Builder() {}

    /**
     * The conversion servers (of the same staging area): with them, StartTest and StartCutover
     * launch on EC2, each conversion server through their launch template, and the control plane's
     * role gets the EC2 rights a launch needs, limited to the installation's tagged resources.
     *
     * @default none: launch jobs stay PENDING (the control plane runs with --no-launches) and the
     *     role has no launch rights
     */
    public Builder conversionServer(ConversionServer value) {
      conversionServer = value;
      return this;
    }

    /** The network it serves (required). */
    public Builder staging(StagingArea value) {
      staging = value;
      return this;
    }

    /** Where it reads software and writes state (required). */
    public Builder softwareBucket(SoftwareBucket value) {
      softwareBucket = value;
      return this;
    }

    /** An AMI with liftshift installed, such as a {@link DaemonImage}'s (required). */
    public Builder machineImage(IMachineImage value) {
      machineImage = value;
      return this;
    }

    /**
     * Instance type of the control-plane nodes.
     *
     * @default "t3.medium"
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
     * Nodes that always run, spread over the staging subnets' availability zones; at least 2, so
     * that one node's loss or replacement leaves the API answering.
     *
     * @default 2
     */
    public Builder minCapacity(int value) {
      minCapacity = value;
      return this;
    }

    /**
     * The group's ceiling; more than {@code minCapacity}, because a rolling replacement starts a
     * new node before it ends an old one.
     *
     * @default 3
     */
    public Builder maxCapacity(int value) {
      maxCapacity = value;
      return this;
    }

    /**
     * Days Aurora keeps its automated backups of the state (1 to 35).
     *
     * @default 35
     */
    public Builder backupRetentionDays(int value) {
      backupRetentionDays = value;
      return this;
    }

    /**
     * Aurora Serverless v2 floor in ACUs (0.5 steps, at least 0.5: the control plane never lets the
     * database pause, as its nodes hold connections open).
     *
     * @default 0.5
     */
    public Builder databaseMinCapacityAcu(double value) {
      databaseMinCapacityAcu = value;
      return this;
    }

    /**
     * Aurora Serverless v2 ceiling in ACUs.
     *
     * @default 4
     */
    public Builder databaseMaxCapacityAcu(double value) {
      databaseMaxCapacityAcu = value;
      return this;
    }

    public ControlPlaneProps build() {
      return new ControlPlaneProps(this);
    }
  }
}
