package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.cli.Liftshift;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.trust.PinnedCaTrustManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
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
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code = new CommandLine(new Liftshift()).execute(args);
    } finally {
      System.setOut(saved);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as(text).isZero();
    return text;
  }

  @Test
  void installedAgentReplicatesAndTheOperatorSeesItThroughTheMgnApi() throws Exception {
    try (ControlPlane cp =
            ControlPlane.start(
                dir.resolve("cp"),
                dir.resolve("ca"),
                "127.0.0.1",
                0,
                "us-east-1",
                List.of("localhost", "127.0.0.1"));
        ReplicationHarness h = new ReplicationHarness(dir)) {
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
                          () -> new TrustManager[] {new PinnedCaTrustManager(cp.caFingerprint())})
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

        run(
            "agent",
            "--replicator",
            "127.0.0.1:" + h.port(),
            "--token",
            ReplicationHarness.TOKEN,
            "--ca-fingerprint",
            h.replicator.caFingerprint().toString(),
            "--disk",
            disk.toString(),
            "--state-dir",
            state);

        SourceServer s =
            mgn.describeSourceServers(b -> b.filters(f -> f.sourceServerIDs(id))).items().get(0);
        assertThat(s.sourceProperties().disks().get(0).bytes()).isEqualTo(24L << 20);
        var replicated = s.dataReplicationInfo().replicatedDisks().get(0);
        assertThat(replicated.replicatedStorageBytes()).isEqualTo(24L << 20);
        assertThat(replicated.totalStorageBytes()).isEqualTo(24L << 20);
        // The agent named its staging volume after the registered source server.
        assertThat(ReplicationHarness.sha256(h.stagingVolume(id, disk)))
            .isEqualTo(ReplicationHarness.sha256(disk));
      }
    }
  }
}
