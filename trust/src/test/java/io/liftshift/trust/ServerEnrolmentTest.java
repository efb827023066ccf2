package io.liftshift.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server without the CA key gets its certificate by a signed request, and checks the answer. */
class ServerEnrolmentTest {
  private static final List<String> SANS = List.of("10.0.1.5", "ip-10-0-1-5.ec2.internal");

  @TempDir Path dir;
  InstallationCa ca;

  @BeforeEach
  void ca() throws Exception {
    ca = InstallationCa.loadOrCreate(dir.resolve("ca"));
  }

  private String sign(String csr, List<String> sans) throws Exception {
    return ca.signRequest(ServerCertificateRequest.parse(csr, sans), ServerRole.REPLICATOR);
  }

  @Test
  void aSignedRequestYieldsAChainAgentsTrustAndIsKeptAcrossRestarts() throws Exception {
    ServerEnrolment enrolment =
        new ServerEnrolment(dir.resolve("tls"), ServerRole.REPLICATOR, ca.fingerprint());
    assertThat(enrolment.stored(SANS)).isEmpty();
    ServerIdentity id = enrolment.accept(sign(enrolment.certificateRequest(), SANS), SANS);

    new PinnedCaTrustManager(ca.fingerprint(), ServerRole.REPLICATOR)
        .checkServerTrusted(id.chain().toArray(new X509Certificate[0]), "EC");
    assertThat(id.chain().get(0).getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(Files.getPosixFilePermissions(id.keyPath()))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    // The key is made once: a restart reuses the identity, and a renewal certifies the same key.
    assertThat(enrolment.stored(SANS).orElseThrow().chain()).isEqualTo(id.chain());
    ServerIdentity renewed = enrolment.accept(sign(enrolment.certificateRequest(), SANS), SANS);
    assertThat(renewed.chain().get(0).getPublicKey()).isEqualTo(id.chain().get(0).getPublicKey());
    // A new address is not covered: the server enrols again.
    assertThat(enrolment.stored(List.of("10.0.1.5", "10.0.2.9"))).isEmpty();
  }

  @Test
  void aChainFromAnotherCaIsRefusedAndNotStored() throws Exception {
    InstallationCa other = InstallationCa.loadOrCreate(dir.resolve("other"));
    ServerEnrolment enrolment =
        new ServerEnrolment(dir.resolve("tls"), ServerRole.REPLICATOR, other.fingerprint());
    String chain = sign(enrolment.certificateRequest(), SANS);
    assertThatThrownBy(() -> enrolment.accept(chain, SANS))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("not issued by the pinned installation CA");
    assertThat(dir.resolve("tls/replicator.crt")).doesNotExist();
  }

  @Test
  void aChainForAnotherKeyOrFewerNamesIsRefused() throws Exception {
    ServerEnrolment mine =
        new ServerEnrolment(dir.resolve("a"), ServerRole.REPLICATOR, ca.fingerprint());
    ServerEnrolment theirs =
        new ServerEnrolment(dir.resolve("b"), ServerRole.REPLICATOR, ca.fingerprint());
    String forTheirs = sign(theirs.certificateRequest(), SANS);
    assertThatThrownBy(() -> mine.accept(forTheirs, SANS)).hasMessageContaining("another key");
    String fewer = sign(mine.certificateRequest(), List.of("10.0.1.5"));
    assertThatThrownBy(() -> mine.accept(fewer, SANS)).hasMessageContaining("does not name all");
  }

  @Test
  void aTamperedRequestFailsItsProofOfPossession() throws Exception {
    String csr =
        new ServerEnrolment(dir.resolve("tls"), ServerRole.REPLICATOR, ca.fingerprint())
            .certificateRequest();
    String body = csr.replaceAll("-----[A-Z ]+-----", "");
    byte[] der = Base64.getMimeDecoder().decode(body);
    String text = new String(der, StandardCharsets.ISO_8859_1);
    int at = text.indexOf("liftshift");
    der[at] = (byte) 'L';
    String tampered =
        "-----BEGIN CERTIFICATE REQUEST-----\n"
            + Base64.getMimeEncoder().encodeToString(der)
            + "\n-----END CERTIFICATE REQUEST-----\n";
    assertThatThrownBy(() -> ServerCertificateRequest.parse(tampered, SANS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("signature does not verify");
  }

  @Test
  void badRequestsAndNamesAreRefusedSayingWhatToFix() throws Exception {
    String csr =
        new ServerEnrolment(dir.resolve("tls"), ServerRole.REPLICATOR, ca.fingerprint())
            .certificateRequest();
    assertThatThrownBy(() -> ServerCertificateRequest.parse("hello", SANS))
        .hasMessageContaining("not a PEM PKCS#10 request");
    assertThatThrownBy(() -> ServerCertificateRequest.parse(csr, List.of()))
        .hasMessageContaining("at least one");
    assertThatThrownBy(
            () -> ServerCertificateRequest.parse(csr, Collections.nCopies(21, "10.0.0.1")))
        .hasMessageContaining("at most 20");
    assertThatThrownBy(() -> ServerCertificateRequest.parse(csr, List.of("evil name; rm")))
        .hasMessageContaining("neither a DNS name");
    assertThat(ServerCertificateRequest.parse(csr, List.of("::1", "localhost")).subjectAltNames())
        .containsExactly("::1", "localhost");
  }
}
