package io.liftshift.constructs;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.services.ec2.Vpc;

class SourceServerLaunchSettingsTest {
  @TempDir static Path out;
  static Template template;

  @BeforeAll
  static void synth() {
    template = new Fixture(out).template();
  }

  @Test
  void eachConfiguredSourceServerHasItsOwnLaunchTemplate() {
    for (var e : Map.of(Fixture.SERVER_1, "m5.large", Fixture.SERVER_2, "t3.medium").entrySet()) {
      template.hasResourceProperties(
          "AWS::EC2::LaunchTemplate",
          Match.objectLike(
              Map.of(
                  "LaunchTemplateData",
                  Match.objectLike(
                      Map.of(
                          "InstanceType",
                          e.getValue(),
                          "TagSpecifications",
                          Match.arrayWith(
                              List.of(
                                  Match.objectLike(
                                      Map.of(
                                          "ResourceType",
                                          "instance",
                                          "Tags",
                                          Match.arrayWith(
                                              List.of(
                                                  Map.of(
                                                      "Key",
                                                      "liftshift:source-server",
                                                      "Value",
                                                      e.getKey()))))))))))));
    }
  }

  @Test
  void aKeyThatIsNoSourceServerIdIsRefused() {
    Stack stack = new Stack(Fixture.newApp(out.resolve("x")), "S");
    var props =
        SourceServerLaunchSettingsProps.builder()
            .vpc(new Vpc(stack, "Vpc"))
            .sourceServers(Map.of("web-01", LaunchSettings.builder().build()))
            .build();
    assertThatThrownBy(() -> new SourceServerLaunchSettings(stack, "L", props))
        .hasMessageContaining("'web-01' is not a source server id");
  }
}
