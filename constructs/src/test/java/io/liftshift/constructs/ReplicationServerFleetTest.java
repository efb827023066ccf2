package io.liftshift.constructs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class ReplicationServerFleetTest {
  @TempDir static Path out;
  static Fixture fixture;
  static Template template;

  @BeforeAll
  static void synth() {
    fixture = new Fixture(out);
    template = fixture.template();
  }

  private static String fleetTemplateId() {
    return fixture.stack.getLogicalId(
        (software.amazon.awscdk.CfnElement)
            fixture.fleet.getLaunchTemplate().getNode().getDefaultChild());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> fleetTemplateData() {
    Map<String, Object> lt = (Map<String, Object>) template.toJSON().get("Resources");
    Map<String, Object> props =
        (Map<String, Object>) ((Map<String, Object>) lt.get(fleetTemplateId())).get("Properties");
    return (Map<String, Object>) props.get("LaunchTemplateData");
  }

  @Test
  void defaultInstanceTypeIsT3SmallWithUnlimitedCredits() {
    assertThat(fleetTemplateData())
        .containsEntry("InstanceType", "t3.small")
        .containsEntry("CreditSpecification", Map.of("CpuCredits", "unlimited"));
  }

  @Test
  void imdsV2IsRequired() {
    template.hasResourceProperties(
        "AWS::EC2::LaunchTemplate",
        Match.objectLike(
            Map.of(
                "LaunchTemplateData",
                Match.objectLike(
                    Map.of(
                        "InstanceType",
                        "t3.small",
                        "MetadataOptions",
                        Match.objectLike(Map.of("HttpTokens", "required")))))));
  }

  @Test
  void userDataStartsLiftshiftReplicatorAgainstTheControlPlane() {
    assertThat(fleetUserData())
        .contains(
            "ExecStart=/usr/local/bin/liftshift replicator --control-plane https://<token>:443"
                + " --advertise $ADDRESS --san $ADDRESS --cloud aws --installation acme"
                + " --max-disks 15");
  }

  private static String fleetUserData() {
    Capture parts = new Capture();
    template.hasResourceProperties(
        "AWS::EC2::LaunchTemplate",
        Match.objectLike(
            Map.of(
                "LaunchTemplateData",
                Match.objectLike(
                    Map.of(
                        "InstanceType",
                        "t3.small",
                        "UserData",
                        Map.of("Fn::Base64", Map.of("Fn::Join", List.of("", parts))))))));
    StringBuilder script = new StringBuilder();
    for (Object p : parts.asArray()) {
      script.append(p instanceof String s ? s : "<token>");
    }
    return script.toString();
  }

  @Test
  void userDataPinsTheCaFingerprintFromTheControlPlanesParameterAndFetchesNoCa() {
    String script = fleetUserData();
    assertThat(script)
        .contains("aws ssm get-parameter --name /liftshift/acme/ca-fingerprint")
        .contains(" --ca-fingerprint \"$FP\" --data-dir ")
        .doesNotContain("--ca-dir")
        .doesNotContain("tar -C");
  }

  private static String logicalId(software.constructs.IConstruct c) {
    return fixture.stack.getLogicalId(
        (software.amazon.awscdk.CfnElement) c.getNode().getDefaultChild());
  }

  /** The fleet role's policies, as text, to look for the resources they name. */
  private static String fleetPolicies() {
    return template
        .findResources(
            "AWS::IAM::Policy",
            Match.objectLike(
                Map.of(
                    "Properties",
                    Match.objectLike(
                        Map.of(
                            "Roles", List.of(Map.of("Ref", logicalId(fixture.fleet.getRole()))))))))
        .toString();
  }

  @Test
  void theFleetRoleCannotReadTheAgentsInstallToken() {
    // Any source server holds the agents' token; with it, a replication server's rights.
    assertThat(fleetPolicies())
        .contains(logicalId(fixture.controlPlane.getReplicationServerTokenSecret()))
        .doesNotContain(logicalId(fixture.controlPlane.getInstallTokenSecret()));
  }

  @Test
  void userDataReadsTheReplicationServersInstallToken() {
    Capture parts = new Capture();
    template.hasResourceProperties(
        "AWS::EC2::LaunchTemplate",
        Match.objectLike(
            Map.of(
                "LaunchTemplateData",
                Match.objectLike(
                    Map.of(
                        // The fleet's, not the control plane's (t3.medium).
                        "InstanceType",
                        "t3.small",
                        "UserData",
                        Map.of("Fn::Base64", Map.of("Fn::Join", List.of("", parts))))))));
    assertThat(parts.asArray())
        .contains(Map.of("Ref", logicalId(fixture.controlPlane.getReplicationServerTokenSecret())))
        .doesNotContain(Map.of("Ref", logicalId(fixture.controlPlane.getInstallTokenSecret())));
  }

  @Test
  void theFleetRoleReadsTheFingerprintParameterAndCannotReadTheCaSecret() {
    Map<String, Map<String, Object>> policies =
        template.findResources(
            "AWS::IAM::Policy",
            Match.objectLike(
                Map.of(
                    "Properties",
                    Match.objectLike(
                        Map.of(
                            "Roles",
                            List.of(Map.of("Ref", logicalId(fixture.fleet.getRole()))))))));
    String granted = policies.toString();
    assertThat(granted)
        .contains(logicalId(fixture.controlPlane.getReplicationServerTokenSecret()))
        .doesNotContain(logicalId(fixture.controlPlane.getInstallationCaSecret()));
    Capture resource = new Capture();
    template.hasResourceProperties(
        "AWS::IAM::Policy",
        Match.objectLike(
            Map.of(
                "Roles",
                List.of(Map.of("Ref", logicalId(fixture.fleet.getRole()))),
                "PolicyDocument",
                Match.objectLike(
                    Map.of(
                        "Statement",
                        Match.arrayWith(
                            List.of(
                                Match.objectLike(
                                    Map.of(
                                        "Sid",
                                        "ReadCaFingerprint",
                                        "Action",
                                        "ssm:GetParameter",
                                        "Resource",
                                        resource)))))))));
    // Exactly the control plane's parameter (its name, /liftshift/acme/ca-fingerprint, by Ref).
    assertThat(resource.asObject().toString())
        .contains(":parameter")
        .contains("{Ref=" + logicalId(fixture.controlPlane.getCaFingerprintParameter()) + "}");
  }

  @Test
  void groupScalesFromZeroOnTheFleetNeed() {
    template.hasResourceProperties(
        "AWS::AutoScaling::AutoScalingGroup",
        Match.objectLike(Map.of("MinSize", "0", "MaxSize", "4")));
    Capture steps = new Capture();
    template.hasResourceProperties(
        "AWS::AutoScaling::ScalingPolicy",
        Match.objectLike(
            Map.of(
                "AdjustmentType",
                "ExactCapacity",
                "PolicyType",
                "StepScaling",
                "StepAdjustments",
                steps)));
    assertThat(steps.asArray()).hasSize(5);
    template.hasResourceProperties(
        "AWS::CloudWatch::Alarm",
        Match.objectLike(
            Map.of(
                "Namespace",
                "Liftshift",
                "MetricName",
                "TrackedDisks",
                "Threshold",
                0,
                "Dimensions",
                List.of(Map.of("Name", "Installation", "Value", "acme")))));
  }

  @Test
  void theDefaultStepsGiveOneServerPerFifteenDisks() {
    Capture steps = new Capture();
    template.hasResourceProperties(
        "AWS::AutoScaling::ScalingPolicy",
        Match.objectLike(Map.of("PolicyType", "StepScaling", "StepAdjustments", steps)));
    assertThat(steps.asArray())
        .containsExactly(
            step(0, 1, 0), step(1, 16, 1), step(16, 31, 2), step(31, 46, 3), step(46, null, 4));
  }

  /** A step adjustment as CloudFormation writes it; {@code upper} null for the open last one. */
  private static Map<String, Object> step(int lower, Integer upper, int servers) {
    Map<String, Object> s = new java.util.LinkedHashMap<>();
    s.put("MetricIntervalLowerBound", lower);
    if (upper != null) {
      s.put("MetricIntervalUpperBound", upper);
    }
    s.put("ScalingAdjustment", servers);
    return s;
  }

  @Test
  void maxDisksGoesToTheReplicatorAndDividesTheTrackedDisks() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("disks")), "S");
    new ReplicationServerFleet(stack, "Fleet", valid(stack).maxDisks(40).maxCapacity(3).build());
    Template t = Template.fromStack(stack);
    Capture steps = new Capture();
    t.hasResourceProperties(
        "AWS::AutoScaling::ScalingPolicy",
        Match.objectLike(Map.of("PolicyType", "StepScaling", "StepAdjustments", steps)));
    assertThat(steps.asArray())
        .containsExactly(step(0, 1, 0), step(1, 41, 1), step(41, 81, 2), step(81, null, 3));
    Capture parts = new Capture();
    t.hasResourceProperties(
        "AWS::EC2::LaunchTemplate",
        Match.objectLike(
            Map.of(
                "LaunchTemplateData",
                Match.objectLike(
                    Map.of(
                        // The fleet's, not the control plane's (t3.medium).
                        "InstanceType",
                        "t3.small",
                        "UserData",
                        Map.of("Fn::Base64", Map.of("Fn::Join", List.of("", parts))))))));
    assertThat(parts.asArray().toString())
        .contains(" --max-disks 40")
        .doesNotContain("--max-disks 15");
  }

  @Test
  void maxDisksOfZeroIsRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("d0")), "S");
    var props = valid(stack).maxDisks(0).build();
    assertThatThrownBy(() -> new ReplicationServerFleet(stack, "Fleet", props))
        .hasMessageContaining("maxDisks must be 1 to 1024")
        .hasMessageContaining("got 0");
  }

  @Test
  void maxDisksAboveTheReplicatorsLimitIsRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("d1025")), "S");
    var props = valid(stack).maxDisks(1025).build();
    assertThatThrownBy(() -> new ReplicationServerFleet(stack, "Fleet", props))
        .hasMessageContaining("maxDisks must be 1 to 1024")
        .hasMessageContaining("got 1025");
  }

  @Test
  void aSecondFleetInOneStagingAreaIsRefusedNamingTheFirst() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("two")), "S");
    var props = valid(stack).build();
    new ReplicationServerFleet(stack, "Fleet", props);
    var bigger =
        ReplicationServerFleetProps.builder()
            .staging(props.getStaging())
            .controlPlane(props.getControlPlane())
            .softwareBucket(props.getSoftwareBucket())
            .machineImage(props.getMachineImage())
            .maxDisks(60)
            .build();
    assertThatThrownBy(() -> new ReplicationServerFleet(stack, "BigFleet", bigger))
        .hasMessageContaining("already has the fleet S/Fleet")
        .hasMessageContaining("use one fleet per staging area");
  }

  @Test
  void newServersAreProtectedFromScaleIn() {
    template.hasResourceProperties(
        "AWS::AutoScaling::AutoScalingGroup",
        Match.objectLike(Map.of("NewInstancesProtectedFromScaleIn", true)));
  }

  @Test
  void theControlPlaneMayReleaseProtectionOnTheFleetGroupOnly() {
    Capture resource = new Capture();
    template.hasResourceProperties(
        "AWS::IAM::Policy",
        Match.objectLike(
            Map.of(
                "Roles",
                List.of(Map.of("Ref", logicalId(fixture.controlPlane.getRole()))),
                "PolicyDocument",
                Match.objectLike(
                    Map.of(
                        "Statement",
                        List.of(
                            Map.of(
                                "Sid",
                                "ReleaseEmptyReplicationServers",
                                "Effect",
                                "Allow",
                                "Action",
                                "autoscaling:SetInstanceProtection",
                                "Resource",
                                resource)))))));
    assertThat(resource.asObject().toString())
        .contains(":autoScalingGroup:*:autoScalingGroupName/")
        .contains("{Ref=" + logicalId(fixture.fleet.getGroup()) + "}");
  }

  @Test
  void noOtherRoleMaySetInstanceProtection() {
    assertThat(fleetPolicies()).doesNotContain("autoscaling:");
    long grants =
        template.findResources("AWS::IAM::Policy").values().stream()
            .filter(p -> p.toString().contains("autoscaling:SetInstanceProtection"))
            .count();
    assertThat(grants).isEqualTo(1);
  }

  @Test
  void volumeRightsAreConditionedOnTheInstallationTag() {
    Capture requestTag = new Capture();
    hasStatement(
        Map.of(
            "Sid",
            "CreateTaggedVolumesAndSnapshots",
            "Condition",
            Map.of("StringEquals", requestTag)));
    assertThat(requestTag.asObject())
        .containsEntry("aws:RequestTag/liftshift:installation", "acme");
    Capture resourceTag = new Capture();
    hasStatement(
        Map.of(
            "Sid",
            "UseOwnVolumesAndSnapshots",
            "Effect",
            "Allow",
            "Condition",
            Map.of("StringEquals", resourceTag)));
    assertThat(resourceTag.asObject())
        .containsEntry("aws:ResourceTag/liftshift:installation", "acme");
  }

  @Test
  void snapshotRightsNameSnapshotArnsWhichHaveNoAccount() {
    hasStatement(
        Map.of(
            "Sid",
            "CreateTaggedVolumesAndSnapshots",
            "Resource",
            Match.arrayWith(
                List.of(
                    Map.of(
                        "Fn::Join",
                        List.of(
                            "",
                            List.of(
                                "arn:",
                                Map.of("Ref", "AWS::Partition"),
                                ":ec2:",
                                Map.of("Ref", "AWS::Region"),
                                "::snapshot/*")))))));
  }

  /** A statement of some IAM policy in the template. */
  private static void hasStatement(Map<String, Object> statement) {
    template.hasResourceProperties(
        "AWS::IAM::Policy",
        Match.objectLike(
            Map.of(
                "PolicyDocument",
                Match.objectLike(
                    Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(statement))))))));
  }

  private static ReplicationServerFleetProps.Builder valid(Stack stack) {
    return valid(
        stack,
        new StagingArea(
            stack,
            "Staging",
            StagingAreaProps.builder().sourceCidrs(List.of(Fixture.SOURCE_A)).build()));
  }

  /** A valid fleet's props in {@code staging}, with its bucket, image and control plane. */
  private static ReplicationServerFleetProps.Builder valid(Stack stack, StagingArea staging) {
    SoftwareBucket bucket = new SoftwareBucket(stack, "Software", null);
    var image = DaemonImage.fromAmiId("ami-0123456789abcdef0");
    ControlPlane cp =
        new ControlPlane(
            stack,
            "ControlPlane",
            ControlPlaneProps.builder()
                .staging(staging)
                .softwareBucket(bucket)
                .machineImage(image)
                .build());
    return ReplicationServerFleetProps.builder()
        .staging(staging)
        .controlPlane(cp)
        .softwareBucket(bucket)
        .machineImage(image);
  }

  @Test
  void publicRoutingGivesServersPublicIpsAndNoNat() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("public")), "S");
    StagingArea staging =
        new StagingArea(
            stack,
            "Staging",
            StagingAreaProps.builder()
                .sourceCidrs(List.of(Fixture.SOURCE_A))
                .dataPlaneRouting(DataPlaneRouting.PUBLIC_IP)
                .build());
    new ReplicationServerFleet(stack, "Fleet", valid(stack, staging).build());
    Template t = Template.fromStack(stack);
    t.hasResourceProperties(
        "AWS::EC2::LaunchTemplate",
        Match.objectLike(
            Map.of(
                "LaunchTemplateData",
                Match.objectLike(
                    Map.of(
                        "InstanceType",
                        "t3.small",
                        "NetworkInterfaces",
                        List.of(
                            Match.objectLike(
                                Map.of("AssociatePublicIpAddress", true, "DeviceIndex", 0))))))));
    t.resourceCountIs("AWS::EC2::NatGateway", 0);
    // Without a NAT the control-plane nodes need their own addresses to reach AWS; agents reach
    // them through an internet-facing balancer.
    t.hasResourceProperties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        Match.objectLike(Map.of("Scheme", "internet-facing", "Type", "network")));
  }

  @Test
  void maxCapacityBelowMinCapacityIsRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("a")), "S");
    var props = valid(stack).minCapacity(3).maxCapacity(2).build();
    assertThatThrownBy(() -> new ReplicationServerFleet(stack, "Fleet", props))
        .hasMessageContaining("maxCapacity (2) is less than minCapacity (3)");
  }

  @Test
  void anInvalidInstanceTypeIsRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("b")), "S");
    var props = valid(stack).instanceType("t3-small").build();
    assertThatThrownBy(() -> new ReplicationServerFleet(stack, "Fleet", props))
        .hasMessageContaining("instanceType 't3-small' is not an EC2 instance type")
        .hasMessageContaining("such as t3.small");
  }

  @Test
  void aFleetLargerThanOneScalingPolicyCanStepIsRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("c")), "S");
    var props = valid(stack).maxCapacity(20).build();
    assertThatThrownBy(() -> new ReplicationServerFleet(stack, "Fleet", props))
        .hasMessageContaining("maxCapacity 20 is more than 19");
  }
}
