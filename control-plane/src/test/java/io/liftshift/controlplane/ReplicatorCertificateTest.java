package io.liftshift.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.trust.ServerEnrolment;
import io.liftshift.trust.ServerIdentity;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicators without the CA key get their certificate by a signed request and an install token.
 */
class ReplicatorCertificateTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> SANS = List.of("10.0.1.5", "ip-10-0-1-5.ec2.internal");

  @TempDir Path dir;
  ControlPlane cp;
  HttpClient http;
  String installToken;
  ServerEnrolment enrolment;

  @BeforeEach
  void start() throws Exception {
    cp = ControlPlane.startOnLoopback(dir);
    installToken = cp.createReplicationServerToken();
    http =
        HttpClient.newBuilder()
            .sslContext(TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE))
            .build();
    enrolment =
        new ServerEnrolment(
            dir.resolve("replicator-tls"), ServerRole.REPLICATOR, cp.caFingerprint());
  }

  @AfterEach
  void stop() throws Exception {
    cp.close();
  }

  private JsonNode post(String bearer, JsonNode body, int expectStatus) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("https://localhost:" + cp.port() + "/replicator/v1/certificate"))
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(expectStatus);
    return JSON.readTree(r.body());
  }

  private JsonNode request(String csr, List<String> sans) {
    var body = JSON.createObjectNode().put("certificateRequest", csr);
    sans.forEach(body.putArray("subjectAltNames")::add);
    return body;
  }

  @Test
  void aSignedRequestIsAnsweredWithAChainThatEndsInTheInstallationCa() throws Exception {
    JsonNode answer = post(installToken, request(enrolment.certificateRequest(), SANS), 200);
    ServerIdentity id = enrolment.accept(answer.path("certificateChain").asText(), SANS);
    assertThat(id.chain()).hasSize(2);
    assertThat(cp.caFingerprint().matches(id.chain().get(1))).isTrue();
    assertThat(id.chain().get(0).getSubjectX500Principal().getName()).contains("OU=replicator");
  }

  @Test
  void aRequestInTheControlPlanesNameIsStillCertifiedAsAReplicatorOnly() throws Exception {
    ServerEnrolment impostor =
        new ServerEnrolment(dir.resolve("impostor"), ServerRole.CONTROL_PLANE, cp.caFingerprint());
    String chain =
        post(installToken, request(impostor.certificateRequest(), SANS), 200)
            .path("certificateChain")
            .asText();
    assertThatThrownBy(() -> impostor.accept(chain, SANS))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("OU=replicator, not OU=control-plane");
  }

  @Test
  void withoutAValidInstallTokenNothingIsSigned() throws Exception {
    JsonNode good = request(enrolment.certificateRequest(), SANS);
    assertThat(post("lsit-not-a-token", good, 401).path("__type").asText())
        .isEqualTo("AccessDeniedException");
    post(null, good, 401);
  }

  @Test
  void garbageIsRefusedWithAValidationExceptionThatSaysWhatToFix() throws Exception {
    String csr = enrolment.certificateRequest();
    assertThat(post(installToken, request("not pem", SANS), 400).path("message").asText())
        .contains("not a PEM PKCS#10 request");
    assertThat(post(installToken, request(csr, List.of()), 400).path("__type").asText())
        .isEqualTo("ValidationException");
    assertThat(post(installToken, request(csr, List.of("a b")), 400).path("message").asText())
        .contains("neither a DNS name");
    assertThat(
            post(installToken, JSON.createObjectNode().put("certificateRequest", csr), 400)
                .path("message")
                .asText())
        .contains("subjectAltNames");
  }
}
