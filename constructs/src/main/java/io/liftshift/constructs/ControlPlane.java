package io.liftshift.constructs;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.autoscaling.AdditionalHealthCheckType;
import software.amazon.awscdk.services.autoscaling.AdditionalHealthChecksOptions;
import software.amazon.awscdk.services.autoscaling.AutoScalingGroup;
import software.amazon.awscdk.services.autoscaling.HealthChecks;
import software.amazon.awscdk.services.autoscaling.RollingUpdateOptions;
import software.amazon.awscdk.services.autoscaling.Signals;
import software.amazon.awscdk.services.autoscaling.SignalsOptions;
import software.amazon.awscdk.services.autoscaling.UpdatePolicy;
import software.amazon.awscdk.services.ec2.CpuCredits;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.LaunchTemplate;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.elasticloadbalancingv2.AddNetworkTargetsProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.BaseNetworkListenerProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.HealthCheck;
import software.amazon.awscdk.services.elasticloadbalancingv2.NetworkLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.Protocol;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.rds.AuroraPostgresClusterEngineProps;
import software.amazon.awscdk.services.rds.AuroraPostgresEngineVersion;
import software.amazon.awscdk.services.rds.BackupProps;
import software.amazon.awscdk.services.rds.ClusterInstance;
import software.amazon.awscdk.services.rds.Credentials;
import software.amazon.awscdk.services.rds.CredentialsBaseOptions;
import software.amazon.awscdk.services.rds.DatabaseCluster;
import software.amazon.awscdk.services.rds.DatabaseClusterEngine;
import software.amazon.awscdk.services.rds.ServerlessV2ClusterInstanceProps;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.ssm.IStringParameter;
import software.amazon.awscdk.services.ssm.StringParameter;
import software.constructs.Construct;

/**
 * The control plane: an Auto Scaling group of at least two nodes across availability zones behind a
 * Network Load Balancer that passes TLS through on 443, all serving the MGN API on one Aurora
 * PostgreSQL (Serverless v2, Multi-AZ) store. No state lives on a node: the database holds it,
 * Secrets Manager holds the installation CA and the database's credentials, and a node replaced by
 * a rolling update or by a health check boots into the same installation.
 *
 * <p>The nodes are told their store with {@code --store postgresql://...}, the option of the
 * control plane's PostgreSQL store. Every node's TLS certificate is issued by the one installation
 * CA for the balancer's DNS name; the CA's fingerprint, which every client pins, is published to an
 * SSM parameter. The install tokens and an operator access key are written into Secrets Manager
 * secrets by the first node up; the stack's outputs say where, never what.
 *
 * <p>Every minute each node publishes the fleet need ({@code trackedDisks} and {@code
 * desiredReplicators} of {@code liftshift admin fleet}) as the CloudWatch metrics {@value
 * #FLEET_METRIC_NAMESPACE}/{@value #TRACKED_DISKS_METRIC_NAME}, which {@link
 * ReplicationServerFleet} scales on, and {@value #FLEET_METRIC_NAMESPACE}/{@value
 * #FLEET_METRIC_NAME}.
 */
public final class ControlPlane extends Construct {
  public static final String FLEET_METRIC_NAMESPACE = "Liftshift";
  public static final String FLEET_METRIC_NAME = "DesiredReplicators";

  /**
   * The disks the control plane tracks, published beside {@link #FLEET_METRIC_NAME}: each {@link
   * ReplicationServerFleet} divides it by its own {@code maxDisks}.
   */
  public static final String TRACKED_DISKS_METRIC_NAME = "TrackedDisks";

  /** Scratch space on every liftshift server; nothing under it on a control-plane node is state. */
  static final String STATE_DIR = "/var/lib/liftshift";

  static final String DATABASE_USER = "liftshift";
  static final String DATABASE_NAME = "liftshift";

  /**
   * Left out of the generated database password, so that it goes into a {@code postgresql://} URL
   * and a shell line unquoted.
   */
  static final String PASSWORD_EXCLUDED = " %+~`#$&*()|[]{}:;<>?!'/@\"\\,=^";

  /** How long a new node may take to boot and answer before CloudFormation gives up on it. */
  static final Duration NODE_READY_TIMEOUT = Duration.minutes(15);

