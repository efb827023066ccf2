package io.liftshift.constructs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.services.secretsmanager.Secret;

class MigrationLaunchTest {
  @TempDir static Path out;
  static Template template;

  @BeforeAll
  static void synth() {
    template = new Fixture(out).template();
  }

  @Test
  void theCustomResourceCarriesTheStepItsServersAndTheirTemplates() {
    Capture templates = new Capture();
    template.hasResourceProperties(
        MigrationLaunch.RESOURCE_TYPE,
        Match.objectLike(
            Map.of(
                "Launch",
                "test",
                "SourceServerIDs",
                List.of(Fixture.SERVER_1, Fixture.SERVER_2),
                "CaFingerprint",
                Fixture.FINGERPRINT,
                "TimeoutSeconds",
                "7200",
                "Region",
                Map.of("Ref", "AWS::Region"),
                "LaunchTemplates",
                templates)));
    assertThat(templates.asObject()).containsOnlyKeys(Fixture.SERVER_1, Fixture.SERVER_2);
    assertThat(templates.asObject().get(Fixture.SERVER_1).toString())
        .as("the template version this deployment made")
        .contains("LatestVersionNumber");
  }

  @Test
  void bothHandlersAreJava17InTheStagingVpc() {
    template.resourcePropertiesCountIs(
        "AWS::Lambda::Function",
        Match.objectLike(
            Map.of(
                "Runtime", "java17",
                "Handler",
                    Match.stringLikeRegexp(
                        "io.liftshift.constructs.launch.handler.LaunchHandler::.*"),
                "VpcConfig", Match.objectLike(Map.of()))),
        2);
  }

  @Test
  void theStartingHandlerMayReadItsOwnStacksStatusOnly() {
    template.hasResourceProperties(
        "AWS::IAM::Policy",
        Match.objectLike(
            Map.of(
                "PolicyDocument",
                Match.objectLike(
                    Map.of(
                        "Statement",
                        Match.arrayWith(
                            List.of(
                                Map.of(
                                    "Sid",
                                    "ReadOwnStackStatus",
                                    "Effect",
                                    "Allow",
                                    "Action",
                                    "cloudformation:DescribeStacks",
                                    "Resource",
                                    Map.of("Ref", "AWS::StackId")))))))));
  }

  @Test
  void aLaunchStepTextThatIsNoStepIsRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("d")), "S");
    var props = valid(stack).launch(null).launchStep("rollback").build();
    assertThatThrownBy(() -> new MigrationLaunch(stack, "L", props))
        .hasMessageContaining("launchStep: Launch must be one of test, cutover or finalize");
  }

  @Test
  void aLaunchAndALaunchStepTogetherAreRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("e")), "S");
    var props = valid(stack).launchStep("test").build();
    assertThatThrownBy(() -> new MigrationLaunch(stack, "L", props))
        .hasMessageContaining("either launch (a LaunchKind) or launchStep");
  }

  private static MigrationLaunchProps.Builder valid(Stack stack) {
    return MigrationLaunchProps.builder()
        .endpoint("https://10.0.0.1:443")
        .caFingerprint(Fixture.FINGERPRINT)
        .operatorKeySecret(new Secret(stack, "Key"))
        .launch(LaunchKind.CUTOVER)
        .sourceServerIds(List.of(Fixture.SERVER_1));
  }

  @Test
  void aWaveAndServersTogetherAreRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("a")), "S");
    var props = valid(stack).waveId("wave-0123456789abcdef0").build();
    assertThatThrownBy(() -> new MigrationLaunch(stack, "L", props))
        .hasMessageContaining("either sourceServerIds or waveId");
  }

  @Test
  void aTimeoutBeyondTwoHoursIsRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("b")), "S");
    var props = valid(stack).timeout(Duration.hours(3)).build();
    assertThatThrownBy(() -> new MigrationLaunch(stack, "L", props))
        .hasMessageContaining("at most 2 hours");
  }

  @Test
  void aFingerprintThatIsNoSha256IsRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("c")), "S");
    var props = valid(stack).caFingerprint("ab:cd").build();
    assertThatThrownBy(() -> new MigrationLaunch(stack, "L", props))
        .hasMessageContaining("caFingerprint must be sha256:");
  }
}
