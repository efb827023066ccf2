package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.liftshift.agent.Agent;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Agent → TLS 1.3 on loopback → replicator → staging volume, checked byte for byte. */
class InitialSyncEndToEndTest {
  @TempDir Path dir;
  ReplicationHarness h;

  @BeforeEach
  void start() throws Exception {
    h = new ReplicationHarness(dir);
  }

  @AfterEach
  void stop() throws Exception {
    h.close();
  }

  private SyncReport replicate(String server, Path... disks) throws Exception {
    SyncReport r = new Agent(h.agent(server, disks), SyncListener.NONE).run();
    assertThat(r.verified()).isTrue();
    for (Path d : disks) {
      Path staged = h.stagingVolume(server, d);
      assertThat(Files.size(staged)).isEqualTo(Files.size(d));
      assertThat(ReplicationHarness.sha256(staged)).isEqualTo(ReplicationHarness.sha256(d));
    }
    return r;
  }

  @Test
  void randomImageOfAnOddSizeIsIdentical() throws Exception {
    Path img = ReplicationHarness.randomImage(dir.resolve("random.img"), (24L << 20) + 12_345, 1);
    SyncReport r = replicate("s-random", img);
    assertThat(r.disks().get(0).zeroBytes()).isZero();
  }

  @Test
  void allZeroImageTravelsAsZeroFramesOnly() throws Exception {
    Path img = ReplicationHarness.zeroImage(dir.resolve("zero.img"), (64L << 20) + 4097);
    SyncReport r = replicate("s-zero", img);
    assertThat(r.disks().get(0).dataBytesSent()).isZero();
    assertThat(r.wireBytes()).isLessThan(256 * 1024);
  }

  @Test
  void sparseImageIsIdenticalAndSendsOnlyItsData() throws Exception {
    Path img = ReplicationHarness.sparseImage(dir.resolve("sparse.img"), (48L << 20) + 511, 2);
    SyncReport r = replicate("s-sparse", img);
    assertThat(r.disks().get(0).dataBytesSent()).isLessThan(8L << 20);
  }

  @Test
  void ext4FileSystemImageIsIdenticalAndItsTextCompresses() throws Exception {
    Path mkfs = Path.of("/usr/sbin/mkfs.ext4");
    assumeThat(Files.isExecutable(mkfs) || Files.isExecutable(Path.of("/sbin/mkfs.ext4")))
        .as("mkfs.ext4 (Debian package e2fsprogs) is needed; the README's test command installs it")
        .isTrue();
    Path root = Files.createDirectories(dir.resolve("root/var/log"));
    StringBuilder log = new StringBuilder();
    for (int i = 0; log.length() < 3_000_000; i++) {
      log.append("2026-11-23 12:00:")
          .append(i % 60)
          .append(" app[42]: request ")
          .append(i)
          .append(" ok\n");
    }
    Files.writeString(root.resolve("app.log"), log);
    Files.write(
        Files.createDirectories(dir.resolve("root/usr/lib")).resolve("blob.bin"),
        Files.readAllBytes(ReplicationHarness.randomImage(dir.resolve("blob"), 2 << 20, 3)));
    Path img = dir.resolve("ext4.img");
    try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
      f.setLength((96L << 20) + 3 * 1024);
    }
    Process p =
        new ProcessBuilder(
                Files.isExecutable(mkfs) ? mkfs.toString() : "/sbin/mkfs.ext4",
                "-q",
                "-F",
                "-d",
                dir.resolve("root").toString(),
                img.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
    SyncReport r = replicate("s-ext4", img);
    assertThat(r.disks().get(0).payloadBytes()).isLessThan(r.disks().get(0).dataBytesSent());
  }

  @Test
  void severalDisksOfOneServerInOneSession() throws Exception {
    Path a = ReplicationHarness.randomImage(dir.resolve("a.img"), 3 << 20, 4);
    Path b = ReplicationHarness.sparseImage(dir.resolve("b.img"), 17 << 20, 5);
    Path c = ReplicationHarness.zeroImage(dir.resolve("c.img"), 1 << 20);
    SyncReport r = replicate("s-multi", a, b, c);
    assertThat(r.disks()).hasSize(3);
    assertThat(r.reconnects()).isZero();
  }

  @Test
  void aSecondRunOfACompletedDiskSendsNothingAgain() throws Exception {
    Path img = ReplicationHarness.randomImage(dir.resolve("again.img"), 8 << 20, 6);
    replicate("s-again", img);
    SyncReport second = replicate("s-again", img);
    assertThat(second.disks().get(0).dataBytesSent()).isZero();
    assertThat(List.of(second.disks().get(0).resentBytes())).containsExactly(0L);
  }

  @Test
  void aStagingVolumeDeletedBehindTheReplicatorsBackIsReplicatedAgainInFull() throws Exception {
    Path img = ReplicationHarness.randomImage(dir.resolve("gone.img"), 6 << 20, 7);
    replicate("s-gone", img);
    // An operator removes the volume; its checkpoint stays behind and must not be believed.
    Files.delete(h.stagingVolume("s-gone", img));
    SyncReport again = replicate("s-gone", img);
    assertThat(again.disks().get(0).dataBytesSent()).isEqualTo(6L << 20);
  }
}
