package io.liftshift.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.InstallationCa;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which CA a replicator with a control plane uses, and the message when it has none. */
class ReplicatorOptionsTest {
  private static final CaFingerprint PIN = CaFingerprint.parse("sha256:" + "ab".repeat(32));

  @TempDir Path dir;

  private ReplicatorOptions withControlPlane() {
    return new ReplicatorOptions()
        .dataDir(dir.resolve("data"))
        .caDir(dir.resolve("empty-ca"))
        .controlPlane("https://10.0.0.1:443", "lsit-token");
  }

  @Test
  void aControlPlaneWithNeitherACaKeyNorAFingerprintIsRefused() {
    assertThatThrownBy(withControlPlane()::validate)
        .hasMessageContaining("--ca-fingerprint")
        .hasMessageContaining("holds no CA");
  }

  @Test
  void aFingerprintAndNoCaKeyMeansEnrolment() throws Exception {
    ReplicatorOptions o = withControlPlane().caFingerprint(PIN);
    o.validate();
    assertThat(o.enrolsWithControlPlane()).isTrue();
    InstallationCa.create(dir.resolve("empty-ca"), "test");
    assertThat(o.enrolsWithControlPlane()).isFalse();
  }

  @Test
  void aFingerprintWithoutAControlPlaneIsRefused() {
    ReplicatorOptions o =
        new ReplicatorOptions()
            .dataDir(dir)
            .caDir(dir)
            .agentTokens(AgentTokens.of("t"))
            .caFingerprint(PIN);
    assertThatThrownBy(o::validate).hasMessageContaining("only with a control plane");
  }
}
