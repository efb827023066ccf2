package io.liftshift.constructs;

import java.util.List;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;

/** Props of {@link StagingArea}. */
// @default is aws-cdk's tag for a prop's default; its readers look for it.
@SuppressWarnings("InvalidBlockTag")
public final class StagingAreaProps {
  private final String installation;
  private final IVpc vpc;
  private final String vpcCidr;
  private final int maxAzs;
  private final SubnetSelection stagingSubnets;
  private final List<String> sourceCidrs;
  private final List<String> sourcePrefixListIds;
  private final int dataPort;
  private final DataPlaneRouting dataPlaneRouting;
  private final boolean vpcEndpoints;
  private final String s3PrefixListId;

  private StagingAreaProps(Builder b) {
    installation = b.installation;
    vpc = b.vpc;
    vpcCidr = b.vpcCidr;
    maxAzs = b.maxAzs;
    stagingSubnets = b.stagingSubnets;
    sourceCidrs = List.copyOf(Checks.orEmpty(b.sourceCidrs));
    sourcePrefixListIds = List.copyOf(Checks.orEmpty(b.sourcePrefixListIds));
    dataPort = b.dataPort;
    dataPlaneRouting = b.dataPlaneRouting;
    vpcEndpoints = b.vpcEndpoints;
    s3PrefixListId = b.s3PrefixListId;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String getInstallation() {
    return installation;
  }

  public IVpc getVpc() {
    return vpc;
  }

  public String getVpcCidr() {
    return vpcCidr;
  }

  public int getMaxAzs() {
    return maxAzs;
  }

  public SubnetSelection getStagingSubnets() {
    return stagingSubnets;
  }

  public List<String> getSourceCidrs() {
    return sourceCidrs;
  }

  public List<String> getSourcePrefixListIds() {
    return sourcePrefixListIds;
  }

  public int getDataPort() {
    return dataPort;
  }

  public DataPlaneRouting getDataPlaneRouting() {
    return dataPlaneRouting;
  }

  public boolean isVpcEndpoints() {
    return vpcEndpoints;
  }

  public String getS3PrefixListId() {
    return s3PrefixListId;
  }

  /** Builds {@link StagingAreaProps}. */
  public static final class Builder {
    private String installation = "liftshift";
    private IVpc vpc;
    private String vpcCidr = "10.128.0.0/16";
    private int maxAzs = 2;
    private SubnetSelection stagingSubnets;
    private List<String> sourceCidrs;
    private List<String> sourcePrefixListIds;
    private int dataPort = StagingArea.DATA_PORT;
    private DataPlaneRouting dataPlaneRouting = DataPlaneRouting.PRIVATE_IP;
    private boolean vpcEndpoints;
    private String s3PrefixListId;

    private Builder() {}

    /**
     * The installation's name: the value of the {@code liftshift:installation} tag on everything it
     * creates in EC2, and what IAM conditions match.
     *
     * @default "liftshift"
     */
    public Builder installation(String value) {
      installation = value;
      return this;
    }

    /**
     * An existing VPC to stage in.
     *
     * @default a new VPC with {@code maxAzs} staging subnets
     */
    public Builder vpc(IVpc value) {
      vpc = value;
      return this;
    }

    /**
     * CIDR of the new VPC. Ignored with {@code vpc}. It must not overlap any source CIDR.
     *
     * @default "10.128.0.0/16"
     */
    public Builder vpcCidr(String value) {
      vpcCidr = value;
      return this;
    }

    /**
     * Availability zones of the new VPC.
     *
     * @default 2
     */
    public Builder maxAzs(int value) {
      maxAzs = value;
      return this;
    }

    /**
     * Where replication, conversion and control-plane servers run.
     *
     * @default the new VPC's staging subnets; with {@code vpc}, its private subnets (public ones
     *     with PUBLIC_IP routing)
     */
    public Builder stagingSubnets(SubnetSelection value) {
      stagingSubnets = value;
      return this;
    }

    /**
     * IPv4 CIDR blocks of the source servers: the only addresses allowed to TCP 1500 and to the
     * control plane's 443. Blocks must not overlap each other or the VPC. A block may be a token
     * (such as a {@code CfnParameter}'s value), which is checked only by what produces it.
     *
     * @default none; {@code sourceCidrs} or {@code sourcePrefixListIds} must name at least one
     */
    public Builder sourceCidrs(List<String> value) {
      sourceCidrs = value;
      return this;
    }

    /**
     * Managed prefix lists ({@code pl-...}) of source networks, beside {@code sourceCidrs}.
     *
     * @default none
     */
    public Builder sourcePrefixListIds(List<String> value) {
      sourcePrefixListIds = value;
      return this;
    }

    /**
     * The replication data port. Only 1500 is accepted: agents always connect there, as MGN's do;
     * the prop exists so that a template copied from elsewhere fails loudly instead of silently.
     *
     * @default 1500
     */
    public Builder dataPort(int value) {
      dataPort = value;
      return this;
    }

    /**
     * Private or public addresses for replication traffic.
     *
     * @default DataPlaneRouting.PRIVATE_IP
     */
    public Builder dataPlaneRouting(DataPlaneRouting value) {
      dataPlaneRouting = value;
      return this;
    }

    /**
     * Reach S3, EC2, Secrets Manager, CloudWatch, SSM, Image Builder and CloudFormation through VPC
     * endpoints, and create the new VPC without a NAT gateway.
     *
     * @default false: a NAT gateway, and egress 443 to any address (the EC2 API has no fixed one)
     */
    public Builder vpcEndpoints(boolean value) {
      vpcEndpoints = value;
      return this;
    }

    /**
     * The region's S3 prefix list ({@code com.amazonaws.REGION.s3}), so that with {@code
     * vpcEndpoints} egress 443 goes only to endpoints, the control plane and S3.
     *
     * @default none: with {@code vpcEndpoints}, S3 is reached by egress 443 to any address
     */
    public Builder s3PrefixListId(String value) {
      s3PrefixListId = value;
      return this;
    }

    public StagingAreaProps build() {
      return new StagingAreaProps(this);
    }
  }
}
