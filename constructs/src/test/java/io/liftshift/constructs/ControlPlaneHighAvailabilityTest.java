package io.liftshift.constructs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.constructs.IConstruct;

/** No state on a node: Aurora holds it, several nodes serve it behind a TLS-passing balancer. */
class ControlPlaneHighAvailabilityTest {
  @TempDir static Path out;
  static Fixture f;
  static Template template;

  @BeforeAll
  static void synth() {
    f = new Fixture(out);
    template = f.template();
  }

  private static String id(IConstruct c) {
    return f.stack.getLogicalId((CfnElement) c.getNode().getDefaultChild());
  }

  private static String script() {
    return ControlPlaneTest.bootScriptParts(f, template).toString();
  }

  @Test
  void theStoreIsAuroraPostgresqlServerlessV2() {
    template.hasResourceProperties(
        "AWS::RDS::DBCluster",
        Match.objectLike(
            Map.of(
                "Engine",
                "aurora-postgresql",
                "ServerlessV2ScalingConfiguration",
                Map.of("MinCapacity", 0.5, "MaxCapacity", 4))));
  }

  @Test
  void theStoreHasAWriterAndAReaderToFailOverTo() {
    template.resourcePropertiesCountIs(
        "AWS::RDS::DBInstance",
        Match.objectLike(Map.of("DBInstanceClass", "db.serverless", "Engine", "aurora-postgresql")),
        2);
  }

  @Test
  void theStoreIsEncrypted() {
    template.hasResourceProperties(
        "AWS::RDS::DBCluster", Match.objectLike(Map.of("StorageEncrypted", true)));
  }

  @Test
  void theStoreIsDeletionProtectedAndLeavesASnapshot() {
    template.hasResource(
        "AWS::RDS::DBCluster",
        Match.objectLike(
            Map.of(
                "Properties",
                Match.objectLike(Map.of("DeletionProtection", true)),
                "DeletionPolicy",
                "Snapshot",
                "UpdateReplacePolicy",
                "Snapshot")));
  }

  @Test
  void theStoreKeepsItsBackups() {
    template.hasResourceProperties(
        "AWS::RDS::DBCluster", Match.objectLike(Map.of("BackupRetentionPeriod", 35)));
  }

  @Test
  void theStoresCredentialsAreGeneratedIntoSecretsManager() {
    template.hasResourceProperties(
        "AWS::SecretsManager::Secret",
        Match.objectLike(
            Map.of(
                "GenerateSecretString",
                Match.objectLike(
                    Map.of(
                        "SecretStringTemplate",
                        "{\"username\":\"liftshift\"}",
                        "ExcludeCharacters",
                        ControlPlane.PASSWORD_EXCLUDED)))));
  }

  @Test
  void onlyTheControlPlaneReachesTheStore() {
    template.hasResourceProperties(
        "AWS::EC2::SecurityGroupIngress",
        Match.objectLike(
            Map.of(
                "IpProtocol",
                "tcp",
                "GroupId",
                Map.of("Fn::GetAtt", List.of(id(findChild("DatabaseGroup")), "GroupId")),
                "SourceSecurityGroupId",
                Map.of(
                    "Fn::GetAtt",
                    List.of(id(f.staging.getControlPlaneSecurityGroup()), "GroupId")))));
  }

  private static IConstruct findChild(String childId) {
    return f.controlPlane.getNode().findChild(childId);
  }

  @Test
  @SuppressWarnings("unchecked")
  void atLeastTwoNodesRunAcrossTheStagingSubnetsZones() {
    template.hasResourceProperties(
        "AWS::AutoScaling::AutoScalingGroup",
        Match.objectLike(
            Map.of(
                "MinSize",
                "2",
                "MaxSize",
                "3",
                "LaunchTemplate",
                Match.objectLike(
                    Map.of(
                        "LaunchTemplateId",
                        Map.of("Ref", id(f.controlPlane.getLaunchTemplate())))))));
    Map<String, Object> group =
        (Map<String, Object>)
            template
                .findResources("AWS::AutoScaling::AutoScalingGroup")
                .get(id(f.controlPlane.getAutoScalingGroup()))
                .get("Properties");
    assertThat((List<Object>) group.get("VPCZoneIdentifier")).hasSize(2).doesNotHaveDuplicates();
  }

  @Test
  void aRollingReplacementKeepsEveryNodeInServiceUntilItsSuccessorSignals() {
    template.hasResource(
        "AWS::AutoScaling::AutoScalingGroup",
        Match.objectLike(
            Map.of(
                "UpdatePolicy",
                Match.objectLike(
                    Map.of(
                        "AutoScalingRollingUpdate",
                        Match.objectLike(
                            Map.of(
                                "MaxBatchSize",
                                1,
                                "MinInstancesInService",
                                2,
                                "WaitOnResourceSignals",
                                true)))))));
  }

  @Test
  void aNodeSignalsCloudFormationOnceItAnswers() {
    assertThat(script())
        .contains("aws cloudformation signal-resource --stack-name ")
        .contains(" --logical-resource-id " + id(f.controlPlane.getAutoScalingGroup()))
        .contains("[ $UP = yes ] && echo SUCCESS || echo FAILURE");
  }