  private final AutoScalingGroup group;
  private final LaunchTemplate launchTemplate;
  private final NetworkLoadBalancer balancer;
  private final DatabaseCluster database;
  private final Role role;
  private final Secret installToken;
  private final Secret replicationServerToken;
  private final Secret operatorKey;
  private final Secret installationCa;
  private final StringParameter caFingerprint;
  private final String installation;

  public ControlPlane(Construct scope, String id, ControlPlaneProps props) {
    super(scope, id);
    String c = "ControlPlane";
    Checks.required(props, c, "props");
    StagingArea staging = Checks.required(props.getStaging(), c, "staging");
    SoftwareBucket bucket = Checks.required(props.getSoftwareBucket(), c, "softwareBucket");
    Checks.required(props.getMachineImage(), c, "machineImage");
    String instanceType = Checks.instanceType(props.getInstanceType(), c, "instanceType");
    if (props.getMinCapacity() < 2) {
      throw new IllegalArgumentException(
          c
              + ": minCapacity must be at least 2, so that the API answers while a node is lost or"
              + " replaced; got "
              + props.getMinCapacity());
    }
    if (props.getMaxCapacity() <= props.getMinCapacity()) {
      throw new IllegalArgumentException(
          c
              + ": maxCapacity ("
              + props.getMaxCapacity()
              + ") must be more than minCapacity ("
              + props.getMinCapacity()
              + "): a rolling replacement starts a new node before it ends an old one");
    }
    if (props.getBackupRetentionDays() < 1 || props.getBackupRetentionDays() > 35) {
      throw new IllegalArgumentException(
          c
              + ": backupRetentionDays must be 1 to 35 (Aurora's range); got "
              + props.getBackupRetentionDays());
    }
    installation = staging.getInstallation();
    ConversionServer conversion = props.getConversionServer();
    if (conversion != null && conversion.getStaging() != staging) {
      throw new IllegalArgumentException(
          "ControlPlane: conversionServer must be built on the control plane's staging area"
              + " (installation "
              + installation
              + "): launch volumes are made in the staging area's availability zones");
    }

    installToken =
        Secret.Builder.create(this, "InstallToken")
            .description(
                "liftshift install token for agents; written by the first control-plane node up")
            .build();
    // A token of its own: the agents' token goes to every source server, and a replication
    // server's token also gets it other servers' disks and a certificate agents trust.
    replicationServerToken =
        Secret.Builder.create(this, "ReplicationServerToken")
            .description(
                "liftshift install token for replication servers; written by the first"
                    + " control-plane node up")
            .build();
    operatorKey =
        Secret.Builder.create(this, "OperatorKey")
            .description(
                "liftshift operator access key {accessKeyId, secretAccessKey} for the MGN API;"
                    + " written by the first control-plane node up")
            .build();
    installationCa =
        Secret.Builder.create(this, "InstallationCa")
            .description(
                "liftshift installation CA (tar.gz, base64): written once by the first"
                    + " control-plane node up, read by every node at boot")
            .build();
    for (Secret s : List.of(installToken, replicationServerToken, operatorKey, installationCa)) {
      Nag.suppress(
          s,
          "AwsSolutions-SMG4",
          "The control plane writes this value itself; a rotation Lambda would have to call the"
              + " control plane inside the VPC. Rotate with liftshift admin and put-secret-value.");
    }
    caFingerprint =
        StringParameter.Builder.create(this, "CaFingerprint")
            .parameterName(getCaFingerprintParameterName())
            .description("SHA-256 fingerprint of the installation CA; clients pin it")
            .stringValue("pending: written by the control plane at first boot")
            .build();

    database = newDatabase(staging, props);
    balancer = newBalancer(staging);

    role =
        Role.Builder.create(this, "Role")
            .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
            .description("liftshift control plane")
            .build();
    for (Secret s : List.of(installToken, replicationServerToken, operatorKey)) {
      role.addToPolicy(
          PolicyStatement.Builder.create()
              .actions(List.of("secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"))
              .resources(List.of(s.getSecretArn()))
              .build());
    }
    // Every node reads the CA at boot; the first also writes it.
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .actions(
                List.of(
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:PutSecretValue",
                    "secretsmanager:DescribeSecret"))
            .resources(List.of(installationCa.getSecretArn()))
            .build());
    database.getSecret().grantRead(role);
    caFingerprint.grantWrite(role);
    bucket.grantSoftwareRead(role);
    bucket.grantStateWrite(role);
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .actions(List.of("cloudwatch:PutMetricData"))
            .resources(List.of("*"))
            .conditions(
                Map.of("StringEquals", Map.of("cloudwatch:namespace", FLEET_METRIC_NAMESPACE)))
            .build());
    // A node tells CloudFormation it is up, which is what a rolling replacement waits for.
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("SignalNodeReady")
            .actions(List.of("cloudformation:SignalResource"))
            .resources(List.of(Aws.STACK_ID))
            .build());
    Nag.suppress(
        role,
        "AwsSolutions-IAM5",
        "PutMetricData has no resource type; the statement is limited to the Liftshift namespace by"
            + " condition. The bucket grants are limited to the software/ and state/ prefixes.",
        List.of("Resource::*"));
    if (conversion != null) {
      LaunchPermissions.grant(role, installation, conversion, staging.getVpc());
    }

    UserData userData = UserData.forLinux();
    userData.addCommands(
        new ControlPlaneBoot(
                new ControlPlaneBoot.Refs(
                    installation,
                    balancer.getLoadBalancerDnsName(),
                    database.getSecret().getSecretArn(),
                    database.getClusterEndpoint().getSocketAddress(),
                    DATABASE_NAME,
                    installationCa.getSecretArn(),
                    installToken.getSecretArn(),
                    replicationServerToken.getSecretArn(),
                    operatorKey.getSecretArn(),
                    caFingerprint.getParameterName(),
                    launchOptions(conversion),
                    FLEET_METRIC_NAMESPACE,
                    FLEET_METRIC_NAME,
                    TRACKED_DISKS_METRIC_NAME))
            .script()
            .toArray(String[]::new));
    LaunchTemplate.Builder lt =
        LaunchTemplate.Builder.create(this, "LaunchTemplate")
            .instanceType(props.getInstanceType())
            .machineImage(props.getMachineImage())
            .userData(userData)
            .role(role)
            .securityGroup(staging.getControlPlaneSecurityGroup())
            .requireImdsv2(true)
            .httpPutResponseHopLimit(1)
            .detailedMonitoring(true)
            // With PUBLIC_IP routing the staging subnets have no NAT: a node needs the address to
            // reach AWS APIs. Agents still come in through the balancer.
            .associatePublicIpAddress(staging.isPublicDataPlane())
            .blockDevices(List.of(ServerBoot.encryptedRoot(16)));
    if (Checks.burstable(instanceType)) {
      // Launch jobs convert and copy for minutes: standard credits would throttle the API then.
      lt.cpuCredits(CpuCredits.UNLIMITED);
    }
    launchTemplate = lt.build();

    group =
        AutoScalingGroup.Builder.create(this, "Group")
            .vpc(staging.getVpc())
            .vpcSubnets(staging.getStagingSubnets())
            .launchTemplate(launchTemplate)
            .minCapacity(props.getMinCapacity())
            .maxCapacity(props.getMaxCapacity())
            .cooldown(Duration.minutes(5))
            // A node the balancer finds dead is replaced, after the time a boot may take.
            .healthChecks(
                HealthChecks.withAdditionalChecks(
                    AdditionalHealthChecksOptions.builder()
                        .additionalTypes(List.of(AdditionalHealthCheckType.ELB))
                        .gracePeriod(NODE_READY_TIMEOUT)
                        .build()))
            .signals(
                Signals.waitForMinCapacity(
                    SignalsOptions.builder().timeout(NODE_READY_TIMEOUT).build()))
            // One node at a time, and only once the new one has said it is up: the other nodes
            // keep answering throughout.
            .updatePolicy(
                UpdatePolicy.rollingUpdate(
                    RollingUpdateOptions.builder()
                        .maxBatchSize(1)
                        .minInstancesInService(props.getMinCapacity())
                        .waitOnResourceSignals(true)
                        .pauseTime(NODE_READY_TIMEOUT)
                        .build()))
            .build();
    userData.addCommands(
        ControlPlaneBoot.signal(
            Stack.of(this).getLogicalId((CfnElement) group.getNode().getDefaultChild())));
    Nag.suppress(
        group,
        "AwsSolutions-AS3",
        "The group changes size only when a node fails its health check or an update replaces"
            + " nodes; CloudFormation events and the balancer's metrics record both.");

    balancer
        .addListener(
            "Https",
            BaseNetworkListenerProps.builder()
                .port(StagingArea.HTTPS_PORT)
                .protocol(Protocol.TCP)
                .build())
        .addTargets(
            "Nodes",
            AddNetworkTargetsProps.builder()
                .port(StagingArea.HTTPS_PORT)
                .protocol(Protocol.TCP)
                .targets(List.of(group))
                // A node leaving in a rolling update drains its long polls for this long.
                .deregistrationDelay(Duration.seconds(60))
                .healthCheck(
                    HealthCheck.builder()
                        .protocol(Protocol.TCP)
                        .interval(Duration.seconds(10))
                        .healthyThresholdCount(2)
                        .unhealthyThresholdCount(2)
                        .build())
                .build());

    CfnOutput.Builder.create(this, "Endpoint")
        .description("The MGN API endpoint (aws mgn --endpoint-url)")
        .value(getEndpoint())
        .build();
    // Only the agents' token is an output: operators hand it to source servers, while the
    // replication servers' token is read by the fleet's boot script and by no one else.
    CfnOutput.Builder.create(this, "InstallTokenSecret")
        .description(
            "Agents' install token: aws secretsmanager get-secret-value --query SecretString"
                + " --secret-id")
        .value(installToken.getSecretArn())
        .build();
    CfnOutput.Builder.create(this, "OperatorKeySecret")
        .description("Operator access key for the MGN API, in Secrets Manager")
        .value(operatorKey.getSecretArn())
        .build();
    CfnOutput.Builder.create(this, "CaFingerprintParameter")
        .description("SSM parameter holding the CA fingerprint to pin (--ca-fingerprint)")
        .value(caFingerprint.getParameterName())
        .build();
  }

  /**
   * Aurora PostgreSQL Serverless v2: a writer and a reader in another availability zone (Multi-AZ
   * failover), encrypted, deletion-protected, backups kept {@code backupRetentionDays}, a snapshot
   * left if the stack is deleted, and credentials generated into Secrets Manager.
   */
  private DatabaseCluster newDatabase(StagingArea staging, ControlPlaneProps props) {
    ISecurityGroup cpGroup = staging.getControlPlaneSecurityGroup();
    SecurityGroup dbGroup =
        SecurityGroup.Builder.create(this, "DatabaseGroup")
            .vpc(staging.getVpc())
            .description("liftshift control-plane store: PostgreSQL from the control plane only")
            .allowAllOutbound(false)
            .build();
    DatabaseCluster cluster =
        DatabaseCluster.Builder.create(this, "Database")
            .engine(
                DatabaseClusterEngine.auroraPostgres(
                    AuroraPostgresClusterEngineProps.builder()
                        .version(AuroraPostgresEngineVersion.VER_16_6)
                        .build()))
            .credentials(
                Credentials.fromGeneratedSecret(
                    DATABASE_USER,
                    CredentialsBaseOptions.builder().excludeCharacters(PASSWORD_EXCLUDED).build()))
            .defaultDatabaseName(DATABASE_NAME)
            .writer(ClusterInstance.serverlessV2("Writer"))
            // The reader follows the writer's size, so that a failover lands on enough capacity.
            .readers(
                List.of(
                    ClusterInstance.serverlessV2(
                        "Reader",
                        ServerlessV2ClusterInstanceProps.builder().scaleWithWriter(true).build())))
            .serverlessV2MinCapacity(props.getDatabaseMinCapacityAcu())
            .serverlessV2MaxCapacity(props.getDatabaseMaxCapacityAcu())
            .vpc(staging.getVpc())
            .vpcSubnets(staging.getStagingSubnets())
            .securityGroups(List.of(dbGroup))
            .storageEncrypted(true)
            .deletionProtection(true)
            .removalPolicy(RemovalPolicy.SNAPSHOT)
            .backup(
                BackupProps.builder()
                    .retention(Duration.days(props.getBackupRetentionDays()))
                    .preferredWindow("03:00-04:00")
                    .build())
            .copyTagsToSnapshot(true)
            .build();
    cluster.getConnections().allowDefaultPortFrom(cpGroup, "the control plane's store");
    Nag.suppress(
        cluster,
        "AwsSolutions-SMG4",
        "Nodes read the password at boot and hold connections open; a rotation would cut every"
            + " node off until it is replaced. Rotate by replacing the nodes after a manual change.");
    Nag.suppress(
        cluster,
        "AwsSolutions-RDS6",
        "Nodes sign in with the generated password from Secrets Manager, which the store's URL"
            + " carries; IAM tokens expire in 15 minutes and a connection pool would have to renew"
            + " them.");
    Nag.suppress(
        cluster,
        "AwsSolutions-RDS11",
        "The store answers only the control plane's security group; another port hides nothing"
            + " from it.");
    return cluster;
  }

  /**
   * The balancer agents, servers and operators call: TCP on 443, so that TLS passes through to the
   * nodes and clients pin the installation CA, not a balancer certificate. It shares the control
   * plane's security group, so the sources' rules admit them to it, and that group admits itself.
   */
  private NetworkLoadBalancer newBalancer(StagingArea staging) {
    ISecurityGroup cpGroup = staging.getControlPlaneSecurityGroup();
    NetworkLoadBalancer nlb =
        NetworkLoadBalancer.Builder.create(this, "Balancer")
            .vpc(staging.getVpc())
            .vpcSubnets(staging.getStagingSubnets())
            .internetFacing(staging.isPublicDataPlane())
            .crossZoneEnabled(true)
            .securityGroups(List.of(cpGroup))
            .build();
    cpGroup.addIngressRule(cpGroup, Port.tcp(StagingArea.HTTPS_PORT), "balancer to nodes");
    cpGroup.addEgressRule(cpGroup, Port.tcp(StagingArea.HTTPS_PORT), "balancer to nodes");
    Nag.suppress(
        nlb,
        "AwsSolutions-ELB2",
        "TLS passes through, so the balancer sees only TCP connections; the staging VPC's flow"
            + " logs record each one.");
    return nlb;
  }

  /**
   * How the control plane launches: on EC2 through the conversion servers' launch template, or not
   * at all. The template names their subnet and group, so neither is passed (EC2 would refuse it).
   */
  private String launchOptions(ConversionServer conversion) {
    if (conversion == null) {
      return " --no-launches";
    }
    // Nodes run in every staging zone, but launch volumes must be made where the conversion
    // servers run: the first staging subnet's zone.
    return " --cloud aws --converter-launch-template "
        + conversion.getLaunchTemplate().getLaunchTemplateId()
        + " --installation "
        + installation
        + " --launch-availability-zone "
        + conversion.getStaging().getFirstStagingSubnet().getAvailabilityZone();
  }

  /** {@code https://BALANCER_DNS_NAME:443}: what agents, servers and operators call. */
  public String getEndpoint() {
    return "https://" + balancer.getLoadBalancerDnsName() + ":" + StagingArea.HTTPS_PORT;
  }

  /** The nodes. */
  public AutoScalingGroup getAutoScalingGroup() {
    return group;
  }

  public LaunchTemplate getLaunchTemplate() {
    return launchTemplate;
  }

  public NetworkLoadBalancer getLoadBalancer() {
    return balancer;
  }

  /** The store; its credentials are in {@code getDatabase().getSecret()}. */
  public DatabaseCluster getDatabase() {
    return database;
  }

  public IRole getRole() {
    return role;
  }

  /** The agents' install token, for source servers; it admits no replication server. */
  public ISecret getInstallTokenSecret() {
    return installToken;
  }

  /**
   * The replication servers' install token: it registers a server into the fleet and certifies its
   * port 1500. Grant it only to replication servers, never to anything a source server runs.
   */
  public ISecret getReplicationServerTokenSecret() {
    return replicationServerToken;
  }

  /** JSON {@code {"accessKeyId", "secretAccessKey"}} of an operator key for the MGN API. */
  public ISecret getOperatorKeySecret() {
    return operatorKey;
  }

  /**
   * The installation CA, key included, that the first node writes and every node reads at boot.
   * Grant it to nothing else: whoever reads it can issue certificates every agent trusts.
   * Replication servers pin {@link #getCaFingerprintParameter()} and enrol for their certificates
   * instead.
   */
  public ISecret getInstallationCaSecret() {
    return installationCa;
  }

  public IStringParameter getCaFingerprintParameter() {
    return caFingerprint;
  }

  /**
   * The fingerprint parameter's name, known at synth: {@code
   * /liftshift/INSTALLATION/ca-fingerprint}.
   */
  public String getCaFingerprintParameterName() {
    return "/liftshift/" + installation + "/ca-fingerprint";
  }

  public String getInstallation() {
    return installation;
  }
}
