package io.liftshift.cdkapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.liftshift.constructs.MigrationLaunch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Matcher;
import software.amazon.awscdk.assertions.Template;

/** The app in-process: its stacks, its launch step and cdk-nag over both. */
class AppTest {
  static final String SERVER = "s-0123456789abcdef0";

  @TempDir Path out;

  private Map<String, Object> context(Path jar) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("sourceCidrs", "192.0.2.0/24,198.51.100.0/24");
    c.put("liftshiftJar", jar.toString());
    return c;
  }

  private Path jar() throws Exception {
    return Files.writeString(out.resolve("liftshift.jar"), "fixture");
  }

  private static Stack stack(App app, String name) {
    return (Stack) app.getNode().findChild(name);
  }

  @Test
  void launchContextAddsTheMigrationLaunchStepForTheNamedServers() throws Exception {
    Map<String, Object> c = context(jar());
    c.put("launch", "cutover");
    c.put("sourceServers", SERVER);
    App app = LiftshiftApp.create(out.resolve("cdk.out"), c);
    Template launches = Template.fromStack(stack(app, "LiftshiftLaunches"));
    launches.hasResourceProperties(
        MigrationLaunch.RESOURCE_TYPE,
        Match.objectLike(Map.of("Launch", "cutover", "SourceServerIDs", List.of(SERVER))));
    launches.resourceCountIs("AWS::EC2::LaunchTemplate", 2);
  }

  @Test
  void withoutLaunchContextTheStepIsAParameterAndNoneLaunchesNothing() throws Exception {
    App app = LiftshiftApp.create(out.resolve("cdk.out"), context(jar()));
    Template launches = Template.fromStack(stack(app, "LiftshiftLaunches"));
    launches.hasParameter(
        "LaunchStep",
        Match.objectLike(
            Map.of(
                "Type",
                "String",
                "Default",
                "none",
                "AllowedValues",
                List.of("none", "test", "cutover", "finalize"))));
    launches.hasCondition(
        "Launching",
        Map.of(
            "Fn::Not",
            List.of(Map.of("Fn::Equals", List.of(Map.of("Ref", "LaunchStep"), "none")))));
    launches.hasResource(
        MigrationLaunch.RESOURCE_TYPE,
        Match.objectLike(
            Map.of(
                "Condition",
                "Launching",
                "Properties",
                Match.objectLike(Map.of("Launch", Map.of("Ref", "LaunchStep"))))));
  }

  @Test
  void withoutTargetContextTheServersAndWaveAreParameters() throws Exception {
    App app = LiftshiftApp.create(out.resolve("cdk.out"), context(jar()));
    Template launches = Template.fromStack(stack(app, "LiftshiftLaunches"));
    launches.hasParameter(
        "SourceServerIds", Match.objectLike(Map.of("Type", "CommaDelimitedList", "Default", "")));
    launches.hasParameter(
        "WaveId",
        Match.objectLike(
            Map.of(
                "Type", "String", "Default", "", "AllowedPattern", "^(wave-[0-9a-zA-Z]{17})?$")));
    launches.hasResourceProperties(
        MigrationLaunch.RESOURCE_TYPE,
        Match.objectLike(
            Map.of(
                "SourceServerIDs",
                Map.of("Ref", "SourceServerIds"),
                "WaveID",
                Map.of("Ref", "WaveId"))));
  }

  @Test
  void launchContextWinsOverTheLaunchParameters() throws Exception {
    Map<String, Object> c = context(jar());
    c.put("launch", "test");
    c.put("wave", "wave-0123456789abcdef0");
    App app = LiftshiftApp.create(out.resolve("cdk.out"), c);
    Template launches = Template.fromStack(stack(app, "LiftshiftLaunches"));
    assertThat(launches.findParameters("*", Match.anyValue()).keySet())
        .doesNotContain("LaunchStep", "SourceServerIds", "WaveId");
    assertThat(launches.findConditions("*", Match.anyValue())).isEmpty();
    launches.hasResourceProperties(
        MigrationLaunch.RESOURCE_TYPE,
        Match.objectLike(Map.of("Launch", "test", "WaveID", "wave-0123456789abcdef0")));
  }

  @Test
  void withoutSourceContextTheSourceCidrIsAParameterOfThePorts() throws Exception {
    Map<String, Object> c = context(jar());
    c.remove("sourceCidrs");
    App app = LiftshiftApp.create(out.resolve("cdk.out"), c);
    Template staging = Template.fromStack(stack(app, "LiftshiftStaging"));
    staging.hasParameter(
        "SourceCidr",
        Match.objectLike(
            Map.of("Type", "String", "AllowedPattern", Match.stringLikeRegexp(".*3\\[0-2\\].*"))));
    for (int port : List.of(1500, 443)) {
      staging.hasResourceProperties(
          "AWS::EC2::SecurityGroup", ingress(Map.of("Ref", "SourceCidr"), port));
    }
  }

  @Test
  void theSourceCidrPatternRefusesTheWholeInternetAndAcceptsANetwork() {
    java.util.regex.Pattern p = java.util.regex.Pattern.compile(StagingStack.CIDR_PATTERN);
    assertThat(p.matcher("10.20.0.0/16").matches()).isTrue();
    assertThat(p.matcher("203.0.113.7/32").matches()).isTrue();
    assertThat(p.matcher("0.0.0.0/0").matches()).isFalse();
    assertThat(p.matcher("10.20.0.0").matches()).isFalse();
    assertThat(p.matcher("256.1.1.1/8").matches()).isFalse();
  }

  @Test
  void contextSourceCidrsWinOverTheParameter() throws Exception {
    App app = LiftshiftApp.create(out.resolve("cdk.out"), context(jar()));
    Template staging = Template.fromStack(stack(app, "LiftshiftStaging"));
    assertThat(staging.findParameters("*", Match.anyValue())).doesNotContainKey("SourceCidr");
    staging.hasResourceProperties("AWS::EC2::SecurityGroup", ingress("192.0.2.0/24", 1500));
  }

  /** A security group whose inline rules admit {@code cidr} on {@code port}. */
  private static Matcher ingress(Object cidr, int port) {
    return Match.objectLike(
        Map.of(
            "SecurityGroupIngress",
            Match.arrayWith(
                List.of(
                    Match.objectLike(Map.of("CidrIp", cidr, "FromPort", port, "ToPort", port))))));
  }

  @Test
  // Annotations.findError answers in cxapi.SynthesisMessage, deprecated with no replacement yet.
  @SuppressWarnings("deprecation")
  void synthWithNoContextSucceedsAndCdkNagFindsNothing() throws Exception {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("liftshiftJar", jar().toString());
    App app = LiftshiftApp.create(out.resolve("cdk.out"), c);
    Aspects.of(app).add(new AwsSolutionsChecks());
    app.synth();
    for (String name : List.of("LiftshiftStaging", "LiftshiftLaunches")) {
      assertThat(
              Annotations.fromStack(stack(app, name))
                  .findError("*", Match.stringLikeRegexp("AwsSolutions-.*")))
          .as(name)
          .isEmpty();
    }
  }

  @Test
  void anAmiByIdReplacesTheImagePipelines() throws Exception {
    Map<String, Object> c = context(jar());
    c.put("amiId", "ami-0123456789abcdef0");
    App app = LiftshiftApp.create(out.resolve("cdk.out"), c);
    Template.fromStack(stack(app, "LiftshiftStaging"))
        .resourceCountIs("AWS::ImageBuilder::Image", 0);
  }

  @Test
  void anUnknownLaunchFailsSynthSayingWhatToWrite() throws Exception {
    Map<String, Object> c = context(jar());
    c.put("launch", "rollback");
    c.put("sourceServers", SERVER);
    assertThatThrownBy(() -> LiftshiftApp.create(out.resolve("cdk.out"), c))
        .hasMessageContaining("Launch must be one of test, cutover or finalize; got rollback");
  }

  @Test
  void aMissingJarFailsSynthSayingHowToBuildIt() {
    Map<String, Object> c = context(out.resolve("missing.jar"));
    assertThatThrownBy(() -> LiftshiftApp.create(out.resolve("cdk.out"), c))
        .hasMessageContaining("does not exist: build it first");
  }

  @Test
  // Annotations.findError answers in cxapi.SynthesisMessage, deprecated with no replacement yet.
  @SuppressWarnings("deprecation")
  void awsSolutionsChecksLeaveNoErrorInEitherStack() throws Exception {
    Map<String, Object> c = context(jar());
    c.put("launch", "test");
    c.put("sourceServers", SERVER);
    App app = LiftshiftApp.create(out.resolve("cdk.out"), c);
    Aspects.of(app).add(new AwsSolutionsChecks());
    app.synth();
    for (String name : List.of("LiftshiftStaging", "LiftshiftLaunches")) {
      List<String> errors =
          Annotations.fromStack(stack(app, name))
              .findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))
              .stream()
              .map(m -> m.getId() + ": " + m.getEntry().getData())
              .toList();
      assertThat(errors).as(name).isEmpty();
    }
  }
}
