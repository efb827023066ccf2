package io.liftshift.constructs;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.Token;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.FlowLogTrafficType;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.IPeer;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.IpAddresses;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The staging network: a VPC (or an existing one), its staging subnets, and the security groups
 * that carry liftshift's network rules and nothing else:
 *
 * <ul>
 *   <li>replication servers accept TCP 1500 only from the source CIDRs and prefix lists;
 *   <li>the control plane accepts 443 from the sources, the replication and conversion servers and
 *       in-VPC operators (such as the MigrationLaunch handler);
 *   <li>replication servers, conversion servers, the control plane and operators send 443 only to
 *       the control plane and AWS (S3, the EC2 API, Secrets Manager, CloudWatch, CloudFormation:
 *       through VPC endpoints when {@code vpcEndpoints} is on).
 * </ul>
 *
 * No group allows anything else in, and none allows 0.0.0.0/0 in.
 */
public final class StagingArea extends Construct {
  /** The replication data port: agents connect to replication servers here. */
  public static final int DATA_PORT = 1500;

  /** The control plane's HTTPS port. */
  public static final int HTTPS_PORT = 443;

  /** The tag key that marks every EC2 resource of an installation; IAM conditions match it. */
  public static final String INSTALLATION_TAG = "liftshift:installation";

  private final String installation;
  private final IVpc vpc;
  private final SubnetSelection stagingSubnets;
  private final DataPlaneRouting routing;
  private final SecurityGroup replicationServers;
  private final SecurityGroup conversionServers;
  private final SecurityGroup controlPlane;
  private final SecurityGroup operators;
  private final SecurityGroup endpoints;
  private ReplicationServerFleet fleet;

