package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.agent.ControlPlaneLink;
import io.liftshift.agent.ReplicationStatus;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.replicator.ReplicatorOptions;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous replication across a link between two network namespaces (see {@link NamespaceLink})
 * under the faults a source network has: 200 ms round trip with 5 % loss each way, a partition
 * while the source keeps writing, a link that flaps, and a bandwidth limit. After each, the staging
 * volume is identical to the source (no byte lost), and the MGN API reports the state the operator
 * needs: BACKLOG with a growing lag during the partition, CONTINUOUS with no lag once it heals.
 * Runs as root only (namespaces); skipped with the reason otherwise.
 */
@Timeout(180)
class NetworkFaultTest {
  private static final long DISK = 8L << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void continuousReplicationLosesNothingThroughLatencyLossPartitionFlapsAndARateLimit()
      throws Exception {
    NamespaceLink.assumeAvailable();
    try (ControlPlane cp = ControlPlane.startOnLoopback(dir);
        ReplicationHarness h =
            new ReplicationHarness(
                dir,
                new ReplicatorOptions()
                    .pointInTimePolicy(null)
                    .advertisedHost("127.0.0.1")
                    .controlPlane(
                        "https://localhost:" + cp.port(), cp.createReplicationServerToken()));
        NamespaceLink link = new NamespaceLink(dir, h.port())) {
      cp.call("InitializeService", "{}");
      Path disk = ReplicationHarness.randomImage(dir.resolve("disk.img"), DISK, 31);
      ControlPlaneLink cpl = ReplicatingAgent.register(cp, disk, dir.resolve("agent"));
      String id = cpl.identity().sourceServerId();
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
              cpl,
              disk,
              dir.resolve("agent"),
              watch,
              o ->
                  o.replicator("127.0.0.1", link.agentPort())
                      .scanPassIntervalMillis(250)
                      .scanReadBudgetMBps(0)
                      .continuousLagSeconds(2)
                      .initialBackoffMillis(200)
                      .maxBackoffMillis(1000))) {
        Path staged = h.stagingVolume(id, disk);
        long t0 = System.nanoTime();
        awaitIdentical(disk, staged, 60_000, agent);
        await(() -> apiState(cp, id).equals("CONTINUOUS"), 10_000, "CONTINUOUS in the MGN API");
        report("initial sync of 8 MiB across the veth", t0);

        // 200 ms round trip (100 ms each way) and 5 % of packets lost in each direction.
        link.impair(100, 5);
        ContinuousHarness.writeRandomBlocks(disk, 64, 32);
        t0 = System.nanoTime();
        awaitIdentical(disk, staged, 60_000, agent);
        report("256 KiB of changes identical at 200 ms RTT and 5 % loss", t0);
        link.heal();

        // A partition while the source keeps writing: nothing is acknowledged, the lag grows and
        // the API says BACKLOG; once healed, TCP resends and the replica converges.
        long partitionAt = System.nanoTime();
        link.partition();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = writer(disk, writing);
        await(
            () -> apiState(cp, id).equals("BACKLOG") && apiLagSeconds(cp, id) >= 2,
            20_000,
            "BACKLOG with lag in the MGN API during the partition");
        report("partition seen by the operator as BACKLOG", partitionAt);
        Thread.sleep(Math.max(0, 6000 - (System.nanoTime() - partitionAt) / 1_000_000));
        link.heal();
        writing.set(false);
        writer.join();
        long healedAt = System.nanoTime();
        awaitIdentical(disk, staged, 60_000, agent);
        report("identical after a 6 s partition healed", healedAt);
        await(
            () -> apiState(cp, id).equals("CONTINUOUS") && apiLagSeconds(cp, id) == 0,
            10_000,
            "CONTINUOUS with no lag in the MGN API after the heal");

        // A link that flaps: down 1 s, up 1 s, four times, under a steady writer.
        writing.set(true);
        writer = writer(disk, writing);
        for (int i = 0; i < 4; i++) {
          link.linkDown();
          Thread.sleep(1000);
          link.linkUp();
          Thread.sleep(1000);
        }
        writing.set(false);
        writer.join();
        long flapsEnded = System.nanoTime();
        awaitIdentical(disk, staged, 60_000, agent);
        report("identical after 4 flaps", flapsEnded);

        // A rate limit of 8 Mbit/s: 2 MiB of changes take at least about 2 s, and arrive whole.
        link.rateLimit(8000);
        ContinuousHarness.writeRandomBlocks(disk, 512, 33);
        t0 = System.nanoTime();
        awaitIdentical(disk, staged, 60_000, agent);
        double seconds = (System.nanoTime() - t0) / 1e9;
        report("2 MiB of changes identical through 8 Mbit/s", t0);
        assertThat(seconds).isGreaterThan(1.5);
        link.heal();

        agent.close();
        SyncReport r = agent.run().get(60, TimeUnit.SECONDS);
        System.out.printf(
            Locale.ROOT,
            "network faults: %d connection(s) through the link, agent reconnects %d%n",
            link.connections.get(),
            r.reconnects());
        assertThat(ContinuousHarness.digest(staged, DISK))
            .isEqualTo(ContinuousHarness.digest(disk, DISK));
      }
    }
  }

  /** Writes 8 random blocks every 250 ms until told to stop. */
  private static Thread writer(Path disk, AtomicBoolean writing) {
    Thread t =
        new Thread(
            () -> {
              long seed = 100;
              while (writing.get()) {
                try {
                  ContinuousHarness.writeRandomBlocks(disk, 8, seed++);
                  Thread.sleep(250);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }
            },
            "fault-writer");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void awaitIdentical(Path disk, Path staged, long millis, ReplicatingAgent agent)
      throws Exception {
    await(
        () -> {
          try {
            return java.nio.file.Files.exists(staged)
                && ContinuousHarness.digest(staged, DISK)
                    .equals(ContinuousHarness.digest(disk, DISK));
          } catch (java.io.IOException e) {
            return false;
          }
        },
        millis,
        "staging volume identical to the source");
    assertThat(agent.run()).isNotDone();
  }

  private static JsonNode replicationInfo(ControlPlane cp, String id) throws Exception {
    return JSON.readTree(
            cp.call(
                "DescribeSourceServers", "{\"filters\":{\"sourceServerIDs\":[\"" + id + "\"]}}"))
        .path("items")
        .path(0)
        .path("dataReplicationInfo");
  }

  private static String apiState(ControlPlane cp, String id) {
    try {
      return replicationInfo(cp, id).path("dataReplicationState").asText();
    } catch (Exception e) {
      return "unreadable: " + e;
    }
  }

  private static long apiLagSeconds(ControlPlane cp, String id) {
    try {
      return java.time.Duration.parse(replicationInfo(cp, id).path("lagDuration").asText())
          .toSeconds();
    } catch (Exception e) {
      return -1;
    }
  }

  private static void await(BooleanSupplier condition, long millis, String what) throws Exception {
    long deadline = System.currentTimeMillis() + millis;
    while (!condition.getAsBoolean()) {
      assertThat(System.currentTimeMillis())
          .as(what + " within " + millis + " ms")
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static void report(String what, long sinceNanos) {
    System.out.printf(
        Locale.ROOT,
        "network faults: %s in %.2f s%n",
        what,
        (System.nanoTime() - sinceNanos) / 1e9);
  }
}
