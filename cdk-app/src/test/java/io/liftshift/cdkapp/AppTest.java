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
  void withoutLaunchContextThereIsNoLaunchStep() throws Exception {
    App app = LiftshiftApp.create(out.resolve("cdk.out"), context(jar()));
    Template.fromStack(stack(app, "LiftshiftLaunches"))
        .resourceCountIs(MigrationLaunch.RESOURCE_TYPE, 0);
    Template.fromStack(stack(app, "LiftshiftStaging"))
        .resourceCountIs("AWS::ImageBuilder::Image", 3);
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
