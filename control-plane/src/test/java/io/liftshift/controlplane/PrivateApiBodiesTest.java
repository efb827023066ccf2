package io.liftshift.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.liftshift.contract.AgentContract;
import io.liftshift.contract.ContractJson;
import io.liftshift.contract.PrivateApiClient;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The private API reads its bodies as the contract's records: members of the wrong type are the
 * caller's 400 (after its token is checked), and MGN's SourceProperties members are stored as the
 * agent sent them, members beyond the record included.
 */
class PrivateApiBodiesTest {
  @TempDir Path dir;
  ControlPlane cp;
  PrivateApiClient client;
  String installToken;

  @BeforeEach
  void start() throws Exception {
    cp = ControlPlane.startOnLoopback(dir);
    cp.call("InitializeService", "{}");
    installToken = cp.createInstallToken();
    client =
        new PrivateApiClient(
            HttpClient.newBuilder()
                .sslContext(
                    TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE))
                .build(),
            "https://127.0.0.1:" + cp.port() + "/");
  }

  @AfterEach
  void stop() throws Exception {
    cp.close();
  }

  private HttpResponse<String> post(String path, String bearer, String body) throws Exception {
    return client.post(path, bearer, body, Duration.ofSeconds(10));
  }

  @Test
  void sourcePropertiesAreStoredAsSentBeyondTheRecord() throws Exception {
    HttpResponse<String> r =
        post(
            AgentContract.REGISTER,
            installToken,
            "{\"machineId\":\"m-1\",\"identificationHints\":{\"fqdn\":\"a.example\","
                + "\"vmWareUuid\":\"42\"},\"disks\":[{\"deviceName\":\"/dev/sda\",\"bytes\":1,"
                + "\"extra\":true}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    AgentContract.Registered reg = ContractJson.read(r.body(), AgentContract.Registered.class);
    assertThat(reg.reRegistered()).isFalse();

    JsonNode server =
        ContractJson.MAPPER
            .readTree(
                cp.call(
                    "DescribeSourceServers",
                    "{\"filters\":{\"sourceServerIDs\":[\"" + reg.sourceServerID() + "\"]}}"))
            .path("items")
            .path(0)
            .path("sourceProperties");
    assertThat(server.path("identificationHints").toString())
        .isEqualTo("{\"fqdn\":\"a.example\",\"vmWareUuid\":\"42\"}");
    assertThat(server.path("disks").toString())
        .isEqualTo("[{\"deviceName\":\"/dev/sda\",\"bytes\":1,\"extra\":true}]");
  }

  @Test
  void aMemberOfTheWrongTypeIsRefusedAfterTheToken() throws Exception {
    assertThat(post(AgentContract.REGISTER, installToken, "{\"machineId\":{\"not\":\"text\"}}"))
        .satisfies(
            r -> {
              assertThat(r.statusCode()).isEqualTo(400);
              assertThat(r.body()).contains("cannotParse").contains("Registration");
            });
    assertThat(post(AgentContract.REGISTER, "lsit-wrong", "{\"machineId\":{\"not\":\"text\"}}"))
        .extracting(HttpResponse::statusCode)
        .isEqualTo(401);
    assertThat(
            post(
                AgentContract.HEARTBEAT,
                "lsat-wrong",
                "{\"sourceServerID\":\"s-1\",\"lagSeconds\":\"soon\"}"))
        .extracting(HttpResponse::statusCode)
        .isEqualTo(401);
  }
}
