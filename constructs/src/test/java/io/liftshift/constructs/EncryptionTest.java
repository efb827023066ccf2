package io.liftshift.constructs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** Data at rest is encrypted everywhere the installation keeps any. */
class EncryptionTest {
  @TempDir static Path out;
  static Template template;

  @BeforeAll
  static void synth() {
    template = new Fixture(out).template();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> blockDevices(Map<String, Object> properties) {
    Object data = properties.get("LaunchTemplateData");
    Map<String, Object> holder = data == null ? properties : (Map<String, Object>) data;
    return (List<Map<String, Object>>) holder.get("BlockDeviceMappings");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyLaunchTemplateAndInstanceVolumeIsEncrypted() {
    var templates = template.findResources("AWS::EC2::LaunchTemplate");
    var instances = template.findResources("AWS::EC2::Instance");
    assertThat(templates).hasSize(6);
    assertThat(instances).as("no control-plane instance of its own").isEmpty();
    for (var resources : List.of(templates, instances)) {
      for (var r : resources.values()) {
        Map<String, Object> p = (Map<String, Object>) r.get("Properties");
        var devices = blockDevices((Map<String, Object>) r.get("Properties"));
        assertThat(devices).isNotEmpty();
        assertThat(devices)
            .allSatisfy(
                d ->
                    assertThat((Map<String, Object>) d.get("Ebs"))
                        .containsEntry("Encrypted", true));
      }
    }
  }

  @Test
  void bucketsAreEncryptedAndPrivate() {
    template.allResourcesProperties(
        "AWS::S3::Bucket",
        Match.objectLike(
            Map.of(
                "BucketEncryption",
                Map.of(
                    "ServerSideEncryptionConfiguration",
                    List.of(
                        Map.of("ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "AES256")))),
                "PublicAccessBlockConfiguration",
                Map.of(
                    "BlockPublicAcls", true,
                    "BlockPublicPolicy", true,
                    "IgnorePublicAcls", true,
                    "RestrictPublicBuckets", true))));
  }

  @Test
  void theSoftwareBucketIsVersionedLoggedAndTlsOnly() {
    template.hasResourceProperties(
        "AWS::S3::Bucket",
        Match.objectLike(
            Map.of(
                "VersioningConfiguration", Map.of("Status", "Enabled"),
                "LoggingConfiguration",
                    Match.objectLike(Map.of("LogFilePrefix", "software-bucket/")))));
    template.allResourcesProperties(
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
                                        "Effect",
                                        "Deny",
                                        "Condition",
                                        Map.of(
                                            "Bool",
                                            Map.of("aws:SecureTransport", "false")))))))))));
  }

  @Test
  void theInstallTokenIsASecretAndNoOutputHoldsIt() {
    template.hasResourceProperties(
        "AWS::SecretsManager::Secret",
        Match.objectLike(Map.of("Description", Match.stringLikeRegexp("install token.*"))));
    template.hasOutput(
        "*",
        Match.objectLike(
            Map.of("Value", Map.of("Ref", Match.stringLikeRegexp("ControlPlaneInstallToken.*")))));
  }

  @Test
  void theReplicationServersInstallTokenIsASecretThatNoOutputNames() {
    template.hasResourceProperties(
        "AWS::SecretsManager::Secret",
        Match.objectLike(
            Map.of(
                "Description", Match.stringLikeRegexp("install token for replication servers.*"))));
    assertThat(template.findOutputs("*").toString()).doesNotContain("ReplicationServerToken");
  }
}
