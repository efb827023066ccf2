package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.liftshift.agent.Agent;
import io.liftshift.agent.DiskReport;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import io.liftshift.agent.SyncScope;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filesystem-aware initial sync: file systems made by the test on disks full of old data (random
 * bytes, as a reused disk has), so that reading only used blocks is visible. The replica must be a
 * clean file system with every file, and the unused blocks zero.
 */
class FileSystemAwareSyncTest {
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

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
  }

  private DiskReport replicate(String server, Path img, SyncScope scope) throws Exception {
    SyncReport r = new Agent(h.agent(server, img).syncScope(scope), SyncListener.NONE).run();
    assertThat(r.verified()).isTrue();
    return r.disks().get(0);
  }

  /** Mounts an image read-only and returns the text of one file. */
  private String readFile(Path img, String file) throws Exception {
    Path mnt = Files.createDirectories(dir.resolve("mnt-" + img.getFileName()));
    run("mount", "-o", "loop,ro", img.toString(), mnt.toString());
    try {
      return Files.readString(mnt.resolve(file));
    } finally {
      run("umount", mnt.toString());
    }
  }

  private static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  @Test
  void ext4ReadsOnlyUsedBlocksAndTheReplicaIsACleanFileSystem() throws Exception {
    assumeThat(
            Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4"))
                || Files.isExecutable(Path.of("/sbin/mkfs.ext4")))
        .as("e2fsprogs")
        .isTrue();
    Path content = Files.createDirectories(dir.resolve("root/etc"));
    Files.writeString(content.resolve("hostname"), "source-server\n");
    Path img = ReplicationHarness.randomImage(dir.resolve("ext4.img"), 128L << 20, 41);
    run(
        "mkfs.ext4",
        "-q",
        "-F",
        "-E",
        "nodiscard",
        "-d",
        dir.resolve("root").toString(),
        img.toString());
    DiskReport d = replicate("s-ext4-used", img, SyncScope.USED);
    assertThat(d.syncScope()).startsWith("used blocks only").contains("ext4");
    assertThat(d.unusedBytesSkipped()).isGreaterThan(64L << 20);
    assertThat(d.proofBytesReadBack()).isZero();
    Path staged = h.stagingVolume("s-ext4-used", img);
    run("e2fsck", "-fn", staged.toString());
    if (root()) {
      assertThat(readFile(staged, "etc/hostname")).isEqualTo("source-server\n");
    }
  }

  @Test
  void syncScopeAllCopiesEveryByte() throws Exception {
    Path img = ReplicationHarness.randomImage(dir.resolve("all.img"), 64L << 20, 42);
    run("mkfs.ext4", "-q", "-F", "-E", "nodiscard", img.toString());
    DiskReport d = replicate("s-all", img, SyncScope.ALL);
    assertThat(d.syncScope()).isEqualTo("whole disk");
    assertThat(d.unusedBytesSkipped()).isZero();
    assertThat(ReplicationHarness.sha256(h.stagingVolume("s-all", img)))
        .isEqualTo(ReplicationHarness.sha256(img));
  }

  @Test
  void xfsInAGptPartitionReadsOnlyUsedBlocks() throws Exception {
    assumeThat(Files.isExecutable(Path.of("/usr/sbin/mkfs.xfs"))).as("xfsprogs").isTrue();
    assumeThat(root()).as("mounting XFS to write files needs root").isTrue();
    Path img = ReplicationHarness.randomImage(dir.resolve("xfs.img"), 400L << 20, 43);
    // sfdisk reads the table from stdin; a script with one Linux partition from 1 MiB.
    Process p = new ProcessBuilder("sfdisk", "-q", img.toString()).start();
    p.getOutputStream()
        .write(("label: gpt\nstart=2048, size=" + ((398L << 20) / 512) + ", type=L\n").getBytes());
    p.getOutputStream().close();
    assertThat(p.waitFor()).isZero();
    String loop = partitionLoop(img);
    try {
      run("mkfs.xfs", "-q", "-f", "-K", loop);
      Path mnt = Files.createDirectories(dir.resolve("mnt-xfs-src"));
      run("mount", loop, mnt.toString());
      try {
        Files.writeString(mnt.resolve("hostname"), "xfs-server\n");
      } finally {
        run("umount", mnt.toString());
      }
    } finally {
      run("losetup", "-d", loop);
    }
    DiskReport d = replicate("s-xfs", img, SyncScope.USED);
    assertThat(d.syncScope()).contains("GPT").contains("XFS");
    assertThat(d.unusedBytesSkipped()).isGreaterThan(200L << 20);
    Path staged = h.stagingVolume("s-xfs", img);
    String l2 = partitionLoop(staged);
    try {
      run("xfs_repair", "-n", l2);
      Path mnt = Files.createDirectories(dir.resolve("mnt-xfs-dst"));
      run("mount", "-o", "ro", l2, mnt.toString());
      try {
        assertThat(Files.readString(mnt.resolve("hostname"))).isEqualTo("xfs-server\n");
      } finally {
        run("umount", mnt.toString());
      }
    } finally {
      run("losetup", "-d", l2);
    }
  }

  @Test
  void anUnrecognisedDiskIsCopiedWhole() throws Exception {
    Path img = ReplicationHarness.randomImage(dir.resolve("luks-like.img"), 16L << 20, 44);
    DiskReport d = replicate("s-unknown", img, SyncScope.USED);
    assertThat(d.syncScope()).startsWith("whole disk");
    assertThat(d.unusedBytesSkipped()).isZero();
    assertThat(ReplicationHarness.sha256(h.stagingVolume("s-unknown", img)))
        .isEqualTo(ReplicationHarness.sha256(img));
  }

  /** The image's first partition (from 1 MiB, as the test's table says) as a loop device. */
  private static String partitionLoop(Path img) throws Exception {
    long size = Files.size(img) - (1L << 20) - (1L << 20);
    Process p =
        new ProcessBuilder(
                "losetup",
                "-f",
                "--show",
                "-o",
                String.valueOf(1L << 20),
                "--sizelimit",
                String.valueOf(size),
                img.toString())
            .redirectErrorStream(true)
            .start();
    String dev = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.waitFor()).as(dev).isZero();
    return dev;
  }
}
