package io.liftshift.constructs;

import software.amazon.awscdk.services.ec2.IMachineImage;

/** Props of {@link ControlPlane}. */
// @default is aws-cdk's tag for a prop's default; its readers look for it.
@SuppressWarnings("InvalidBlockTag")
public final class ControlPlaneProps {
  private final StagingArea staging;
  private final SoftwareBucket softwareBucket;
  private final IMachineImage machineImage;
  private final String instanceType;
  private final int stateVolumeSizeGiB;
  private final int backupRetentionDays;
  private final ConversionServer conversionServer;

  private ControlPlaneProps(Builder b) {
    conversionServer = b.conversionServer;
    staging = b.staging;
    softwareBucket = b.softwareBucket;
    machineImage = b.machineImage;
    instanceType = b.instanceType;
    stateVolumeSizeGiB = b.stateVolumeSizeGiB;
    backupRetentionDays = b.backupRetentionDays;
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

  public String getInstanceType() {
    return instanceType;
  }

  public int getStateVolumeSizeGiB() {
    return stateVolumeSizeGiB;
  }

  public int getBackupRetentionDays() {
    return backupRetentionDays;
  }

  public ConversionServer getConversionServer() {
    return conversionServer;
  }

  /** Builds {@link ControlPlaneProps}. */
  public static final class Builder {
    private StagingArea staging;
    private SoftwareBucket softwareBucket;
    private IMachineImage machineImage;
    private String instanceType = "t3.medium";
    private int stateVolumeSizeGiB = 20;
    private int backupRetentionDays = 35;
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
     * Instance type of the control plane.
     *
     * @default "t3.medium"
     */
    public Builder instanceType(String value) {
      instanceType = value;
      return this;
    }

    /**
     * Size of the encrypted EBS volume that holds the database and the installation CA.
     *
     * @default 20
     */
    public Builder stateVolumeSizeGiB(int value) {
      stateVolumeSizeGiB = value;
      return this;
    }

    /**
     * Days AWS Backup keeps the daily backups of the instance and its state volume.
     *
     * @default 35
     */
    public Builder backupRetentionDays(int value) {
      backupRetentionDays = value;
      return this;
    }

    public ControlPlaneProps build() {
      return new ControlPlaneProps(this);
    }
  }
}
