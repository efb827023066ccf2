package io.liftshift.constructs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * The software bucket holds the agent's downloads at the keys the installer's {@code --s3-bucket}
 * reads, and source servers may read them through one S3 interface endpoint only.
 */
class SoftwareBucketAgentTest {
  @TempDir Path out;

  @Test
  // Annotations.findError answers in cxapi.SynthesisMessage, deprecated with no replacement yet.
  @SuppressWarnings("deprecation")
  void publishesTheAgentDownloadsUnderTheInstallersPrefix() throws Exception {
    Fixture f = new Fixture(out.resolve("cdk.out"));
    Path dist = Files.createDirectories(out.resolve("dist"));
    Files.writeString(dist.resolve("liftshift-agent-installer.sh"), "#!/bin/sh\n");
    Files.writeString(dist.resolve("liftshift-agent-0.1.0-linux-x86_64.tar.gz"), "bundle");
    f.bucket.publishAgent(dist.toString());
    f.bucket.allowAgentDownloadsThrough("vpce-0123456789abcdef0");
    Aspects.of(f.app).add(new AwsSolutionsChecks());
    f.app.synth();
    Template t = f.template();
    t.hasResourceProperties(
        "Custom::CDKBucketDeployment",
        Match.objectLike(
            Map.of("DestinationBucketKeyPrefix", "software/agent/v1/bundle/", "Prune", false)));
    t.hasResourceProperties(
        "AWS::S3::BucketPolicy",
        Match.objectLike(
            Map.of(
                "PolicyDocument",
                Match.objectLike(
                    Map.of(
                        "Statement",
                        Match.arrayWith(
                            List.of(
                                Match.objectLike(
                                    Map.of(
                                        "Sid", "AgentDownloadsThroughVpce",
                                        "Action", "s3:GetObject",
                                        "Condition",
                                            Map.of(
                                                "StringEquals",
                                                Map.of(
                                                    "aws:SourceVpce",
                                                    "vpce-0123456789abcdef0")))))))))));
    assertThat(SoftwareBucket.AGENT_PREFIX).isEqualTo("software/agent/v1");
    List<String> errors =
        Annotations.fromStack(f.stack)
            .findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))
            .stream()
            .map(m -> m.getId() + ": " + m.getEntry().getData())
            .toList();
    assertThat(errors).isEmpty();
  }

  @Test
  void refusesADirectoryWithoutTheInstaller() {
    Fixture f = new Fixture(out.resolve("cdk.out"));
    assertThatThrownBy(() -> f.bucket.publishAgent(out.toString()))
        .hasMessageContaining("holds no liftshift-agent-installer.sh")
        .hasMessageContaining("mvn -B -pl agent-bundle");
  }
}
