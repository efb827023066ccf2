package io.liftshift.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.trust.ServerEnrolment;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An install token admits one role: agents' tokens (held by every source server) never register or
 * certify a replication server, and replication servers' tokens never register an agent.
 */
class InstallTokenRolesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AGENT_ONLY =
      "this install token admits agents; replication servers need one made with"
          + " `liftshift admin create-install-token --for replication-servers`";
  private static final String REPLICATION_SERVERS_ONLY =
      "this install token admits replication servers; agents need one made with"
          + " `liftshift admin create-install-token`";

  @TempDir Path dir;
  ControlPlane cp;
  HttpClient http;

  private void start() throws Exception {
    cp = ControlPlane.startOnLoopback(dir);
    cp.call("InitializeService", "{}");
    http =
        HttpClient.newBuilder()
            .sslContext(TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE))
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    if (cp != null) {
      cp.close();
    }
  }

  private HttpResponse<String> post(String path, String bearer, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + cp.port() + path))
            .header("Authorization", "Bearer " + bearer)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> registerAgent(String token) throws Exception {
    return post("/agent/v1/register", token, "{\"machineId\":\"m-1\",\"disks\":[]}");
  }

  private HttpResponse<String> registerReplicator(String token) throws Exception {
    return post("/replicator/v1/register", token, "{\"host\":\"10.0.1.5\",\"port\":1500}");
  }

  private HttpResponse<String> certify(String token) throws Exception {
    ServerEnrolment enrolment =
        new ServerEnrolment(
            dir.resolve("replicator-tls"), ServerRole.REPLICATOR, cp.caFingerprint());
    var body = JSON.createObjectNode().put("certificateRequest", enrolment.certificateRequest());
    body.putArray("subjectAltNames").add("10.0.1.5");
    return post("/replicator/v1/certificate", token, body.toString());
  }

  private static void assertRefused(HttpResponse<String> r, String message) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    JsonNode answer = JSON.readTree(r.body());
    assertThat(answer.path("__type").asText()).isEqualTo("AccessDeniedException");
    assertThat(answer.path("message").asText()).isEqualTo(message);
  }

  @Test
  void anAgentsTokenRegistersAnAgent() throws Exception {
    start();
    assertThat(registerAgent(cp.createInstallToken()).statusCode()).isEqualTo(200);
  }

  @Test
  void anAgentsTokenDoesNotRegisterAReplicationServer() throws Exception {
    start();
    assertRefused(registerReplicator(cp.createInstallToken()), AGENT_ONLY);
  }

  @Test
  void anAgentsTokenDoesNotCertifyAReplicationServer() throws Exception {
    start();
    assertRefused(certify(cp.createInstallToken()), AGENT_ONLY);
  }

  @Test
  void aReplicationServersTokenRegistersAReplicationServer() throws Exception {
    start();
    assertThat(registerReplicator(cp.createReplicationServerToken()).statusCode()).isEqualTo(200);
  }

  @Test
  void aReplicationServersTokenCertifiesAReplicationServer() throws Exception {
    start();
    assertThat(certify(cp.createReplicationServerToken()).statusCode()).isEqualTo(200);
  }

  @Test
  void aReplicationServersTokenDoesNotRegisterAnAgent() throws Exception {
    start();
    assertRefused(registerAgent(cp.createReplicationServerToken()), REPLICATION_SERVERS_ONLY);
  }

  @Test
  void aTokenIssuedBeforeRolesKeepsAdmittingAgentsOnly() throws Exception {
    String legacy = "lsit-" + "ab".repeat(24);
    schemaTwoDatabaseWith(legacy);
    start();
    assertThat(registerAgent(legacy).statusCode()).isEqualTo(200);
    assertRefused(registerReplicator(legacy), AGENT_ONLY);
    assertRefused(certify(legacy), AGENT_ONLY);
  }

  @Test
  void aRevokedTokenAdmitsNoOneWhateverItsRole() throws Exception {
    start();
    String token = cp.createReplicationServerToken();
    try (Connection c =
            DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("cp/control-plane.db"));
        Statement s = c.createStatement()) {
      s.execute("UPDATE install_tokens SET revoked=1");
    }
    assertRefused(registerReplicator(token), "the install token is not valid");
  }

  /** A control plane database as liftshift wrote it before install tokens had roles. */
  private void schemaTwoDatabaseWith(String token) throws Exception {
    Files.createDirectories(dir.resolve("cp"));
    try (Connection c =
            DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("cp/control-plane.db"));
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE resources (type TEXT NOT NULL, id TEXT NOT NULL,"
              + " created_at INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (type, id))");
      s.execute(
          "CREATE TABLE access_keys (access_key_id TEXT PRIMARY KEY, sealed_secret BLOB NOT NULL,"
              + " created_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)");
      s.execute("CREATE TABLE service (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
      s.execute(
          "CREATE TABLE install_tokens (token_sha256 TEXT PRIMARY KEY,"
              + " created_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)");
      s.execute(
          "INSERT INTO install_tokens(token_sha256, created_at) VALUES ('"
              + BearerTokens.sha256(token)
              + "', 0)");
      s.execute("PRAGMA user_version = 2");
    }
  }
}
