package io.liftshift.constructs;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.autoscaling.AdjustmentTier;
import software.amazon.awscdk.services.autoscaling.AdjustmentType;
import software.amazon.awscdk.services.autoscaling.AutoScalingGroup;
import software.amazon.awscdk.services.autoscaling.MetricAggregationType;
import software.amazon.awscdk.services.autoscaling.StepScalingAction;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.AutoScalingAction;
import software.amazon.awscdk.services.ec2.CpuCredits;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.LaunchTemplate;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.constructs.Construct;

/**
 * The replication servers: a launch template, an Auto Scaling group of 0 to N, and scaling that
 * follows the control plane's fleet need.
 *
 * <p>Scaling: the control plane publishes the disks it tracks every minute as a CloudWatch metric.
 * An alarm that is always in ALARM while the metric arrives drives a step-scaling policy of type
 * ExactCapacity whose step k covers ((k-1) × maxDisks, k × maxDisks] disks and sets the group to k
 * servers (tracked disks ÷ maxDisks, rounded up); Auto Scaling re-runs a step policy every period
 * its alarm stays in ALARM, so the group follows the need both ways. When the metric stops (control
 * plane down) the alarm goes to INSUFFICIENT_DATA and the group is left as it is, never emptied
 * blind.
 *
 * <p>New servers are protected from scale-in: a lower need lowers the group's desired capacity, but
 * Auto Scaling ends only servers whose protection the control plane has released (its role may call
 * {@code autoscaling:SetInstanceProtection} on this group, and on nothing else), once their disks
 * have moved.
 */
public final class ReplicationServerFleet extends Construct {
  /** Disks one replication server carries unless {@code maxDisks} says otherwise, as in MGN. */
  public static final int DEFAULT_MAX_DISKS = 15;

  /** The most disks one replicator accepts ({@code liftshift replicator --max-disks}). */
  public static final int MAX_DISKS_LIMIT = 1024;

  /** The most step adjustments one scaling policy may hold. */
  static final int MAX_STEPS = 20;

  private final LaunchTemplate launchTemplate;
  private final AutoScalingGroup group;
  private final Role role;

