package io.liftshift.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replicators register; each source server's disks land on one replicator with room. */
class ReplicationFleetTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  ControlPlane cp;
  HttpClient http;
  String installToken;
  String replicationServerToken;

  @BeforeEach
  void start() throws Exception {
    cp = ControlPlane.startOnLoopback(dir);
    cp.call("InitializeService", "{}");
    installToken = cp.createInstallToken();
    replicationServerToken = cp.createReplicationServerToken();
    http =
        HttpClient.newBuilder()
            .sslContext(TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE))
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    cp.close();
  }

  private JsonNode post(String path, String bearer, String body, int expectStatus)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("https://localhost:" + cp.port() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(expectStatus);
    return JSON.readTree(r.body());
  }

  /** Registers a replicator; returns {id, token}. */
  private String[] replicator(String host, int maxDisks) throws Exception {
    JsonNode r =
        post(
            "/replicator/v1/register",
            replicationServerToken,
            "{\"host\":\"%s\",\"port\":1500,\"maxDisks\":%d}".formatted(host, maxDisks),
            200);
    return new String[] {
      r.path("replicationServerID").asText(), r.path("replicatorToken").asText()
    };
  }

  /** Registers a source server with n disks; returns the registration answer. */
  private JsonNode server(String machineId, int disks) throws Exception {
    List<String> d = new ArrayList<>();
    for (int i = 0; i < disks; i++) {
      d.add("{\"deviceName\":\"/dev/sd" + (char) ('a' + i) + "\",\"bytes\":1073741824}");
    }
    return post(
        "/agent/v1/register",
        installToken,
        "{\"machineId\":\"%s\",\"disks\":[%s]}".formatted(machineId, String.join(",", d)),
        200);
  }

  private JsonNode heartbeat(String[] replicator) throws Exception {
    return post(
        "/replicator/v1/heartbeat",
        replicator[1],
        "{\"replicationServerID\":\"" + replicator[0] + "\",\"activeDisks\":0}",
        200);
  }

  @Test
  void replicatorIdsHaveMgnFormatAndReRegistrationKeepsTheId() throws Exception {
    String[] a = replicator("10.0.0.10", 15);
    assertThat(a[0]).matches("rs-[0-9a-zA-Z]{17}");
    JsonNode again =
        post(
            "/replicator/v1/register",
            replicationServerToken,
            "{\"replicationServerID\":\"" + a[0] + "\",\"host\":\"10.0.0.10\",\"port\":1500}",
            200);
    assertThat(again.path("replicationServerID").asText()).isEqualTo(a[0]);
    assertThat(again.path("reRegistered").asBoolean()).isTrue();
  }

  @Test
  void aServerWaitsWithoutAReplicatorAndIsPlacedWhenOneRegisters() throws Exception {
    JsonNode s = server("m1", 2);
    assertThat(s.has("replicationServer")).isFalse();
    assertThat(JSON.readTree(cp.fleetNeed()).path("unassignedDisks").asInt()).isEqualTo(2);

    String[] r = replicator("10.0.0.10", 15);
    JsonNode hb = heartbeat(r);
    assertThat(hb.path("sourceServers")).hasSize(1);
    assertThat(hb.path("sourceServers").get(0).path("sourceServerID").asText())
        .isEqualTo(s.path("sourceServerID").asText());
    // The replicator learns the agent's credential only as a digest, bound to its server.
    assertThat(hb.path("sourceServers").get(0).path("agentTokenSha256").asText())
        .isEqualTo(BearerTokens.sha256(s.path("agentToken").asText()));

    JsonNode agentHeartbeat =
        post(
            "/agent/v1/heartbeat",
            s.path("agentToken").asText(),
            "{\"sourceServerID\":\"" + s.path("sourceServerID").asText() + "\"}",
            200);
    assertThat(agentHeartbeat.path("replicationServer").path("host").asText())
        .isEqualTo("10.0.0.10");
    assertThat(agentHeartbeat.path("replicationServer").path("port").asInt()).isEqualTo(1500);
    String described =
        cp.call(
            "DescribeSourceServers",
            "{\"filters\":{\"sourceServerIDs\":[\"" + s.path("sourceServerID").asText() + "\"]}}");
    assertThat(described)
        .contains("{\"name\":\"PAIR_REPLICATION_SERVER_WITH_AGENT\",\"status\":\"SUCCEEDED\"}");
  }

  @Test
  void aServersPitPolicyComesFromItsReplicationConfigurationToItsReplicator() throws Exception {
    JsonNode s = server("m-pit", 1);
    String id = s.path("sourceServerID").asText();
    String[] r = replicator("10.0.0.10", 15);
    JsonNode rules = heartbeat(r).path("sourceServers").get(0).path("pitPolicy");
    assertThat(rules).as("AWS's default policy").hasSize(3);
    assertThat(rules.get(0).path("units").asText()).isEqualTo("MINUTE");
    assertThat(rules.get(0).path("interval").asInt()).isEqualTo(10);

    cp.call(
        "UpdateReplicationConfiguration",
        "{\"sourceServerID\":\""
            + id
            + "\",\"pitPolicy\":[{\"ruleID\":1,\"units\":\"HOUR\",\"interval\":2,"
            + "\"retentionDuration\":12,\"enabled\":true}]}");
    rules = heartbeat(r).path("sourceServers").get(0).path("pitPolicy");
    assertThat(rules).hasSize(1);
    assertThat(rules.get(0).path("units").asText()).isEqualTo("HOUR");
    assertThat(rules.get(0).path("retentionDuration").asInt()).isEqualTo(12);
    assertThat(
            JSON.readTree(
                    cp.call("GetReplicationConfiguration", "{\"sourceServerID\":\"" + id + "\"}"))
                .path("pitPolicy"))
        .hasSize(1);
  }

  @Test
  void allDisksOfAServerGoToOneReplicatorTheLeastLoadedWithRoom() throws Exception {
    String[] a = replicator("10.0.0.10", 4);
    String[] b = replicator("10.0.0.11", 4);
    JsonNode s1 = server("m1", 3);
    JsonNode s2 = server("m2", 2);
    JsonNode s3 = server("m3", 1);
    String on1 = s1.path("replicationServer").path("replicationServerID").asText();
    String on2 = s2.path("replicationServer").path("replicationServerID").asText();
    String on3 = s3.path("replicationServer").path("replicationServerID").asText();
    assertThat(on1).isIn(a[0], b[0]);
    assertThat(on2).isNotEqualTo(on1); // 3 + 2 > 4
    assertThat(on3).isEqualTo(on2); // 2 free there, 1 on the other: the least loaded
    // One disk free on each replicator: a 3-disk server fits on neither and waits.
    JsonNode s4 = server("m4", 3);
    assertThat(s4.has("replicationServer")).isFalse();
    JsonNode need = JSON.readTree(cp.fleetNeed());
    assertThat(need.path("trackedDisks").asInt()).isEqualTo(9);
    assertThat(need.path("unassignedDisks").asInt()).isEqualTo(3);
    assertThat(need.path("liveReplicators").asInt()).isEqualTo(2);
    assertThat(need.path("desiredReplicators").asInt()).isEqualTo(1); // ceil(9 / 15)

    // Archiving a server frees its room; the waiting one is placed on the next heartbeat.
    cp.call(
        "DisconnectFromService",
        "{\"sourceServerID\":\"" + s1.path("sourceServerID").asText() + "\"}");
    heartbeat(a);
    JsonNode hb = heartbeat(on1.equals(a[0]) ? a : b);
    assertThat(hb.path("sourceServers").findValuesAsText("sourceServerID"))
        .contains(s4.path("sourceServerID").asText())
        .doesNotContain(s1.path("sourceServerID").asText());
  }

  @Test
  void desiredFleetIsDisksOverFifteenRoundedUp() throws Exception {
    for (int i = 0; i < 4; i++) {
      server("m" + i, 4);
    }
    JsonNode need = JSON.readTree(cp.fleetNeed());
    assertThat(need.path("trackedDisks").asInt()).isEqualTo(16);
    assertThat(need.path("desiredReplicators").asInt()).isEqualTo(2);
    assertThat(need.path("liveReplicators").asInt()).isZero();
  }

  @Test
  void replicatorCredentialsAreCheckedAndAreNotAgentCredentials() throws Exception {
    String[] r = replicator("10.0.0.10", 15);
    JsonNode s = server("m1", 1);
    post(
        "/replicator/v1/heartbeat",
        "lsrt-wrong",
        "{\"replicationServerID\":\"" + r[0] + "\"}",
        401);
    post(
        "/replicator/v1/heartbeat",
        s.path("agentToken").asText(),
        "{\"replicationServerID\":\"" + r[0] + "\"}",
        401);
    post(
        "/agent/v1/heartbeat",
        r[1],
        "{\"sourceServerID\":\"" + s.path("sourceServerID").asText() + "\"}",
        401);
    post("/replicator/v1/register", "lsit-wrong", "{\"host\":\"h\",\"port\":1500}", 401);
    post("/replicator/v1/register", replicationServerToken, "{\"host\":\"h\",\"port\":0}", 400);
  }
}
