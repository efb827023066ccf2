package io.liftshift.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstallationCaTest {
  @TempDir Path dir;

  @Test
  void createdOnceAndLoadedWithTheSameFingerprint() throws Exception {
    InstallationCa ca = InstallationCa.loadOrCreate(dir.resolve("ca"));
    InstallationCa again = InstallationCa.loadOrCreate(dir.resolve("ca"));
    assertThat(again.fingerprint()).isEqualTo(ca.fingerprint());
    assertThat(Files.getPosixFilePermissions(dir.resolve("ca/ca.key")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> InstallationCa.create(dir.resolve("ca"), "x"))
        .hasMessageContaining("not replacing");
  }

  @Test
  void loadRefusesAKeyThatDoesNotMatchTheCertificate() throws Exception {
    InstallationCa.loadOrCreate(dir.resolve("a"));
    InstallationCa.loadOrCreate(dir.resolve("b"));
    Files.copy(
        dir.resolve("b/ca.key"),
        dir.resolve("a/ca.key"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> InstallationCa.load(dir.resolve("a")))
        .hasMessageContaining("does not match");
  }

  @Test
  void pinnedTrustRefusesAReplicatorWhereTheControlPlaneIsExpected() throws Exception {
    assertRefused(
        ServerRole.REPLICATOR, ServerRole.CONTROL_PLANE, "OU=replicator, not OU=control-plane");
  }

  @Test
  void pinnedTrustRefusesTheControlPlaneWhereAReplicatorIsExpected() throws Exception {
    assertRefused(
        ServerRole.CONTROL_PLANE, ServerRole.REPLICATOR, "OU=control-plane, not OU=replicator");
  }

  /** A certificate issued for one role, offered where a client expects the other. */
  private void assertRefused(ServerRole issued, ServerRole expected, String message)
      throws Exception {
    InstallationCa ca = InstallationCa.loadOrCreate(dir.resolve("ca"));
    ServerIdentity server = ca.issueServer(dir.resolve("tls"), issued, List.of("127.0.0.1"));
    X509Certificate[] chain = server.chain().toArray(new X509Certificate[0]);
    assertThatThrownBy(
            () ->
                new PinnedCaTrustManager(ca.fingerprint(), expected)
                    .checkServerTrusted(chain, "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining(message);
  }

  @Test
  void pinnedTrustAcceptsItsOwnServerAndRefusesAnotherCa() throws Exception {
    InstallationCa ours = InstallationCa.loadOrCreate(dir.resolve("ours"));
    InstallationCa theirs = InstallationCa.loadOrCreate(dir.resolve("theirs"));
    ServerIdentity good =
        ours.issueServer(dir.resolve("tls"), ServerRole.REPLICATOR, List.of("127.0.0.1"));
    ServerIdentity evil =
        theirs.issueServer(dir.resolve("evil"), ServerRole.REPLICATOR, List.of("127.0.0.1"));
    PinnedCaTrustManager tm = new PinnedCaTrustManager(ours.fingerprint(), ServerRole.REPLICATOR);
    tm.checkServerTrusted(good.chain().toArray(new X509Certificate[0]), "EC");
    assertThatThrownBy(
            () -> tm.checkServerTrusted(evil.chain().toArray(new X509Certificate[0]), "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("not issued by the pinned installation CA");
    // An attacker who copies our CA certificate into its chain still cannot sign as it.
    X509Certificate[] spliced = {evil.chain().get(0), ours.certificate()};
    assertThatThrownBy(() -> tm.checkServerTrusted(spliced, "EC"))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("not signed by the pinned");
  }

  @Test
  void serverIdentityIsReusedWhileValidAndReissuedForNewNames() throws Exception {
    InstallationCa ca = InstallationCa.loadOrCreate(dir.resolve("ca"));
    ServerIdentity a =
        ca.ensureServerIdentity(dir.resolve("tls"), ServerRole.REPLICATOR, List.of("localhost"));
    ServerIdentity b =
        ca.ensureServerIdentity(dir.resolve("tls"), ServerRole.REPLICATOR, List.of("localhost"));
    assertThat(b.chain().get(0)).isEqualTo(a.chain().get(0));
    ServerIdentity c =
        ca.ensureServerIdentity(
            dir.resolve("tls"), ServerRole.REPLICATOR, List.of("localhost", "10.0.0.5"));
    assertThat(c.chain().get(0)).isNotEqualTo(a.chain().get(0));
    assertThat(c.chain().get(0).getSubjectAlternativeNames()).hasSize(2);
  }

  @Test
  void fingerprintParsingIsStrictWithAClearMessage() {
    assertThatThrownBy(() -> CaFingerprint.parse("sha256:abc"))
        .hasMessageContaining("64 hex digits");
    CaFingerprint f = CaFingerprint.parse("SHA256:" + "Ab".repeat(32));
    assertThat(CaFingerprint.parse(f.toString())).isEqualTo(f);
  }

  @Test
  void onlyAesGcmSuitesAreAllowed() {
    assertThat(TlsPolicy.cipherSuites("TLS_AES_256_GCM_SHA384"))
        .containsExactly("TLS_AES_256_GCM_SHA384");
    assertThatThrownBy(() -> TlsPolicy.cipherSuites("TLS_CHACHA20_POLY1305_SHA256"))
        .hasMessageContaining("not allowed");
  }
}
