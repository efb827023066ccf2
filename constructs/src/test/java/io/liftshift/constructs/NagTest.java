package io.liftshift.constructs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;

/** cdk-nag's AwsSolutions rules find nothing left unsuppressed in a whole installation. */
class NagTest {
  @TempDir Path out;

  @Test
  // Annotations.findError answers in cxapi.SynthesisMessage, deprecated with no replacement yet.
  @SuppressWarnings("deprecation")
  void awsSolutionsChecksLeaveNoError() throws Exception {
    Fixture f = new Fixture(out);
    Path jar = Files.writeString(out.resolve("liftshift.jar"), "fixture");
    new DaemonImage(
        f.stack,
        "ReplicatorImage",
        DaemonImageProps.builder()
            .role(DaemonRole.REPLICATOR)
            .staging(f.staging)
            .liftshiftJar(jar.toString())
            .build());
    Aspects.of(f.app).add(new AwsSolutionsChecks());
    f.app.synth();
    List<String> errors =
        Annotations.fromStack(f.stack)
            .findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))
            .stream()
            .map(m -> m.getId() + ": " + m.getEntry().getData())
            .toList();
    assertThat(errors).isEmpty();
  }
}