  public StagingArea(Construct scope, String id, StagingAreaProps props) {
    super(scope, id);
    String c = "StagingArea";
    Checks.required(props, c, "props");
    installation = Checks.installation(props.getInstallation());
    if (props.getDataPort() != DATA_PORT) {
      throw new IllegalArgumentException(
          c
              + ": dataPort must be "
              + DATA_PORT
              + ": agents always connect to replication servers on TCP "
              + DATA_PORT
              + "; got "
              + props.getDataPort());
    }
    routing =
        props.getDataPlaneRouting() == null
            ? DataPlaneRouting.PRIVATE_IP
            : props.getDataPlaneRouting();
    List<Cidr> sources = new ArrayList<>();
    // A block known only at deploy time, such as a CloudFormation parameter's value: the
    // parameter's own pattern checks it, and nothing here can.
    List<String> deployTimeSources = new ArrayList<>();
    for (String text : props.getSourceCidrs()) {
      if (Token.isUnresolved(text)) {
        deployTimeSources.add(text);
        continue;
      }
      Cidr cidr = Cidr.parse(text, c, "sourceCidrs");
      if (cidr.prefixLength() == 0) {
        throw new IllegalArgumentException(
            c
                + ": sourceCidrs holds "
                + text
                + ", which opens TCP 1500 and 443 to the whole internet: name the source networks");
      }
      for (Cidr other : sources) {
        if (other.overlaps(cidr)) {
          throw new IllegalArgumentException(
              c
                  + ": sourceCidrs "
                  + other.text()
                  + " and "
                  + cidr.text()
                  + " overlap: name each source network once");
        }
      }
      sources.add(cidr);
    }
    if (sources.isEmpty()
        && deployTimeSources.isEmpty()
        && props.getSourcePrefixListIds().isEmpty()) {
      throw new IllegalArgumentException(
          c
              + ": name the source networks in sourceCidrs or sourcePrefixListIds: they are the only"
              + " addresses allowed to TCP 1500");
    }
    for (String pl : props.getSourcePrefixListIds()) {
      if (!Token.isUnresolved(pl) && !pl.matches("pl-[0-9a-f]{8,17}")) {
        throw new IllegalArgumentException(
            c + ": sourcePrefixListIds holds '" + pl + "', which is not a prefix list id (pl-...)");
      }
    }

    if (props.getVpc() != null) {
      vpc = props.getVpc();
      stagingSubnets =
          props.getStagingSubnets() != null
              ? props.getStagingSubnets()
              : SubnetSelection.builder()
                  .subnetType(
                      routing == DataPlaneRouting.PUBLIC_IP
                          ? SubnetType.PUBLIC
                          : SubnetType.PRIVATE_WITH_EGRESS)
                  .build();
    } else {
      Cidr vpcCidr = Cidr.parse(props.getVpcCidr(), c, "vpcCidr");
      for (Cidr s : sources) {
        if (s.overlaps(vpcCidr)) {
          throw new IllegalArgumentException(
              c
                  + ": source CIDR "
                  + s.text()
                  + " overlaps the staging VPC's "
                  + vpcCidr.text()
                  + ": sources reach the VPC over a VPN or Direct Connect, so their addresses must"
                  + " differ; choose another vpcCidr");
        }
      }
      Checks.positive(props.getMaxAzs(), c, "maxAzs");
      vpc = newVpc(vpcCidr.text(), props.getMaxAzs(), props.isVpcEndpoints());
      stagingSubnets =
          props.getStagingSubnets() != null
              ? props.getStagingSubnets()
              : SubnetSelection.builder().subnetGroupName("staging").build();
    }

    replicationServers =
        group("ReplicationServers", "liftshift replication servers: 1500 from sources");
    conversionServers = group("ConversionServers", "liftshift conversion servers: no inbound");
    controlPlane = group("ControlPlane", "liftshift control plane: 443 from sources and fleet");
    operators = group("Operators", "callers of the MGN API inside the VPC: no inbound");

    List<IPeer> sourcePeers = new ArrayList<>();
    for (Cidr s : sources) {
      sourcePeers.add(Peer.ipv4(s.text()));
    }
    for (String token : deployTimeSources) {
      sourcePeers.add(Peer.ipv4(token));
    }
    for (String pl : props.getSourcePrefixListIds()) {
      sourcePeers.add(Peer.prefixList(pl));
    }
    for (IPeer p : sourcePeers) {
      replicationServers.addIngressRule(p, Port.tcp(DATA_PORT), "replication data from sources");
      controlPlane.addIngressRule(p, Port.tcp(HTTPS_PORT), "agents from sources");
    }
    for (SecurityGroup g : List.of(replicationServers, conversionServers, operators)) {
      controlPlane.addIngressRule(g, Port.tcp(HTTPS_PORT), "MGN and fleet API");
      g.addEgressRule(controlPlane, Port.tcp(HTTPS_PORT), "to the control plane");
    }

    if (props.isVpcEndpoints()) {
      endpoints = group("Endpoints", "liftshift VPC interface endpoints: 443 from staging");
      vpc.addGatewayEndpoint(
          "S3",
          GatewayVpcEndpointOptions.builder().service(GatewayVpcEndpointAwsService.S3).build());
      addInterfaceEndpoint("Ec2", InterfaceVpcEndpointAwsService.EC2);
      addInterfaceEndpoint("SecretsManager", InterfaceVpcEndpointAwsService.SECRETS_MANAGER);
      addInterfaceEndpoint("CloudWatch", InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING);
      addInterfaceEndpoint("Logs", InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS);
      addInterfaceEndpoint("Ssm", InterfaceVpcEndpointAwsService.SSM);
      addInterfaceEndpoint("SsmMessages", InterfaceVpcEndpointAwsService.SSM_MESSAGES);
      addInterfaceEndpoint("Ec2Messages", InterfaceVpcEndpointAwsService.EC2_MESSAGES);
      addInterfaceEndpoint("ImageBuilder", InterfaceVpcEndpointAwsService.IMAGE_BUILDER);
      // The MigrationLaunch handler reads its stack's status before it starts a launch.
      addInterfaceEndpoint("CloudFormation", InterfaceVpcEndpointAwsService.CLOUDFORMATION);
    } else {
      endpoints = null;
    }
    for (SecurityGroup g :
        List.of(replicationServers, conversionServers, controlPlane, operators)) {
      allowAwsApis(g, props);
    }
    Tags.of(this).add(INSTALLATION_TAG, installation);
  }

