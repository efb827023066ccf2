package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.agent.Agent;
import io.liftshift.agent.SyncListener;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.replicator.ReplicatorOptions;
import io.liftshift.trust.PinnedCaTrustManager;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.SourceServer;

/**
 * {@code liftshift agent install} registers with the control plane; {@code liftshift agent}
 * replicates and reports, and an operator sees it all through the official MGN client.
 */
class RegistrationEndToEndTest {
  @TempDir Path dir;

  private static String run(String... args) {
    return CliRunner.run(args);
  }

  @Test
  void installedAgentReplicatesAndTheOperatorSeesItThroughTheMgnApi() throws Exception {
    try (ControlPlane cp = ControlPlane.startOnLoopback(dir);
        // The replicator joins the fleet through the control plane, which places servers on it.
        ReplicationHarness h =
            new ReplicationHarness(
                dir,
                new ReplicatorOptions()
                    .advertisedHost("127.0.0.1")
                    .heartbeatIntervalMillis(60_000)
                    .controlPlane(
                        "https://localhost:" + cp.port(), cp.createReplicationServerToken()))) {
      var key = cp.accessKeys().create();
      try (MgnClient mgn =
          MgnClient.builder()
              .endpointOverride(URI.create("https://localhost:" + cp.port()))
              .region(Region.US_EAST_1)
              .credentialsProvider(
                  StaticCredentialsProvider.create(
                      AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey())))
              .httpClient(
                  ApacheHttpClient.builder()
                      .tlsTrustManagersProvider(
                          () ->
                              new TrustManager[] {
                                new PinnedCaTrustManager(
                                    cp.caFingerprint(), ServerRole.CONTROL_PLANE)
                              })
                      .build())
              .build()) {
        mgn.initializeService(b -> {});
        Path disk = ReplicationHarness.sparseImage(dir.resolve("disk.img"), 24L << 20, 77);
        String state = dir.resolve("agent-state").toString();
        String endpoint = "https://localhost:" + cp.port();
        String installed =
            run(
                "agent",
                "install",
                "--endpoint",
                endpoint,
                "--install-token",
                cp.createInstallToken(),
                "--ca-fingerprint",
                cp.caFingerprint().toString(),
                "--disk",
                disk.toString(),
                "--state-dir",
                state);
        String id = installed.replaceAll("(?s).*source server (s-[0-9a-f]{17}).*", "$1");
        // Installing again (a restart, a reinstall) keeps the same source server.
        String again =
            run(
                "agent",
                "install",
                "--endpoint",
                endpoint,
                "--install-token",
                cp.createInstallToken(),
                "--ca-fingerprint",
                cp.caFingerprint().toString(),
                "--disk",
                disk.toString(),
                "--state-dir",
                state);
        assertThat(again).contains(id);

        // No replicator address, token or CA given: the control plane's placement says where,
        // registration's own credential is what the replicator admits (it learns it on demand,
        // well before its next heartbeat).
        String output = run("agent", "--disk", disk.toString(), "--state-dir", state);
        assertThat(output).contains("replicating to 127.0.0.1:" + h.port());

        SourceServer s =
            mgn.describeSourceServers(b -> b.filters(f -> f.sourceServerIDs(id))).items().get(0);
        assertThat(s.sourceProperties().disks().get(0).bytes()).isEqualTo(24L << 20);
        var replicated = s.dataReplicationInfo().replicatedDisks().get(0);
        assertThat(replicated.replicatedStorageBytes()).isEqualTo(24L << 20);
        assertThat(replicated.totalStorageBytes()).isEqualTo(24L << 20);
        // The agent named its staging volume after the registered source server.
        assertThat(ReplicationHarness.sha256(h.stagingVolume(id, disk)))
            .isEqualTo(ReplicationHarness.sha256(disk));

        // Another server's agent credential is bound to that server: it cannot write this one.
        HttpResponse<String> other =
            HttpClient.newBuilder()
                .sslContext(
                    TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE))
                .build()
                .send(
                    HttpRequest.newBuilder(URI.create(endpoint + "/agent/v1/register"))
                        .header("Authorization", "Bearer " + cp.createInstallToken())
                        .POST(
                            HttpRequest.BodyPublishers.ofString(
                                "{\"machineId\":\"another-machine\",\"disks\":[]}"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        String otherToken = other.body().replaceAll(".*\"agentToken\":\"([^\"]+)\".*", "$1");
        assertThat(otherToken).startsWith("lsat-");
        assertThatThrownBy(
                () ->
                    new Agent(
                            h.agent(id, disk).token(otherToken).reconnectTimeoutSeconds(2),
                            SyncListener.NONE)
                        .run())
            .hasMessageContaining("AUTH_FAILED");
      }
    }
  }
}