  public ReplicationServerFleet(Construct scope, String id, ReplicationServerFleetProps props) {
    super(scope, id);
    String c = "ReplicationServerFleet";
    Checks.required(props, c, "props");
    StagingArea staging = Checks.required(props.getStaging(), c, "staging");
    ControlPlane cp = Checks.required(props.getControlPlane(), c, "controlPlane");
    SoftwareBucket bucket = Checks.required(props.getSoftwareBucket(), c, "softwareBucket");
    Checks.required(props.getMachineImage(), c, "machineImage");
    String type = Checks.instanceType(props.getInstanceType(), c, "instanceType");
    Checks.capacity(props.getMinCapacity(), props.getMaxCapacity(), c);
    if (props.getMaxCapacity() > MAX_STEPS - 1) {
      throw new IllegalArgumentException(
          c
              + ": maxCapacity "
              + props.getMaxCapacity()
              + " is more than "
              + (MAX_STEPS - 1)
              + ": the scaling policy has one step per server count and AWS allows "
              + MAX_STEPS
              + " steps; use a larger instanceType with a higher maxDisks and fewer servers");
    }
    Checks.positive(props.getRootVolumeSizeGiB(), c, "rootVolumeSizeGiB");
    int maxDisks = props.getMaxDisks();
    if (maxDisks < 1 || maxDisks > MAX_DISKS_LIMIT) {
      throw new IllegalArgumentException(
          c
              + ": maxDisks must be 1 to "
              + MAX_DISKS_LIMIT
              + " (disks one replication server replicates at once); got "
              + maxDisks);
    }
    String installation = staging.getInstallation();
    // Every fleet of an installation follows the same tracked-disk metric and the control plane
    // places disks on any of its replicators, so a second fleet would double the servers.
    staging.claimFleet(this);

    role =
        Role.Builder.create(this, "Role")
            .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
            .description("liftshift replication servers")
            .build();
    ServerBoot.grantStagingVolumes(role, installation);
    bucket.grantSoftwareRead(role);
    bucket.grantStateWrite(role);
    // The fingerprint, not the CA secret: replication servers enrol for their certificates, so a
    // server that is taken over never holds the key that could speak for the control plane. And
    // the replication servers' token only: the agents' token admits no replication server.
    ServerBoot.grantBootReads(role, cp, cp.getReplicationServerTokenSecret());
    Nag.suppress(
        role,
        "AwsSolutions-IAM5",
        "Volume and snapshot ARNs end in * because their ids are made at run time; each statement"
            + " is conditioned on the liftshift:installation tag. Describe calls support no"
            + " resource scoping. Bucket access is limited to the software/ and state/ prefixes.",
        List.of(
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*",
            "Resource::*"));

    UserData userData = UserData.forLinux();
    userData.addCommands(
        ServerBoot.script(
                cp,
                cp.getReplicationServerTokenSecret(),
                "replicator",
                "--advertise $ADDRESS --san $ADDRESS --cloud aws --installation "
                    + installation
                    + " --max-disks "
                    + maxDisks,
                staging.isPublicDataPlane())
            .toArray(String[]::new));
    LaunchTemplate.Builder lt =
        LaunchTemplate.Builder.create(this, "LaunchTemplate")
            .instanceType(new InstanceType(type))
            .machineImage(props.getMachineImage())
            .userData(userData)
            .role(role)
            .securityGroup(staging.getReplicationServerSecurityGroup())
            .requireImdsv2(true)
            .httpPutResponseHopLimit(1)
            .detailedMonitoring(true)
            .associatePublicIpAddress(staging.isPublicDataPlane())
            .blockDevices(List.of(ServerBoot.encryptedRoot(props.getRootVolumeSizeGiB())));
    if (Checks.burstable(type)) {
      // Replication is steady I/O and compression: standard credits would throttle it mid-sync.
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
            // A server carrying disks must never be ended by scale-in: its staging volumes would
            // need a full resync elsewhere. The control plane releases a server once its disks
            // have moved (the ControlPlaneReleasesServers policy below); until then scale-in leaves
            // it running.
            .newInstancesProtectedFromScaleIn(true)
            .build();
    Tags.of(this).add(StagingArea.INSTALLATION_TAG, installation);
    // A policy of its own on the control plane's role, beside the group it names: the right to
    // release one of these servers (and nothing else of Auto Scaling) once it is empty.
    Policy release =
        Policy.Builder.create(this, "ControlPlaneReleasesServers")
            .roles(List.of(cp.getRole()))
            .statements(
                List.of(
                    PolicyStatement.Builder.create()
                        .sid("ReleaseEmptyReplicationServers")
                        .actions(List.of("autoscaling:SetInstanceProtection"))
                        .resources(List.of(group.getAutoScalingGroupArn()))
                        .build()))
            .build();
    Nag.suppress(
        release,
        "AwsSolutions-IAM5",
        "The group's ARN holds a * in place of its UUID, which Auto Scaling assigns at creation;"
            + " the name that follows it is this group's.",
        List.of(
            Nag.regex(
                "/^Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>"
                    + ":autoScalingGroup:\\*:autoScalingGroupName\\/<[A-Za-z0-9]+>$/")));
    Nag.suppress(
        group,
        "AwsSolutions-AS3",
        "Scaling follows the control plane's fleet need (liftshift admin fleet), which records why;"
            + " notifications would need an SNS key the Auto Scaling service-linked role can use"
            + " before that role exists.");

    if (props.getMaxCapacity() > 0) {
      Metric need =
          Metric.Builder.create()
              .namespace(ControlPlane.FLEET_METRIC_NAMESPACE)
              .metricName(ControlPlane.TRACKED_DISKS_METRIC_NAME)
              .dimensionsMap(Map.of("Installation", installation))
              .statistic("Maximum")
              .period(Duration.minutes(1))
              .build();
      StepScalingAction scaling =
          StepScalingAction.Builder.create(this, "FollowNeed")
              .autoScalingGroup(group)
              .adjustmentType(AdjustmentType.EXACT_CAPACITY)
              .metricAggregationType(MetricAggregationType.MAXIMUM)
              .build();
      // The alarm's threshold is 0, so the tracked-disk count d falls in the step whose bounds
      // hold it: [0, 1) sets no server, [(k-1) * maxDisks + 1, k * maxDisks + 1) sets k servers,
      // which is d / maxDisks rounded up (the metric counts whole disks).
      scaling.addAdjustment(
          AdjustmentTier.builder().lowerBound(0).upperBound(1).adjustment(0).build());
      for (int k = 1; k < props.getMaxCapacity(); k++) {
        scaling.addAdjustment(
            AdjustmentTier.builder()
                .lowerBound((k - 1) * maxDisks + 1)
                .upperBound(k * maxDisks + 1)
                .adjustment(k)
                .build());
      }
      scaling.addAdjustment(
          AdjustmentTier.builder()
              .lowerBound((props.getMaxCapacity() - 1) * maxDisks + 1)
              .adjustment(props.getMaxCapacity())
              .build());
      Alarm alarm =
          Alarm.Builder.create(this, "NeedReported")
              .alarmDescription(
                  "Always in ALARM while the control plane reports its tracked disks; drives"
                      + " FollowNeed")
              .metric(need)
              .threshold(0)
              .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
              .evaluationPeriods(1)
              .treatMissingData(TreatMissingData.MISSING)
              .build();
      alarm.addAlarmAction(new AutoScalingAction(scaling));
    }
  }

  public LaunchTemplate getLaunchTemplate() {
    return launchTemplate;
  }

  public AutoScalingGroup getGroup() {
    return group;
  }

  public Role getRole() {
    return role;
  }
}
