package io.liftshift.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.controlplane.auth.AccessKeys;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.SqliteStore;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The console's read API beside MGN's: signed like the MGN operations; the replication fleet with
 * each server's disks; a server's lag history, one sample per 10 s for an hour at most, gone with
 * the server.
 */
class LiftshiftReadApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  ControlPlane cp;
  AccessKeys.NewKey key;
  HttpClient http;

  @BeforeEach
  void start() throws Exception {
    cp = ControlPlane.startOnLoopback(dir);
    cp.call("InitializeService", "{}");
    key = cp.accessKeys().create();
    http =
        HttpClient.newBuilder()
            .sslContext(TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE))
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    cp.close();
  }

  @Test
  void anUnsignedRequestIsRefused() throws Exception {
    for (String path :
        List.of(
            "/liftshift/v1/replication-servers",
            "/liftshift/v1/lag-history?sourceServerID=s-0123456789abcdef0")) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("https://localhost:" + cp.port() + path)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(403);
      assertThat(r.body()).doesNotContain("replicationServerID").doesNotContain("samples");
    }
  }

  @Test
  void theFleetIsListedWithTheDisksPlacedOnEachServer() throws Exception {
    JsonNode rs =
        post(
            "/replicator/v1/register",
            cp.createReplicationServerToken(),
            "{\"host\":\"10.0.0.10\",\"port\":1500,\"maxDisks\":4}");
    JsonNode server = registerServer("m1", "web-01", 3);
    post(
        "/replicator/v1/heartbeat",
        rs.path("replicatorToken").asText(),
        "{\"replicationServerID\":\"" + rs.path("replicationServerID").asText() + "\"}");

    JsonNode fleet = get("/liftshift/v1/replication-servers", 200);
    assertThat(fleet.path("items")).hasSize(1);
    JsonNode one = fleet.path("items").get(0);
    assertThat(one.path("replicationServerID").asText())
        .isEqualTo(rs.path("replicationServerID").asText());
    assertThat(one.path("host").asText()).isEqualTo("10.0.0.10");
    assertThat(one.path("state").asText()).isEqualTo("LIVE");
    assertThat(one.path("lastHeartbeatAgeSeconds").asLong()).isLessThan(60);
    assertThat(one.path("maxDisks").asInt()).isEqualTo(4);
    assertThat(one.path("placedDisks").asInt()).isEqualTo(3);
    assertThat(one.path("freeDisks").asInt()).isEqualTo(1);
    assertThat(one.path("sourceServers").get(0).path("sourceServerID").asText())
        .isEqualTo(server.path("sourceServerID").asText());
    assertThat(one.path("sourceServers").get(0).path("hostname").asText()).isEqualTo("web-01");
    assertThat(fleet.path("need").path("trackedDisks").asInt()).isEqualTo(3);
    assertThat(fleet.path("need").path("liveReplicators").asInt()).isEqualTo(1);
  }

  @Test
  void theLagHistoryKeepsOneSampleEvery10SecondsForAnHourInOrder() throws Exception {
    try (ControlPlaneStore db = SqliteStore.open(dir.resolve("history.db"))) {
      long t0 = 1_700_000_000_000L;
      // Two hours of heartbeats every 2.5 s: one sample in four is kept, the first hour dropped.
      db.transaction(
          c -> {
            for (long t = t0; t <= t0 + 7_200_000; t += 2_500) {
              LagHistory.record(c, "s-0123456789abcdef0", t / 1000 % 97, 4096, t);
            }
            return null;
          });
      JsonNode h = db.transaction(c -> LagHistory.read(c, "s-0123456789abcdef0", t0 + 7_200_000));
      JsonNode samples = h.path("samples");
      assertThat(samples.size()).isEqualTo(LagHistory.MAX_SAMPLES).isEqualTo(361);
      assertThat(samples.get(samples.size() - 1).path("epochMillis").asLong())
          .isEqualTo(t0 + 7_200_000);
      assertThat(samples.get(0).path("epochMillis").asLong()).isEqualTo(t0 + 3_600_000);
      for (int i = 1; i < samples.size(); i++) {
        assertThat(
                samples.get(i).path("epochMillis").asLong()
                    - samples.get(i - 1).path("epochMillis").asLong())
            .isEqualTo(10_000);
      }
      assertThat(samples.get(0).path("backlogBytes").asLong()).isEqualTo(4096);
      // Read half an hour later: only the last half hour is shown.
      assertThat(
              db.transaction(c -> LagHistory.read(c, "s-0123456789abcdef0", t0 + 9_000_000))
                  .path("samples")
                  .size())
          .isEqualTo(181);
    }

    // Through the API: a heartbeat's lag is the first sample; the next within 10 s is not kept.
    JsonNode server = registerServer("m2", "db-01", 1);
    String id = server.path("sourceServerID").asText();
    heartbeat(server, 42);
    heartbeat(server, 43);
    JsonNode h = get("/liftshift/v1/lag-history?sourceServerID=" + id, 200);
    assertThat(h.path("sampleIntervalSeconds").asInt()).isEqualTo(10);
    assertThat(h.path("samples")).hasSize(1);
    assertThat(h.path("samples").get(0).path("lagSeconds").asLong()).isEqualTo(42);
    assertThat(h.path("samples").get(0).path("backlogBytes").asLong()).isEqualTo(1 << 20);
  }

  @Test
  void aDeletedServersLagHistoryIsGone() throws Exception {
    JsonNode server = registerServer("m3", "app-01", 1);
    String id = server.path("sourceServerID").asText();
    heartbeat(server, 7);
    assertThat(get("/liftshift/v1/lag-history?sourceServerID=" + id, 200).path("samples"))
        .hasSize(1);
    cp.call("DisconnectFromService", "{\"sourceServerID\":\"" + id + "\"}");
    cp.call("DeleteSourceServer", "{\"sourceServerID\":\"" + id + "\"}");
    assertThat(get("/liftshift/v1/lag-history?sourceServerID=" + id, 404).path("message").asText())
        .contains(id);
    cp.close();
    try (ControlPlaneStore db = SqliteStore.open(dir.resolve("cp").resolve("control-plane.db"))) {
      Optional<String> history = db.transaction(c -> c.body(LagHistory.RESOURCE, id));
      assertThat(history).isEmpty();
    }
    cp = ControlPlane.startOnLoopback(dir);
  }

  private JsonNode registerServer(String machineId, String hostname, int disks) throws Exception {
    List<String> d = new ArrayList<>();
    for (int i = 0; i < disks; i++) {
      d.add("{\"deviceName\":\"/dev/sd" + (char) ('a' + i) + "\",\"bytes\":1073741824}");
    }
    return post(
        "/agent/v1/register",
        cp.createInstallToken(),
        "{\"machineId\":\"%s\",\"identificationHints\":{\"hostname\":\"%s\"},\"disks\":[%s]}"
            .formatted(machineId, hostname, String.join(",", d)));
  }

  private void heartbeat(JsonNode server, long lagSeconds) throws Exception {
    post(
        "/agent/v1/heartbeat",
        server.path("agentToken").asText(),
        ("{\"sourceServerID\":\"%s\",\"dataReplicationState\":\"CONTINUOUS\",\"lagSeconds\":%d,"
                + "\"replicatedDisks\":[{\"deviceName\":\"/dev/sda\",\"totalStorageBytes\":1073741824,"
                + "\"replicatedStorageBytes\":1073741824,\"backloggedStorageBytes\":1048576}]}")
            .formatted(server.path("sourceServerID").asText(), lagSeconds));
  }

  private JsonNode post(String path, String bearer, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + cp.port() + path))
                .header("Authorization", "Bearer " + bearer)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** A SigV4-signed GET, as the console sends it. */
  private JsonNode get(String pathAndQuery, int expectStatus) throws Exception {
    URI uri = URI.create("https://localhost:" + cp.port() + pathAndQuery);
    SdkHttpFullRequest unsigned =
        SdkHttpFullRequest.builder().method(SdkHttpMethod.GET).uri(uri).build();
    SdkHttpRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(
                            AwsCredentialsIdentity.create(key.accessKeyId(), key.secretAccessKey()))
                        .request(unsigned)
                        .payload(ContentStreamProvider.fromByteArray(new byte[0]))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "mgn")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1"))
            .request();
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
    for (Map.Entry<String, List<String>> h : signed.headers().entrySet()) {
      if (!h.getKey().equalsIgnoreCase("host")) {
        h.getValue().forEach(v -> b.header(h.getKey(), v));
      }
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(pathAndQuery + " " + r.body()).isEqualTo(expectStatus);
    return JSON.readTree(r.body());
  }
}
