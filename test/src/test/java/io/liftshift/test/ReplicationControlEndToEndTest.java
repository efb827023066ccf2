package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.agent.ControlPlaneLink;
import io.liftshift.agent.ReplicationStatus;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.replicator.ReplicatorOptions;
import io.liftshift.trust.PinnedCaTrustManager;
import io.liftshift.trust.ServerRole;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.DataReplicationState;
import software.amazon.awssdk.services.mgn.model.SourceServer;

/**
 * The operator's replication settings reach a running agent through the MGN API, without a
 * reconnect: the bandwidth throttle holds and changes within 2 s; pause sends nothing; resume
 * drains the backlog; DescribeSourceServers shows the live state.
 */
class ReplicationControlEndToEndTest {
  @TempDir Path dir;

  /**
   * Bytes per second arriving at the replicator over {@code millis}: counted there, frame by frame,
   * so the figure does not depend on how often the agent reports.
   */
  private static double rate(java.util.function.LongSupplier received, long millis)
      throws InterruptedException {
    long b0 = received.getAsLong();
    long t0 = System.nanoTime();
    Thread.sleep(millis);
    return (received.getAsLong() - b0) / ((System.nanoTime() - t0) / 1e9);
  }

  @Test
  void throttlePauseAndResumeFollowTheMgnApiLive() throws Exception {
    try (ControlPlane cp = ControlPlane.startOnLoopback(dir);
        ReplicationHarness h =
            new ReplicationHarness(
                dir,
                new ReplicatorOptions()
                    // This test watches states; snapshots (CREATING_SNAPSHOT) are tested elsewhere.
                    .pointInTimePolicy(null)
                    .advertisedHost("127.0.0.1")
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
        long size = 40L << 20;
        Path disk = ReplicationHarness.randomImage(dir.resolve("disk.img"), size, 21);
        ControlPlaneLink link = ReplicatingAgent.register(cp, disk, dir.resolve("agent"));
        String id = link.identity().sourceServerId();
        mgn.updateReplicationConfiguration(b -> b.sourceServerID(id).bandwidthThrottling(8L));

        AtomicReference<ReplicationStatus> status = new AtomicReference<>();
        SyncListener watch =
            new SyncListener() {
              @Override
              public void onStatus(ReplicationStatus s) {
                status.set(s);
              }
            };
        try (ReplicatingAgent agent =
            new ReplicatingAgent(
                link,
                disk,
                dir.resolve("agent"),
                watch,
                o -> o.scanPassIntervalMillis(200).scanReadBudgetMBps(0))) {
          assertThat(agent.instructions().bandwidthThrottlingMbps()).isEqualTo(8);

          // 8 Mbps = 1.0 MB/s, held within 10 % over 10 s.
          Thread.sleep(1500);
          double held = rate(h.replicator.stats()::frameBytesReceived, 10_000);
          assertThat(held).isBetween(0.9e6, 1.1e6);

          // Raised to 24 Mbps through the API: in effect within 2 s, without a reconnect.
          mgn.updateReplicationConfiguration(b -> b.sourceServerID(id).bandwidthThrottling(24L));
          Thread.sleep(2000);
          double raised = rate(h.replicator.stats()::frameBytesReceived, 3000);
          assertThat(raised).isBetween(2.7e6, 3.3e6);

          mgn.updateReplicationConfiguration(b -> b.sourceServerID(id).bandwidthThrottling(0L));
          long deadline = System.currentTimeMillis() + 60_000;
          while (status.get() == null
              || !status.get().state().equals("CONTINUOUS")
              || status.get().disks().get(0).backlogBytes() > 0) {
            assertThat(System.currentTimeMillis()).isLessThan(deadline);
            Thread.sleep(50);
          }
          Thread.sleep(1500); // one heartbeat
          SourceServer s =
              mgn.describeSourceServers(b -> b.filters(f -> f.sourceServerIDs(id))).items().get(0);
          assertThat(s.dataReplicationInfo().dataReplicationState())
              .isEqualTo(DataReplicationState.CONTINUOUS);
          assertThat(s.dataReplicationInfo().lagDuration()).isEqualTo("PT0S");
          // Newer than SDK 2.40.2's model, so read from the raw answer.
          assertThat(
                  cp.call(
                      "DescribeSourceServers",
                      "{\"filters\":{\"sourceServerIDs\":[\"" + id + "\"]}}"))
              .contains("\"replicatorId\":\"" + h.replicator.replicationServerId() + "\"")
              .contains("\"tracker\":\"scanning\"");

          // liftshift status reads the same through the official client, with liftshift's figures.
          System.setProperty("aws.accessKeyId", key.accessKeyId());
          System.setProperty("aws.secretAccessKey", key.secretAccessKey());
          String table;
          try {
            table =
                CliRunner.run(
                    "status",
                    "--once",
                    "--endpoint",
                    "https://localhost:" + cp.port(),
                    "--ca-fingerprint",
                    cp.caFingerprint().toString());
            // The PIT policy is set and read through the same client, as liftshift's member.
            String policy =
                CliRunner.run(
                    "snapshots",
                    "policy",
                    id,
                    "--rule",
                    "hour:2:12",
                    "--rule",
                    "DAY:1:30",
                    "--endpoint",
                    "https://localhost:" + cp.port(),
                    "--ca-fingerprint",
                    cp.caFingerprint().toString());
            assertThat(policy).contains("HOUR   2         12").contains("DAY    1         30");
            assertThat(
                    cp.call("GetReplicationConfiguration", "{\"sourceServerID\":\"" + id + "\"}"))
                .contains("\"units\":\"HOUR\"");
          } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
          }
          assertThat(table)
              .contains(id)
              .contains("CONTINUOUS")
              .contains("scanning")
              .contains(disk.toRealPath().toString());

          // Pause: tracking goes on, nothing is sent.
          mgn.pauseReplication(b -> b.sourceServerID(id));
          Thread.sleep(1000);
          long written = h.replicator.stats().bytesWritten();
          ContinuousHarness.writeRandomBlocks(disk, 40, 22);
          Thread.sleep(2000);
          assertThat(h.replicator.stats().bytesWritten()).isEqualTo(written);
          assertThat(status.get().state()).isEqualTo("PAUSED");
          assertThat(status.get().disks().get(0).backlogBytes()).isEqualTo(40 * 4096L);
          assertThat(
                  mgn.describeSourceServers(b -> b.filters(f -> f.sourceServerIDs(id)))
                      .items()
                      .get(0)
                      .dataReplicationInfo()
                      .dataReplicationState())
              .isEqualTo(DataReplicationState.PAUSED);

          // Resume: the backlog drains and the staging volume is identical again.
          mgn.resumeReplication(b -> b.sourceServerID(id));
          String source = ContinuousHarness.digest(disk, size);
          deadline = System.currentTimeMillis() + 30_000;
          while (!ContinuousHarness.digest(h.stagingVolume(id, disk), size).equals(source)) {
            assertThat(System.currentTimeMillis()).isLessThan(deadline);
            Thread.sleep(100);
          }
          assertThat(h.replicator.stats().bytesWritten() - written).isEqualTo(40 * 4096L);

          // Stop and start: the same, with MGN's STOPPED state meanwhile.
          mgn.stopReplication(b -> b.sourceServerID(id));
          Thread.sleep(1000);
          long stoppedAt = h.replicator.stats().bytesWritten();
          ContinuousHarness.writeRandomBlocks(disk, 10, 23);
          Thread.sleep(1500);
          assertThat(h.replicator.stats().bytesWritten()).isEqualTo(stoppedAt);
          assertThat(
                  mgn.describeSourceServers(b -> b.filters(f -> f.sourceServerIDs(id)))
                      .items()
                      .get(0)
                      .dataReplicationInfo()
                      .dataReplicationState())
              .isEqualTo(DataReplicationState.STOPPED);
          mgn.startReplication(b -> b.sourceServerID(id));
          String restarted = ContinuousHarness.digest(disk, size);
          deadline = System.currentTimeMillis() + 30_000;
          while (!ContinuousHarness.digest(h.stagingVolume(id, disk), size).equals(restarted)) {
            assertThat(System.currentTimeMillis()).isLessThan(deadline);
            Thread.sleep(100);
          }
          agent.close();
          SyncReport r = agent.run().get(60, TimeUnit.SECONDS);
          assertThat(r.reconnects()).isZero();
        }
      }
    }
  }
}
