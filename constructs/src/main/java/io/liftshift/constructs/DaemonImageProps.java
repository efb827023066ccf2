package io.liftshift.constructs;

import software.amazon.awscdk.services.ec2.InstanceType;

/** Props of {@link DaemonImage}. */
// @default is aws-cdk's tag for a prop's default; its readers look for it.
@SuppressWarnings("InvalidBlockTag")
public final class DaemonImageProps {
  private final DaemonRole role;
  private final String liftshiftJar;
  private final StagingArea staging;
  private final String parentImage;
  private final InstanceType buildInstanceType;

  private DaemonImageProps(Builder b) {
    role = b.role;
    liftshiftJar = b.liftshiftJar;
    staging = b.staging;
    parentImage = b.parentImage;
    buildInstanceType = b.buildInstanceType;
  }

  public static Builder builder() {
    return new Builder();
  }

  public DaemonRole getRole() {
    return role;
  }

  public String getLiftshiftJar() {
    return liftshiftJar;
  }

  public StagingArea getStaging() {
    return staging;
  }

  public String getParentImage() {
    return parentImage;
  }

  public InstanceType getBuildInstanceType() {
    return buildInstanceType;
  }

  /** Builds {@link DaemonImageProps}. */
  public static final class Builder {
    private DaemonRole role;
    private String liftshiftJar;
    private StagingArea staging;
    private String parentImage =
        "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
    private InstanceType buildInstanceType = new InstanceType("t3.medium");

    private Builder() {}

    /** Which daemon the image is for (required). */
    public Builder role(DaemonRole value) {
      role = value;
      return this;
    }

    /**
     * Path of the build's shaded jar ({@code cli/target/liftshift.jar}), uploaded as a CDK asset
     * (required).
     */
    public Builder liftshiftJar(String value) {
      liftshiftJar = value;
      return this;
    }

    /** The staging area whose subnets and AWS egress the build instance uses (required). */
    public Builder staging(StagingArea value) {
      staging = value;
      return this;
    }

    /**
     * The image to start from: an AMI id, an Image Builder image ARN, or {@code ssm:} and an SSM
     * parameter name.
     *
     * @default Amazon Linux 2023's latest x86_64 AMI, through its public SSM parameter
     */
    public Builder parentImage(String value) {
      parentImage = value;
      return this;
    }

    /**
     * Instance type of the build instance.
     *
     * @default "t3.medium"
     */
    public Builder buildInstanceType(InstanceType value) {
      buildInstanceType = value;
      return this;
    }

    /** {@link #buildInstanceType(InstanceType)} by name, such as {@code "m5.large"}. */
    public Builder buildInstanceType(String value) {
      buildInstanceType = value == null ? null : new InstanceType(value);
      return this;
    }

    public DaemonImageProps build() {
      return new DaemonImageProps(this);
    }
  }
}