  private Vpc newVpc(String cidr, int maxAzs, boolean vpcEndpoints) {
    List<SubnetConfiguration> subnets = new ArrayList<>();
    int natGateways;
    if (routing == DataPlaneRouting.PUBLIC_IP) {
      subnets.add(
          SubnetConfiguration.builder()
              .name("staging")
              .subnetType(SubnetType.PUBLIC)
              .cidrMask(22)
              .mapPublicIpOnLaunch(false)
              .build());
      natGateways = 0;
    } else if (vpcEndpoints) {
      subnets.add(
          SubnetConfiguration.builder()
              .name("staging")
              .subnetType(SubnetType.PRIVATE_ISOLATED)
              .cidrMask(22)
              .build());
      natGateways = 0;
    } else {
      // The NAT gateway's subnet: nothing else runs there, and nothing there gets a public IP.
      subnets.add(
          SubnetConfiguration.builder()
              .name("egress")
              .subnetType(SubnetType.PUBLIC)
              .cidrMask(28)
              .mapPublicIpOnLaunch(false)
              .build());
      subnets.add(
          SubnetConfiguration.builder()
              .name("staging")
              .subnetType(SubnetType.PRIVATE_WITH_EGRESS)
              .cidrMask(22)
              .build());
      natGateways = 1;
    }
    Vpc v =
        Vpc.Builder.create(this, "Vpc")
            .ipAddresses(IpAddresses.cidr(cidr))
            .maxAzs(maxAzs)
            .natGateways(natGateways)
            .subnetConfiguration(subnets)
            .restrictDefaultSecurityGroup(false)
            .build();
    // The default security group keeps AWS's defaults (self-referencing only), which admit nothing
    // from outside; restricting it would need a custom resource Lambda for no gain.
    LogGroup flowLogs =
        LogGroup.Builder.create(this, "FlowLogs").retention(RetentionDays.ONE_YEAR).build();
    v.addFlowLog(
        "FlowLog",
        FlowLogOptions.builder()
            .destination(FlowLogDestination.toCloudWatchLogs(flowLogs))
            .trafficType(FlowLogTrafficType.ALL)
            .build());
    return v;
  }

  private SecurityGroup group(String id, String description) {
    return SecurityGroup.Builder.create(this, id)
        .vpc(vpc)
        .description(description)
        .allowAllOutbound(false)
        .build();
  }

  private void addInterfaceEndpoint(String id, InterfaceVpcEndpointAwsService service) {
    vpc.addInterfaceEndpoint(
        id,
        InterfaceVpcEndpointOptions.builder()
            .service(service)
            .subnets(stagingSubnets)
            .securityGroups(List.of(endpoints))
            .privateDnsEnabled(true)
            .open(false)
            .build());
  }

  private void allowAwsApis(SecurityGroup g, StagingAreaProps props) {
    if (endpoints != null) {
      endpoints.addIngressRule(g, Port.tcp(HTTPS_PORT), "AWS APIs from staging");
      g.addEgressRule(endpoints, Port.tcp(HTTPS_PORT), "AWS APIs through VPC endpoints");
      if (props.getS3PrefixListId() != null) {
        g.addEgressRule(
            Peer.prefixList(props.getS3PrefixListId()),
            Port.tcp(HTTPS_PORT),
            "S3 through its gateway endpoint");
        return;
      }
    }
    // Without endpoints the EC2 API and S3 answer on public addresses that no rule can enumerate.
    g.addEgressRule(Peer.anyIpv4(), Port.tcp(HTTPS_PORT), "S3 and the EC2 API");
  }

  /**
   * Records the staging area's one replication-server fleet. Every fleet of an installation would
   * follow the same tracked-disk metric, each sized for every disk, and the control plane places
   * disks on any of its replicators, so a second fleet is refused.
   */
  void claimFleet(ReplicationServerFleet newFleet) {
    if (fleet != null) {
      throw new IllegalArgumentException(
          "ReplicationServerFleet: staging area "
              + getNode().getPath()
              + " (installation "
              + installation
              + ") already has the fleet "
              + fleet.getNode().getPath()
              + "; both would scale on the installation's one tracked-disk metric and each carry"
              + " every disk: use one fleet per staging area and size it with instanceType,"
              + " maxDisks and maxCapacity");
    }
    fleet = newFleet;
  }

  /** The installation's name, the value of the {@value #INSTALLATION_TAG} tag. */
  public String getInstallation() {
    return installation;
  }

  public IVpc getVpc() {
    return vpc;
  }

  public SubnetSelection getStagingSubnets() {
    return stagingSubnets;
  }

  /** The first staging subnet: where conversion servers and image builds run. */
  public ISubnet getFirstStagingSubnet() {
    return vpc.selectSubnets(stagingSubnets).getSubnets().get(0);
  }

  public boolean isPublicDataPlane() {
    return routing == DataPlaneRouting.PUBLIC_IP;
  }

  public ISecurityGroup getReplicationServerSecurityGroup() {
    return replicationServers;
  }

  public ISecurityGroup getConversionServerSecurityGroup() {
    return conversionServers;
  }

  public ISecurityGroup getControlPlaneSecurityGroup() {
    return controlPlane;
  }

  /** For callers of the MGN API inside the VPC, such as MigrationLaunch's handler. */
  public ISecurityGroup getOperatorSecurityGroup() {
    return operators;
  }
}