  @Test
  void theBalancerPassesTlsThroughOn443() {
    template.hasResourceProperties(
        "AWS::ElasticLoadBalancingV2::Listener",
        Match.objectLike(Map.of("Port", 443, "Protocol", "TCP", "Certificates", Match.absent())));
    template.hasResourceProperties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        Match.objectLike(Map.of("Port", 443, "Protocol", "TCP", "TargetType", "instance")));
  }

  @Test
  void theBalancerIsInternalWithPrivateRouting() {
    template.hasResourceProperties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        Match.objectLike(Map.of("Type", "network", "Scheme", "internal")));
  }

  @Test
  void theNodesCertificateNamesTheBalancer() {
    List<Object> parts = ControlPlaneTest.bootScriptParts(f, template);
    int at = -1;
    for (int i = 0; i < parts.size(); i++) {
      if (parts.get(i) instanceof String s && s.endsWith(" --san ")) {
        at = i;
      }
    }
    assertThat(at).as("--san BALANCER in " + parts).isNotNegative();
    assertThat(parts.get(at + 1))
        .isEqualTo(Map.of("Fn::GetAtt", List.of(id(f.controlPlane.getLoadBalancer()), "DNSName")));
  }

  @Test
  void everyClientCallsTheBalancer() {
    assertThat(f.stack.resolve(f.controlPlane.getEndpoint()))
        .isEqualTo(
            Map.of(
                "Fn::Join",
                List.of(
                    "",
                    List.of(
                        "https://",
                        Map.of(
                            "Fn::GetAtt", List.of(id(f.controlPlane.getLoadBalancer()), "DNSName")),
                        ":443"))));
  }

  @Test
  void theNodesAreToldTheirStoreWithTheStoreOption() {
    assertThat(script())
        .contains("--store \\${LIFTSHIFT_STORE}")
        .contains("EnvironmentFile=/run/liftshift/store.env")
        .contains("STORE=\"postgresql://liftshift:$DB_PASSWORD@");
  }

  @Test
  void theStoresPasswordIsReadFromItsSecret() {
    List<Object> parts = ControlPlaneTest.bootScriptParts(f, template);
    int at = -1;
    for (int i = 0; i < parts.size(); i++) {
      if (parts.get(i) instanceof String s
          && s.endsWith(
              "DB_PASSWORD=$(aws secretsmanager get-secret-value --query SecretString"
                  + " --output text --secret-id ")) {
        at = i;
      }
    }
    assertThat(at).as("the password read in " + parts).isNotNegative();
    assertThat(parts.get(at + 1))
        .isEqualTo(Map.of("Ref", id(f.controlPlane.getDatabase().getSecret())));
  }

  @Test
  void theCaComesFromSecretsManagerWrittenOnceByTheFirstNode() {
    String s = script();
    assertThat(s)
        .contains("--version-id " + ControlPlaneBoot.CA_VERSION)
        .contains("--client-request-token " + ControlPlaneBoot.CA_VERSION)
        .contains("--ca-dir /run/liftshift/ca")
        .contains("{Ref=" + id(f.controlPlane.getInstallationCaSecret()) + "}");
  }

  @Test
  void everyNodeMakesLaunchVolumesInTheConversionServersZone() {
    List<Object> parts = ControlPlaneTest.bootScriptParts(f, template);
    int at = -1;
    for (int i = 0; i < parts.size(); i++) {
      if (parts.get(i) instanceof String s && s.endsWith(" --launch-availability-zone ")) {
        at = i;
      }
    }
    assertThat(at).as("--launch-availability-zone in " + parts).isNotNegative();
    assertThat(parts.get(at + 1))
        .isEqualTo(f.stack.resolve(f.staging.getFirstStagingSubnet().getAvailabilityZone()));
  }

  @Test
  void nothingANodeHoldsOutlivesIt() {
    assertThat(template.findResources("AWS::EC2::Instance")).isEmpty();
    assertThat(template.findResources("AWS::Backup::BackupPlan")).isEmpty();
    assertThat(script()).doesNotContain("--data-dir").doesNotContain("mkfs");
  }

  @Test
  void fewerThanTwoNodesAreRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("one")), "S");
    StagingArea staging =
        new StagingArea(
            stack,
            "Staging",
            StagingAreaProps.builder().sourceCidrs(List.of(Fixture.SOURCE_A)).build());
    var props =
        ControlPlaneProps.builder()
            .staging(staging)
            .softwareBucket(new SoftwareBucket(stack, "Software", null))
            .machineImage(DaemonImage.fromAmiId("ami-0123456789abcdef0"))
            .minCapacity(1)
            .build();
    assertThatThrownBy(() -> new ControlPlane(stack, "ControlPlane", props))
        .hasMessageContaining("minCapacity must be at least 2");
  }

  @Test
  void noRoomForARollingReplacementIsRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("full")), "S");
    StagingArea staging =
        new StagingArea(
            stack,
            "Staging",
            StagingAreaProps.builder().sourceCidrs(List.of(Fixture.SOURCE_A)).build());
    var props =
        ControlPlaneProps.builder()
            .staging(staging)
            .softwareBucket(new SoftwareBucket(stack, "Software", null))
            .machineImage(DaemonImage.fromAmiId("ami-0123456789abcdef0"))
            .minCapacity(2)
            .maxCapacity(2)
            .build();
    assertThatThrownBy(() -> new ControlPlane(stack, "ControlPlane", props))
        .hasMessageContaining("maxCapacity (2) must be more than minCapacity (2)");
  }
}
