package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.ReplicationControl;
import io.liftshift.agent.SyncScope;
import io.liftshift.agent.allocation.DiskLayout;
import io.liftshift.agent.allocation.UsedRanges;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Files created, rewritten in place, replaced and deleted on a mounted ext4 (or XFS) while the
 * initial sync runs with continuous replication: once the writer stops and the file system is
 * unmounted, the replica catches up and holds every file. With {@code used} the replica equals the
 * source on every block the file system then uses (the rest may be zeros); with {@code all}, byte
 * for byte. The disk is a loop device over an image full of old random data, so that a block sent
 * as zeros and later allocated is visible.
 */
class RewriteDuringSyncTest {
  private static final long SIZE = 96L << 20;

  @TempDir Path dir;

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
  }

  @ParameterizedTest
  @EnumSource(SyncScope.class)
  void filesWrittenDuringTheSyncEndIdenticalAfterCatchUp(SyncScope scope) throws Exception {
    rewriteDuringSync("ext4", scope, SIZE);
  }

  /** XFS needs 300 MiB at least; only the filesystem-aware scope reads its free-space trees. */
  @org.junit.jupiter.api.Test
  void xfsFilesWrittenDuringAFilesystemAwareSyncArePresent() throws Exception {
    rewriteDuringSync("xfs", SyncScope.USED, XFS_SIZE);
  }

  private static final long XFS_SIZE = 320L << 20;

  private void rewriteDuringSync(String fs, SyncScope scope, long size) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mkfs." + fs)), "mkfs." + fs);
    Path loop = ContinuousHarness.loopDevice(dir.resolve("backing.img"), size, 81);
    assumeTrue(loop != null, "needs root and loop devices (losetup)");
    Path mnt = Files.createDirectories(dir.resolve("mnt"));
    boolean mounted = false;
    try (ReplicationHarness h = new ReplicationHarness(dir)) {
      SplittableRandom r = new SplittableRandom(82);
      mounted = makeFileSystem(fs, loop, mnt, r);
      String id = "s-rewrite-" + fs + "-" + scope.name().toLowerCase(java.util.Locale.ROOT);
      // Slow enough (6 MB/s of used blocks, 50 MB/s of the whole disk) that the writer's rounds
      // land while the initial sync runs.
      ReplicationControl control = new ReplicationControl(scope == SyncScope.USED ? 48 : 400);
      AgentOptions o =
          h.agent(id, loop)
              .syncScope(scope)
              .stateDir(dir.resolve("state"))
              .scanPassIntervalMillis(100)
              .scanReadBudgetMBps(0)
              .verify(false);
      try (ContinuousHarness c = new ContinuousHarness(o, control)) {
        c.await(() -> c.agent.tracking() != null, 10_000, "tracking started");
        int duringSync = 0;
        long end = System.currentTimeMillis() + 8_000;
        for (int round = 0; System.currentTimeMillis() < end; round++) {
          boolean syncing = !c.agent.tracking().changes(0).initialSyncComplete();
          if (!syncing && round >= 6) {
            break;
          }
          writeRound(mnt.resolve("data"), round, r);
          if (syncing) {
            duringSync++;
          }
          Thread.sleep(50);
        }
        assertThat(duringSync).as("writer rounds during the initial sync").isGreaterThan(2);
        control.throttleMbps(0);
        TreeMap<String, String> files = tree(mnt);
        run("umount", mnt.toString());
        mounted = false;
        Path staged = h.stagingVolume(id, loop);
        if (scope == SyncScope.ALL) {
          c.awaitIdentical(loop, staged, size, 30_000);
        } else {
          UsedRanges used;
          try (FileChannel ch = FileChannel.open(loop, StandardOpenOption.READ)) {
            used = DiskLayout.read(ch, size).used();
          }
          assertThat(used.usedBytes()).isLessThan(size / 2);
          c.await(
              () -> c.allClean() && sameUsedBlocks(loop, staged, used, size),
              30_000,
              "the replica's used blocks equal the source's");
        }
        var report = c.stop().disks().get(0);
        if (scope == SyncScope.USED) {
          assertThat(report.syncScope()).containsIgnoringCase(fs);
          assertThat(report.unusedBytesSkipped()).isGreaterThan(size / 2);
        }
        if (fs.equals("xfs")) {
          run("xfs_repair", "-n", "-f", staged.toString());
        } else {
          run("e2fsck", "-fn", staged.toString());
        }
        Path check = Files.createDirectories(dir.resolve("mnt-replica"));
        run("mount", "-o", "loop,ro", staged.toString(), check.toString());
        try {
          assertThat(tree(check)).isEqualTo(files);
        } finally {
          run("umount", check.toString());
        }
      }
    } finally {
      if (mounted) {
        new ProcessBuilder("umount", mnt.toString()).start().waitFor();
      }
      ContinuousHarness.detach(loop);
    }
  }

  /** Creates one file, rewrites one in place, replaces one with new blocks, deletes one. */
  private static void writeRound(Path data, int round, SplittableRandom r) throws IOException {
    write(data.resolve("new" + round), bytes(r, 96 << 10), false);
    Path inPlace = data.resolve("f" + (round % 8));
    if (Files.exists(inPlace)) {
      try (FileChannel ch = FileChannel.open(inPlace, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(bytes(r, 64 << 10)), (round * 4096L) % (448 << 10));
        ch.force(true);
      }
    }
    write(data.resolve("f" + (8 + round % 8)), bytes(r, 256 << 10), true);
    Files.deleteIfExists(data.resolve("f" + (16 + round % 8)));
    if (round > 2) {
      Files.deleteIfExists(data.resolve("new" + (round - 2)));
    }
  }

  private static void write(Path p, byte[] b, boolean truncate) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            p,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            truncate ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.CREATE)) {
      ch.write(ByteBuffer.wrap(b));
      ch.force(true);
    }
  }

  private static byte[] bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  /** Every regular file under {@code root} (lost+found aside) and the SHA-256 of its bytes. */
  private static TreeMap<String, String> tree(Path root) throws Exception {
    TreeMap<String, String> out = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = new ArrayList<>(s.filter(Files::isRegularFile).toList());
    }
    for (Path f : files) {
      String rel = root.relativize(f).toString();
      if (!rel.startsWith("lost+found")) {
        out.put(
            rel,
            HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
      }
    }
    return out;
  }

  /** Makes the file system with 24 files of 512 KiB in {@code data/} and mounts it. */
  private boolean makeFileSystem(String fs, Path loop, Path mnt, SplittableRandom r)
      throws Exception {
    Path content = Files.createDirectories(dir.resolve("root/data"));
    for (int i = 0; i < 24; i++) {
      Files.write(content.resolve("f" + i), bytes(r, 512 << 10));
    }
    if (fs.equals("xfs")) {
      // -K: no discard, so the old random data stays in the free blocks.
      run("mkfs.xfs", "-q", "-f", "-K", loop.toString());
      run("mount", loop.toString(), mnt.toString());
      run("cp", "-a", content.toString(), mnt.toString());
      // Unmounted once, so that the free-space trees on disk hold these files (XFS keeps metadata
      // in its log until written back; see the Notes of docs/protocol.md): what is tested is writes
      // during the sync, not before it.
      run("umount", mnt.toString());
      run("mount", loop.toString(), mnt.toString());
      return true;
    }
    run(
        "mkfs.ext4",
        "-q",
        "-F",
        "-b",
        "4096",
        "-E",
        "nodiscard,lazy_itable_init=0,lazy_journal_init=0",
        "-d",
        dir.resolve("root").toString(),
        loop.toString());
    run("mount", loop.toString(), mnt.toString());
    return true;
  }

  private static boolean sameUsedBlocks(Path source, Path staged, UsedRanges used, long size) {
    try (FileChannel a = FileChannel.open(source, StandardOpenOption.READ);
        FileChannel b = FileChannel.open(staged, StandardOpenOption.READ)) {
      boolean[] same = {true};
      ByteBuffer x = ByteBuffer.allocate(1 << 20);
      ByteBuffer y = ByteBuffer.allocate(1 << 20);
      // The used ranges are the complement of the unused ones over the disk.
      long[] pos = {0};
      List<long[]> usedRanges = new ArrayList<>();
      used.forEachUnused(
          0,
          size,
          (o, l) -> {
            if (o > pos[0]) {
              usedRanges.add(new long[] {pos[0], o});
            }
            pos[0] = o + l;
          });
      if (pos[0] < size) {
        usedRanges.add(new long[] {pos[0], size});
      }
      for (long[] u : usedRanges) {
        for (long at = u[0]; at < u[1] && same[0]; at += x.capacity()) {
          int n = (int) Math.min(x.capacity(), u[1] - at);
          x.clear().limit(n);
          y.clear().limit(n);
          readFully(a, x, at);
          readFully(b, y, at);
          same[0] = x.flip().equals(y.flip());
        }
      }
      return same[0];
    } catch (IOException e) {
      return false;
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
    while (b.hasRemaining()) {
      if (ch.read(b, at + b.position()) < 0) {
        return;
      }
    }
  }
}
