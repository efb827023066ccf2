package io.liftshift.constructs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
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

/** The control plane's launch backend: how it is started, and its IAM. */
class ControlPlaneTest {
  @TempDir static Path out;
  static Fixture f;
  static Template template;

  @BeforeAll
  static void synth() {
    f = new Fixture(out);
    template = f.template();
  }

  private static Map<String, String> ref(IConstruct c) {
    return Map.of("Ref", f.stack.getLogicalId((CfnElement) c.getNode().getDefaultChild()));
  }

  /** A statement of a policy of the control plane's role. */
  private static void hasStatement(Map<String, Object> statement) {
    template.hasResourceProperties(
        "AWS::IAM::Policy",
        Match.objectLike(
            Map.of(
                "Roles",
                List.of(ref(f.controlPlane.getRole())),
                "PolicyDocument",
                Match.objectLike(
                    Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(statement))))))));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> statements(Template t) {
    List<Map<String, Object>> all = new ArrayList<>();
    for (Map<String, Object> p : t.findResources("AWS::IAM::Policy").values()) {
      Map<String, Object> doc =
          (Map<String, Object>) ((Map<String, Object>) p.get("Properties")).get("PolicyDocument");
      all.addAll((List<Map<String, Object>>) doc.get("Statement"));
    }
    return all;
  }

  private static boolean allows(Map<String, Object> statement, String action) {
    Object a = statement.get("Action");
    return a.equals(action) || (a instanceof List<?> l && l.contains(action));
  }

  @Test
  void itPublishesTheTrackedDisksTheFleetScalesOn() {
    assertThat(bootScriptParts().toString())
        .contains(
            "\"MetricName=TrackedDisks,Dimensions=[{Name=Installation,Value=acme}],"
                + "Value=$$(echo \"$$NEED\" | grep -o \"trackedDisks[^0-9]*[0-9]*\"")
        .contains("\"MetricName=DesiredReplicators,Dimensions=[{Name=Installation,Value=acme}]");
  }

  @Test
  void itLaunchesConversionServersThroughTheirLaunchTemplate() {
    List<Object> parts = bootScriptParts();
    int at = -1;
    for (int i = 0; i < parts.size(); i++) {
      if (parts.get(i) instanceof String s
          && s.endsWith(" --cloud aws --converter-launch-template ")) {
        at = i;
      }
    }
    assertThat(at).as("--converter-launch-template in " + parts).isNotNegative();
    assertThat(parts.get(at + 1)).isEqualTo(ref(f.conversion.getLaunchTemplate()));
    assertThat((String) parts.get(at + 2))
        .startsWith(" --installation acme")
        .doesNotContain("--staging-subnet");
  }

  private static List<Object> bootScriptParts() {
    return bootScriptParts(f, template);
  }

  /** The pieces of the control-plane nodes' boot script, as CloudFormation joins them. */
  @SuppressWarnings("unchecked")
  static List<Object> bootScriptParts(Fixture f, Template template) {
    String lt =
        f.stack.getLogicalId(
            (CfnElement) f.controlPlane.getLaunchTemplate().getNode().getDefaultChild());
    Map<String, Object> data =
        (Map<String, Object>)
            ((Map<String, Object>)
                    template.findResources("AWS::EC2::LaunchTemplate").get(lt).get("Properties"))
                .get("LaunchTemplateData");
    Map<String, Object> userData = (Map<String, Object>) data.get("UserData");
    return (List<Object>)
        ((List<Object>) ((Map<String, Object>) userData.get("Fn::Base64")).get("Fn::Join")).get(1);
  }

  /** The secret the boot script stores the output of {@code command} in, once. */
  private static Object secretWritten(String command) {
    List<Object> parts = bootScriptParts();
    for (int i = 0; i < parts.size(); i++) {
      if (parts.get(i) instanceof String s && s.contains(command) && s.endsWith("| put_once ")) {
        return parts.get(i + 1);
      }
    }
    throw new AssertionError("no '" + command + " ... put_once' in " + parts);
  }

  @Test
  void itStoresAnAgentsInstallTokenInTheInstallTokenSecret() {
    assertThat(secretWritten("admin create-install-token --store "))
        .isEqualTo(ref(f.controlPlane.getInstallTokenSecret()));
  }

  @Test
  void itStoresAReplicationServersInstallTokenInASecretOfItsOwn() {
    assertThat(secretWritten("admin create-install-token --for replication-servers --store "))
        .isEqualTo(ref(f.controlPlane.getReplicationServerTokenSecret()))
        .isNotEqualTo(ref(f.controlPlane.getInstallTokenSecret()));
  }

  @Test
  void whatItCreatesMustCarryTheInstallationTag() {
    hasStatement(
        Map.of(
            "Sid",
            "LaunchCreatesOnlyTagged",
            "Action",
            List.of(
                "ec2:CreateVolume", "ec2:CreateSnapshot", "ec2:RegisterImage", "ec2:RunInstances"),
            "Condition",
            Map.of("StringEquals", Map.of("aws:RequestTag/liftshift:installation", "acme"))));
  }

  @Test
  void itTagsOnlyInTheCallsThatCreate() {
    hasStatement(
        Map.of(
            "Sid",
            "LaunchTagsOnlyWhileCreating",
            "Action",
            "ec2:CreateTags",
            "Condition",
            Map.of(
                "StringEquals",
                Map.of(
                    "ec2:CreateAction",
                    List.of("CreateVolume", "CreateSnapshot", "RegisterImage", "RunInstances"),
                    "aws:RequestTag/liftshift:installation",
                    "acme"))));
  }

  @Test
  void whatItUsesAndDeletesMustAlreadyCarryTheInstallationTag() {
    hasStatement(
        Map.of(
            "Sid",
            "LaunchUsesOnlyTagged",
            "Action",
            Match.arrayWith(
                List.of(
                    "ec2:AttachVolume",
                    "ec2:DeleteVolume",
                    "ec2:DeleteSnapshot",
                    "ec2:DeregisterImage",
                    "ec2:TerminateInstances",
                    "ec2:GetConsoleOutput")),
            "Condition",
            Map.of("StringEquals", Map.of("aws:ResourceTag/liftshift:installation", "acme"))));
  }

  @Test
  void onlyHoldTagsCanBeChangedOnTheInstallationsSnapshots() {
    hasStatement(
        Map.of(
            "Sid",
            "LaunchHoldsSnapshots",
            "Condition",
            Map.of(
                "StringEquals",
                Map.of("aws:ResourceTag/liftshift:installation", "acme"),
                "ForAllValues:StringLike",
                Map.of("aws:TagKeys", "liftshift:hold:*"))));
  }

  @Test
  void onlyTheLaunchTagsOfTheInstallationsInstancesCanBeChanged() {
    hasStatement(
        Map.of(
            "Sid",
            "LaunchPromotesTestInstances",
            "Action",
            "ec2:CreateTags",
            "Condition",
            Map.of(
                "StringEquals",
                Map.of("aws:ResourceTag/liftshift:installation", "acme"),
                "ForAllValues:StringEquals",
                Map.of("aws:TagKeys", List.of("liftshift:launch", "liftshift:job")))));
  }

  @Test
  void itLaunchesOnlyInTheStagingVpc() {
    hasStatement(
        Map.of(
            "Sid",
            "LaunchInTheStagingVpc",
            "Condition",
            Map.of(
                "StringEquals",
                Map.of(
                    "ec2:Vpc",
                    Match.objectLike(
                        Map.of(
                            "Fn::Join",
                            Match.arrayWith(
                                List.of(Match.arrayWith(List.of(ref(f.staging.getVpc())))))))))));
  }

  @Test
  void itMayPassOnlyTheConversionServersRoleAndOnlyToEc2() {
    List<Map<String, Object>> passRole =
        statements(template).stream().filter(s -> allows(s, "iam:PassRole")).toList();
    assertThat(passRole)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.get("Resource"))
                  .isEqualTo(
                      Map.of(
                          "Fn::GetAtt",
                          List.of(
                              f.stack.getLogicalId(
                                  (CfnElement) f.conversion.getRole().getNode().getDefaultChild()),
                              "Arn")));
              assertThat(s.get("Condition"))
                  .isEqualTo(
                      Map.of("StringEquals", Map.of("iam:PassedToService", "ec2.amazonaws.com")));
            });
  }

  @Test
  @SuppressWarnings("unchecked")
  void theConversionServersThemselvesMayDoNothing() {
    String role =
        f.stack.getLogicalId((CfnElement) f.conversion.getRole().getNode().getDefaultChild());
    for (Map<String, Object> p : template.findResources("AWS::IAM::Policy").values()) {
      List<Object> roles = (List<Object>) ((Map<String, Object>) p.get("Properties")).get("Roles");
      assertThat(roles).doesNotContain(Map.of("Ref", role));
    }
    Map<String, Object> props =
        (Map<String, Object>) template.findResources("AWS::IAM::Role").get(role).get("Properties");
    assertThat(props).doesNotContainKey("ManagedPolicyArns").doesNotContainKey("Policies");
  }

  @Test
  void withoutConversionServersItHasNoLaunchRights() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("no-launches")), "S");
    StagingArea staging =
        new StagingArea(
            stack,
            "Staging",
            StagingAreaProps.builder().sourceCidrs(List.of(Fixture.SOURCE_A)).build());
    new ControlPlane(
        stack,
        "ControlPlane",
        ControlPlaneProps.builder()
            .staging(staging)
            .softwareBucket(new SoftwareBucket(stack, "Software", null))
            .machineImage(DaemonImage.fromAmiId("ami-0123456789abcdef0"))
            .build());
    assertThat(statements(Template.fromStack(stack)))
        .noneMatch(
            s ->
                allows(s, "ec2:RunInstances")
                    || allows(s, "ec2:CreateVolume")
                    || allows(s, "ec2:TerminateInstances")
                    || allows(s, "iam:PassRole"));
  }

  @Test
  void conversionServersOfAnotherStagingAreaAreRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("other")), "S");
    StagingArea staging =
        new StagingArea(
            stack,
            "Staging",
            StagingAreaProps.builder().sourceCidrs(List.of(Fixture.SOURCE_A)).build());
    StagingArea other =
        new StagingArea(
            stack,
            "Other",
            StagingAreaProps.builder()
                .installation("other")
                .vpcCidr("10.129.0.0/16")
                .sourceCidrs(List.of(Fixture.SOURCE_A))
                .build());
    SoftwareBucket bucket = new SoftwareBucket(stack, "Software", null);
    var image = DaemonImage.fromAmiId("ami-0123456789abcdef0");
    ConversionServer conversion =
        new ConversionServer(
            stack,
            "Conversion",
            ConversionServerProps.builder().staging(other).machineImage(image).build());
    assertThatThrownBy(
            () ->
                new ControlPlane(
                    stack,
                    "ControlPlane",
                    ControlPlaneProps.builder()
                        .staging(staging)
                        .softwareBucket(bucket)
                        .machineImage(image)
                        .conversionServer(conversion)
                        .build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("conversionServer must be built on the control plane's staging");
  }
}
