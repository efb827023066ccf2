package io.liftshift.constructs;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.backup.BackupPlan;
import software.amazon.awscdk.services.backup.BackupPlanRule;
import software.amazon.awscdk.services.backup.BackupResource;
import software.amazon.awscdk.services.backup.BackupSelectionOptions;
import software.amazon.awscdk.services.ec2.BlockDevice;
import software.amazon.awscdk.services.ec2.BlockDeviceVolume;
import software.amazon.awscdk.services.ec2.EbsDeviceOptions;
import software.amazon.awscdk.services.ec2.EbsDeviceVolumeType;
import software.amazon.awscdk.services.ec2.Instance;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.ssm.IStringParameter;
import software.amazon.awscdk.services.ssm.StringParameter;
import software.constructs.Construct;

/**
 * The control plane: one EC2 instance serving the MGN API on 443, its state (SQLite database and
 * the installation CA) on an encrypted EBS volume backed up daily by AWS Backup.
 *
 * <p>Its TLS certificate is issued at first boot by the installation CA it creates, for the
 * instance's private IP and DNS name; the CA's fingerprint, which every client pins, is published
 * to an SSM parameter. The install token and an operator access key are written into Secrets
 * Manager secrets; the stack's outputs say where, never what.
 *
 * <p>Every minute the instance publishes the fleet need ({@code trackedDisks} and {@code
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

  static final String STATE_DIR = "/var/lib/liftshift";
  static final String STATE_DEVICE = "/dev/sdf";

  private final Instance instance;
  private final Role role;
  private final Secret installToken;
  private final Secret replicationServerToken;
  private final Secret operatorKey;
  private final Secret installationCa;
  private final StringParameter caFingerprint;
  private final String installation;

  public ControlPlane(Construct scope, String id, ControlPlaneProps props) {
    super(scope, id);
    // Without this flag the instance's IMDSv2 launch template gets a fixed name, and a second
    // installation in the same region would collide with it. Context must be set before children.
    getNode().setContext("@aws-cdk/aws-ec2:uniqueImdsv2TemplateName", true);
    String c = "ControlPlane";
    Checks.required(props, c, "props");
    StagingArea staging = Checks.required(props.getStaging(), c, "staging");
    SoftwareBucket bucket = Checks.required(props.getSoftwareBucket(), c, "softwareBucket");
    Checks.required(props.getMachineImage(), c, "machineImage");
    Checks.instanceType(props.getInstanceType(), c, "instanceType");
    Checks.positive(props.getStateVolumeSizeGiB(), c, "stateVolumeSizeGiB");
    Checks.positive(props.getBackupRetentionDays(), c, "backupRetentionDays");
    installation = staging.getInstallation();
    ConversionServer conversion = props.getConversionServer();
    if (conversion != null && conversion.getStaging() != staging) {
      throw new IllegalArgumentException(
          "ControlPlane: conversionServer must be built on the control plane's staging area"
              + " (installation "
              + installation
              + "): launch volumes are made in the control plane's availability zone");
    }

    installToken =
        Secret.Builder.create(this, "InstallToken")
            .description(
                "liftshift install token for agents; written by the control plane at first boot")
            .build();
    // A token of its own: the agents' token goes to every source server, and a replication
    // server's token also gets it other servers' disks and a certificate agents trust.
    replicationServerToken =
        Secret.Builder.create(this, "ReplicationServerToken")
            .description(
                "liftshift install token for replication servers; written by the control plane at"
                    + " first boot")
            .build();
    operatorKey =
        Secret.Builder.create(this, "OperatorKey")
            .description(
                "liftshift operator access key {accessKeyId, secretAccessKey} for the MGN API;"
                    + " written by the control plane at first boot")
            .build();
    installationCa =
        Secret.Builder.create(this, "InstallationCa")
            .description(
                "liftshift installation CA (tar.gz, base64), a copy the control plane writes at"
                    + " first boot; no server reads it (replication servers enrol instead)")
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

    role =
        Role.Builder.create(this, "Role")
            .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
            .description("liftshift control plane")
            .build();
    for (Secret s : List.of(installToken, replicationServerToken, operatorKey, installationCa)) {
      role.addToPolicy(
          PolicyStatement.Builder.create()
              .actions(List.of("secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"))
              .resources(List.of(s.getSecretArn()))
              .build());
    }
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
    userData.addCommands(bootScript(launchOptions(conversion)).toArray(String[]::new));
    instance =
        Instance.Builder.create(this, "Instance")
            .vpc(staging.getVpc())
            .vpcSubnets(
                SubnetSelection.builder().subnets(List.of(staging.getFirstStagingSubnet())).build())
            .securityGroup(staging.getControlPlaneSecurityGroup())
            .instanceType(new InstanceType(props.getInstanceType()))
            .machineImage(props.getMachineImage())
            .role(role)
            .userData(userData)
            .requireImdsv2(true)
            .detailedMonitoring(true)
            .disableApiTermination(true)
            // With PUBLIC_IP routing agents reach it over the internet, as they reach the fleet;
            // its group still admits only the sources, and without a NAT it needs the address
            // to reach AWS APIs.
            .associatePublicIpAddress(staging.isPublicDataPlane())
            .blockDevices(
                List.of(
                    BlockDevice.builder()
                        .deviceName("/dev/xvda")
                        .volume(
                            BlockDeviceVolume.ebs(
                                16,
                                EbsDeviceOptions.builder()
                                    .encrypted(true)
                                    .volumeType(EbsDeviceVolumeType.GP3)
                                    .build()))
                        .build(),
                    BlockDevice.builder()
                        .deviceName(STATE_DEVICE)
                        .volume(
                            BlockDeviceVolume.ebs(
                                props.getStateVolumeSizeGiB(),
                                EbsDeviceOptions.builder()
                                    .encrypted(true)
                                    .volumeType(EbsDeviceVolumeType.GP3)
                                    .deleteOnTermination(false)
                                    .build()))
                        .build()))
            .build();

    BackupPlan plan =
        BackupPlan.Builder.create(this, "Backup")
            .backupPlanRules(
                List.of(
                    BackupPlanRule.Builder.create()
                        .ruleName("daily")
                        .scheduleExpression(
                            Schedule.cron(
                                software.amazon.awscdk.services.events.CronOptions.builder()
                                    .minute("0")
                                    .hour("3")
                                    .build()))
                        .deleteAfter(Duration.days(props.getBackupRetentionDays()))
                        .build()))
            .build();
    var selection =
        plan.addSelection(
            "State",
            BackupSelectionOptions.builder()
                .resources(List.of(BackupResource.fromEc2Instance(instance)))
                .build());
    Nag.suppress(
        selection,
        "AwsSolutions-IAM4",
        "AWS Backup's own service-role policy is what it needs to snapshot the instance and its"
            + " state volume.",
        List.of(
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                + "AWSBackupServiceRolePolicyForBackup"));

    CfnOutput.Builder.create(this, "Endpoint")
        .description("The MGN API endpoint (aws mgn --endpoint-url)")
        .value(getEndpoint())
        .build();
    if (staging.isPublicDataPlane()) {
      CfnOutput.Builder.create(this, "PublicEndpoint")
          .description("The endpoint agents use over the internet (PUBLIC_IP routing)")
          .value("https://" + instance.getInstancePublicIp() + ":" + StagingArea.HTTPS_PORT)
          .build();
    }
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
   * How the control plane launches: on EC2 through the conversion servers' launch template, or not
   * at all. The template names their subnet and group, so neither is passed (EC2 would refuse it).
   */
  private String launchOptions(ConversionServer conversion) {
    if (conversion == null) {
      return " --no-launches";
    }
    return " --cloud aws --converter-launch-template "
        + conversion.getLaunchTemplate().getLaunchTemplateId()
        + " --installation "
        + installation;
  }

  private List<String> bootScript(String launchOptions) {
    String cp = "/usr/local/bin/liftshift";
    String data = STATE_DIR + "/control-plane";
    String ca = STATE_DIR + "/ca";
    return List.of(
        "set -euo pipefail",
        "mkdir -p " + STATE_DIR,
        // The state volume outlives the instance: format it only when it is blank.
        "blkid " + STATE_DEVICE + " || mkfs.ext4 -L liftshift-state " + STATE_DEVICE,
        "grep -q liftshift-state /etc/fstab || echo 'LABEL=liftshift-state "
            + STATE_DIR
            + " ext4 defaults,nofail 0 2' >> /etc/fstab",
        "mount -a",
        "IMDS=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300'"
            + " http://169.254.169.254/latest/api/token)",
        "md() { curl -sf -H \"X-aws-ec2-metadata-token: $IMDS\""
            + " http://169.254.169.254/latest/meta-data/$1; }",
        "IP=$(md local-ipv4); NAME=$(md local-hostname)",
        "SANS=\"--san $IP --san $NAME\"",
        "PUBLIC=$(md public-ipv4 || true); [ -n \"$PUBLIC\" ] && SANS=\"$SANS --san $PUBLIC\"",
        "cat > /etc/systemd/system/liftshift-control-plane.service <<UNIT",
        "[Unit]",
        "Description=liftshift control plane",
        "After=network-online.target local-fs.target",
        "[Service]",
        "Environment=LIFTSHIFT_HOME=" + STATE_DIR,
        "ExecStart="
            + cp
            + " control-plane --listen 0.0.0.0:443 --data-dir "
            + data
            + " --ca-dir "
            + ca
            + " --region "
            + Aws.REGION
            + launchOptions
            + " $SANS",
        "Restart=always",
        "[Install]",
        "WantedBy=multi-user.target",
        "UNIT",
        "systemctl daemon-reload",
        "systemctl enable --now liftshift-control-plane",
        "for i in $(seq 90); do curl -s --cacert "
            + ca
            + "/ca.crt https://$IP:443/ -o /dev/null && break; sleep 2; done",
        // Before the fingerprint below, which replication servers wait for before they read this
        // token. A marker of its own, so that a control plane from before token roles, whose
        // state volume is already .published, still makes it.
        "if [ ! -f " + STATE_DIR + "/.published-replication-server-token ]; then",
        "  export AWS_DEFAULT_REGION=" + Aws.REGION,
        "  "
            + cp
            + " admin create-install-token --for replication-servers --data-dir "
            + data
            + " | tr -d '\\n' | aws secretsmanager put-secret-value --secret-id "
            + replicationServerToken.getSecretArn()
            + " --secret-string file:///dev/stdin > /dev/null",
        "  touch " + STATE_DIR + "/.published-replication-server-token",
        "fi",
        // Secrets are created once, on the state volume's first boot, and survive reboots.
        "if [ ! -f " + STATE_DIR + "/.published ]; then",
        "  export AWS_DEFAULT_REGION=" + Aws.REGION,
        "  "
            + cp
            + " admin create-install-token --data-dir "
            + data
            + " | tr -d '\\n' | aws secretsmanager put-secret-value --secret-id "
            + installToken.getSecretArn()
            + " --secret-string file:///dev/stdin > /dev/null",
        "  KEY=$(" + cp + " admin create-access-key --data-dir " + data + ")",
        "  KEY_ID=$(echo \"$KEY\" | sed -n 's/^AWS_ACCESS_KEY_ID=//p')",
        "  KEY_SECRET=$(echo \"$KEY\" | sed -n 's/^AWS_SECRET_ACCESS_KEY=//p')",
        "  printf '{\"accessKeyId\":\"%s\",\"secretAccessKey\":\"%s\"}' \"$KEY_ID\" \"$KEY_SECRET\""
            + " | aws secretsmanager put-secret-value --secret-id "
            + operatorKey.getSecretArn()
            + " --secret-string file:///dev/stdin > /dev/null",
        "  AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$KEY_SECRET aws mgn initialize-service"
            + " --endpoint-url https://$IP:443 --ca-bundle "
            + ca
            + "/ca.crt --region "
            + Aws.REGION,
        "  FP=$(" + cp + " ca show --ca-dir " + ca + " | grep -o 'sha256:[0-9a-fA-F]*' | head -1)",
        "  aws ssm put-parameter --overwrite --name "
            + caFingerprint.getParameterName()
            + " --value \"$FP\" > /dev/null",
        "  tar -C "
            + STATE_DIR
            + " -czf - ca | base64 -w0 | aws secretsmanager put-secret-value"
            + " --secret-id "
            + installationCa.getSecretArn()
            + " --secret-string file:///dev/stdin > /dev/null",
        "  touch " + STATE_DIR + "/.published",
        "fi",
        // Quoted: systemd, not this shell, expands the command ($$ is a literal $ to systemd).
        "cat > /etc/systemd/system/liftshift-fleet-metric.service <<'UNIT'",
        "[Service]",
        "Type=oneshot",
        "Environment=AWS_DEFAULT_REGION=" + Aws.REGION,
        // Both figures of one `admin fleet` answer in one call: the disk count is what each fleet
        // divides by its own maxDisks; desiredReplicators (disks / 15) stays for dashboards.
        "ExecStart=/bin/sh -c 'NEED=$$("
            + cp
            + " admin fleet --data-dir "
            + data
            + ") && aws cloudwatch put-metric-data --namespace "
            + FLEET_METRIC_NAMESPACE
            + " --metric-data "
            + metricDatum(FLEET_METRIC_NAME, "desiredReplicators")
            + " "
            + metricDatum(TRACKED_DISKS_METRIC_NAME, "trackedDisks")
            + "'",
        "UNIT",
        "cat > /etc/systemd/system/liftshift-fleet-metric.timer <<UNIT",
        "[Timer]",
        "OnBootSec=60",
        "OnUnitActiveSec=60",
        "[Install]",
        "WantedBy=timers.target",
        "UNIT",
        "systemctl daemon-reload",
        "systemctl enable --now liftshift-fleet-metric.timer");
  }

  /** One shorthand {@code --metric-data} item whose value is {@code field} of {@code $NEED}. */
  private String metricDatum(String metric, String field) {
    return "\"MetricName="
        + metric
        + ",Dimensions=[{Name=Installation,Value="
        + installation
        + "}],Value=$$(echo \"$$NEED\" | grep -o \""
        + field
        + "[^0-9]*[0-9]*\" | grep -o \"[0-9]*$$\")\"";
  }

  /** {@code https://PRIVATE_IP:443}: what agents, servers and operators call. */
  public String getEndpoint() {
    return "https://" + instance.getInstancePrivateIp() + ":" + StagingArea.HTTPS_PORT;
  }

  public Instance getInstance() {
    return instance;
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
   * A copy of the installation CA, key included, that the control plane writes at first boot. Grant
   * it to nothing else: whoever reads it can issue certificates every agent trusts. Replication
   * servers pin {@link #getCaFingerprintParameter()} and enrol for their certificates instead.
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
