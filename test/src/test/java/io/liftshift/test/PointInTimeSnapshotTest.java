package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.tracking.DiskReader;
import io.liftshift.agent.tracking.TracefsChangeTracker;
import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.VolumeSnapshot;
import io.liftshift.replicator.ReplicatorOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer runs across 3 disks of one source server while snapshots are taken; every snapshot, made
 * into volumes, is one crash-consistent state of the three: a write log of sequence-numbered blocks
 * proves that no write is in it while an earlier one is missing.
 */
class PointInTimeSnapshotTest {
  private static final long DISK_BYTES = 16L << 20;
  private static final int BLOCKS = (int) (DISK_BYTES / 4096);

  @TempDir Path dir;

  /** Write n goes to disk n % 3, block (n / 3) % BLOCKS, and says so in its first bytes. */
  private static int diskOf(long n) {
    return (int) (n % 3);
  }

  private static long blockOf(long n) {
    return (n / 3) % BLOCKS;
  }

  @Test
  void everySnapshotIsOneCrashConsistentStateOfAllThreeDisks() throws Exception {
    List<Path> loops = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Path img = dir.resolve("disk" + i + ".img");
        ReplicationHarness.zeroImage(img, DISK_BYTES);
        Process p =
            new ProcessBuilder("losetup", "-f", "--show", img.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assumeTrue(p.waitFor() == 0 && out.startsWith("/dev/loop"), "needs loop devices");
        loops.add(Path.of(out));
      }
      assumeTrue(
          TracefsChangeTracker.unavailable(TracefsChangeTracker.DEFAULT_TRACEFS, loops.get(0))
              .isEmpty(),
          "needs tracefs");
      try (ReplicationHarness h =
          new ReplicationHarness(
              dir, new ReplicatorOptions().snapshotIntervalMillis(700).pruneSnapshots(false))) {
        AgentOptions o =
            h.agent("s-pit", loops.toArray(new Path[0]))
                .stateDir(dir.resolve("state"))
                .tracker(AgentOptions.TrackerMode.TRACEFS)
                .verify(false);
        try (ContinuousHarness c = new ContinuousHarness(o)) {
          c.awaitInStep(60_000);
          AtomicBoolean stop = new AtomicBoolean();
          AtomicLong written = new AtomicLong();
          Thread writer =
              new Thread(
                  () -> {
                    try {
                      List<FileChannel> ch = new ArrayList<>();
                      for (Path l : loops) {
                        ch.add(
                            FileChannel.open(
                                l,
                                StandardOpenOption.WRITE,
                                com.sun.nio.file.ExtendedOpenOption.DIRECT));
                      }
                      ByteBuffer b = DiskReader.buffer(4096);
                      for (long n = 1; !stop.get(); n++) {
                        b.clear();
                        b.putLong(0, n).putLong(8, ~n);
                        // Each write is on the device before the next is issued: a causal chain.
                        ch.get(diskOf(n)).write(b, blockOf(n) * 4096);
                        written.set(n);
                        if (n % 8 == 0) {
                          Thread.sleep(1);
                        }
                      }
                      for (FileChannel f : ch) {
                        f.close();
                      }
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  });
          writer.start();
          Snapshots snapshots = h.replicator.snapshots().orElseThrow();
          long deadline = System.currentTimeMillis() + 60_000;
          while (snapshots.list("s-pit").size() < 4 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
          }
          stop.set(true);
          writer.join();
          List<PointInTimeSnapshot> all = snapshots.list("s-pit");
          assertThat(all).hasSizeGreaterThanOrEqualTo(4);
          int withWrites = 0;
          for (PointInTimeSnapshot s : all) {
            assertThat(s.volumes()).hasSize(3);
            long[][] seen = new long[3][];
            for (VolumeSnapshot v : s.volumes()) {
              int disk = diskIndex(v, loops, h);
              Path restored = dir.resolve(v.snapshotId() + ".img");
              snapshots.restore(v, restored);
              seen[disk] = sequenceNumbers(restored);
              Files.delete(restored);
            }
            long max = 0;
            for (long[] d : seen) {
              for (long n : d) {
                max = Math.max(max, n);
              }
            }
            if (max > 0) {
              withWrites++;
            }
            // The state "everything up to write max": each block holds its last write <= max.
            for (int disk = 0; disk < 3; disk++) {
              for (int block = 0; block < BLOCKS; block++) {
                long expected = lastWriteAtOrBefore(disk, block, max);
                assertThat(seen[disk][block])
                    .as(
                        "snapshot %s: disk %d block %d after write %d",
                        s.snapshotSetId(), disk, block, max)
                    .isEqualTo(expected);
              }
            }
          }
          assertThat(withWrites).isGreaterThanOrEqualTo(2);
          // The same, as a user sees it.
          String listed =
              CliRunner.run(
                  "snapshots", "list", "--data-dir", dir.resolve("replicator").toString(), "s-pit");
          assertThat(listed).contains(all.get(0).snapshotSetId());
          String exported =
              CliRunner.run(
                  "snapshots",
                  "export",
                  "--data-dir",
                  dir.resolve("replicator").toString(),
                  "--out-dir",
                  dir.resolve("export").toString(),
                  "s-pit",
                  all.get(all.size() - 1).snapshotSetId());
          assertThat(exported).contains("every chunk checked");
          try (var files = Files.list(dir.resolve("export"))) {
            assertThat(files.count()).isEqualTo(3);
          }
          assertThat(written.get()).isGreaterThan(1000);
        }
      }
    } finally {
      for (Path l : loops) {
        ContinuousHarness.detach(l);
      }
    }
  }

  private static int diskIndex(VolumeSnapshot v, List<Path> loops, ReplicationHarness h)
      throws Exception {
    for (int i = 0; i < loops.size(); i++) {
      if (h.stagingVolume("s-pit", loops.get(i))
          .getFileName()
          .toString()
          .equals(v.volumeName() + ".img")) {
        return i;
      }
    }
    throw new AssertionError("unknown volume " + v.volumeName());
  }

  private static long[] sequenceNumbers(Path image) throws Exception {
    long[] out = new long[BLOCKS];
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(16);
      for (int i = 0; i < BLOCKS; i++) {
        b.clear();
        ch.read(b, i * 4096L);
        long n = b.getLong(0);
        long check = b.getLong(8);
        if (n != 0 && check != ~n) {
          throw new AssertionError("block " + i + " is torn: " + n + " / " + check);
        }
        out[i] = n;
      }
    }
    return out;
  }

  /** The largest m <= max that went to (disk, block), or 0. */
  private static long lastWriteAtOrBefore(int disk, int block, long max) {
    // m = 3 * (block + k * BLOCKS) + disk for k >= 0, m >= 1
    long best = 0;
    for (long k = 0; ; k++) {
      long m = 3 * (block + k * (long) BLOCKS) + disk;
      if (m > max) {
        return best;
      }
      if (m >= 1) {
        best = m;
      }
    }
  }
}
