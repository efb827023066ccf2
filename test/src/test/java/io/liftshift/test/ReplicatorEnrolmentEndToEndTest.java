package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.agent.Agent;
import io.liftshift.agent.ControlPlaneLink;
import io.liftshift.agent.SyncListener;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.replicator.ReplicatorOptions;
import io.liftshift.trust.CaFingerprint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replication server given only the CA fingerprint (the AWS fleet's case) gets its certificate
 * from the control plane, joins the fleet, and an agent pinning the CA replicates to it on 1500.
 */
class ReplicatorEnrolmentEndToEndTest {
  @TempDir Path dir;

  @Test
  void aReplicatorWithoutTheCaKeyEnrolsRegistersAndReceivesAnAgentsDisk() throws Exception {
    try (ControlPlane cp = ControlPlane.startOnLoopback(dir);
        // Its own directory: its --ca-dir (rs/ca) is empty, unlike the control plane's.
        ReplicationHarness h =
            new ReplicationHarness(
                dir.resolve("rs"),
                new ReplicatorOptions()
                    .pointInTimePolicy(null)
                    .advertisedHost("127.0.0.1")
                    .heartbeatIntervalMillis(60_000)
                    .caFingerprint(cp.caFingerprint())
                    .controlPlane(
                        "https://localhost:" + cp.port(), cp.createReplicationServerToken()))) {
      assertThat(dir.resolve("rs/ca/ca.key")).doesNotExist();
      Path crt = dir.resolve("rs/replicator/tls/replicator.crt");
      List<X509Certificate> chain = chain(crt);
      assertThat(cp.caFingerprint().matches(chain.get(1))).isTrue();
      assertThat(h.replicator.caFingerprint()).isEqualTo(cp.caFingerprint());
      assertThat(h.replicator.replicationServerId()).startsWith("rs-");

      cp.call("InitializeService", "{}");
      Path disk = ReplicationHarness.sparseImage(dir.resolve("disk.img"), 8L << 20, 5);
      ControlPlaneLink link =
          ControlPlaneLink.install(
              "https://localhost:" + cp.port(),
              cp.createInstallToken(),
              cp.caFingerprint(),
              List.of(disk),
              dir.resolve("agent"));
      String id = link.identity().sourceServerId();
      ControlPlaneLink.Instructions where = link.awaitReplicationServer(10_000, 100);
      assertThat(where.replicationServerPort()).isEqualTo(h.port());
      new Agent(
              h.agent(id, disk)
                  .token(link.identity().agentToken())
                  .caFingerprint(cp.caFingerprint()),
              SyncListener.NONE)
          .run();
      assertThat(ReplicationHarness.sha256(h.stagingVolume(id, disk)))
          .isEqualTo(ReplicationHarness.sha256(disk));

      // A restart keeps the certified key and certificate: no enrolment while it is good.
      byte[] before = Files.readAllBytes(crt);
      int port = h.port();
      h.stop();
      h.restart(port);
      assertThat(Files.readAllBytes(crt)).isEqualTo(before);
    }
  }

  @Test
  void aWrongInstallTokenOrPinFailsStartAtOnceSayingWhatToFix() throws Exception {
    try (ControlPlane cp = ControlPlane.startOnLoopback(dir)) {
      String endpoint = "https://localhost:" + cp.port();
      assertThatThrownBy(
              () ->
                  new ReplicationHarness(
                      dir.resolve("bad-token"),
                      new ReplicatorOptions()
                          .caFingerprint(cp.caFingerprint())
                          .controlPlane(endpoint, "lsit-not-a-token")))
          .hasMessageContaining("--install-token");
      assertThatThrownBy(
              () ->
                  new ReplicationHarness(
                      dir.resolve("bad-pin"),
                      new ReplicatorOptions()
                          .caFingerprint(CaFingerprint.parse("sha256:" + "00".repeat(32)))
                          .controlPlane(endpoint, cp.createReplicationServerToken())))
          .hasMessageContaining("check --ca-fingerprint");
    }
  }

  @Test
  void anAgentsInstallTokenFailsStartAtOnceNamingTheTokenToMake() throws Exception {
    try (ControlPlane cp = ControlPlane.startOnLoopback(dir)) {
      String agentsToken = cp.createInstallToken();
      assertThatThrownBy(
              () ->
                  new ReplicationHarness(
                      dir.resolve("agents-token"),
                      new ReplicatorOptions()
                          .caFingerprint(cp.caFingerprint())
                          .controlPlane("https://localhost:" + cp.port(), agentsToken)))
          .hasMessageContaining("this install token admits agents")
          .hasMessageContaining("create-install-token --for replication-servers");
    }
  }

  private static List<X509Certificate> chain(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
          .map(X509Certificate.class::cast)
          .toList();
    }
  }
}
