package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.cli.Liftshift;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code liftshift admin create-install-token --for}: which machines the token admits; {@code
 * revoke-install-token}: none.
 */
class InstallTokenCliTest {
  @TempDir Path dir;

  private String createInstallToken(String... args) {
    return admin("create-install-token", args);
  }

  /** Runs {@code admin SUBCOMMAND ARGS} on the test's control plane state. */
  private String admin(String subcommand, String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      List<String> all =
          new java.util.ArrayList<>(
              List.of("admin", subcommand, "--data-dir", dir.resolve("cp").toString()));
      all.addAll(List.of(args));
      code = new CommandLine(new Liftshift()).execute(all.toArray(new String[0]));
    } finally {
      System.setOut(saved);
    }
    assertThat(code).isZero();
    return out.toString(StandardCharsets.UTF_8).trim();
  }

  /** The status of registering a replication server and an agent with {@code token}. */
  private static List<Integer> registrations(ControlPlane cp, String token) throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .sslContext(TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE))
            .build();
    int replicator =
        post(http, cp, "/replicator/v1/register", token, "{\"host\":\"10.0.1.5\",\"port\":1500}");
    int agent = post(http, cp, "/agent/v1/register", token, "{\"machineId\":\"m-1\"}");
    return List.of(replicator, agent);
  }

  private static int post(HttpClient http, ControlPlane cp, String path, String token, String body)
      throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + cp.port() + path))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private ControlPlane controlPlane() throws Exception {
    ControlPlane cp = ControlPlane.startOnLoopback(dir);
    cp.call("InitializeService", "{}");
    return cp;
  }

  @Test
  void byDefaultItMakesAnAgentsToken() throws Exception {
    String token = createInstallToken();
    try (ControlPlane cp = controlPlane()) {
      assertThat(registrations(cp, token)).containsExactly(401, 200);
    }
  }

  @Test
  void forReplicationServersItMakesAReplicationServersToken() throws Exception {
    String token = createInstallToken("--for", "replication-servers");
    try (ControlPlane cp = controlPlane()) {
      assertThat(registrations(cp, token)).containsExactly(200, 401);
    }
  }

  @Test
  void aRevokedTokenAdmitsNoOne() throws Exception {
    String token = createInstallToken();
    assertThat(admin("revoke-install-token", token)).isEqualTo("revoked");
    try (ControlPlane cp = controlPlane()) {
      assertThat(registrations(cp, token)).containsExactly(401, 401);
    }
  }

  @Test
  void anUnknownRoleIsAUsageErrorNamingTheRoles() {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Liftshift());
    cl.setErr(new PrintWriter(err));
    assertThat(
            cl.execute(
                "admin",
                "create-install-token",
                "--data-dir",
                dir.resolve("cp").toString(),
                "--for",
                "converters"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("agents, replication-servers").contains("converters");
  }
}
