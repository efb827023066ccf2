package io.liftshift.cli;

import io.liftshift.cloud.ChangedRanges;
import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.local.LocalSnapshots;
import io.liftshift.cloud.local.LocalStagingVolumes;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Point-in-time snapshot cost against disk size, and restore speed from a deep chain against cp.
 */
@Command(
    name = "snapshots",
    mixinStandardHelpOptions = true,
    description = {
      "Snapshot cost after the same change (1 % of the small disk's 4 KiB blocks) on a small and a",
      "4x larger staging volume; then making a volume from a 10-deep snapshot against cp."
    })
final class SnapshotBench implements Callable<Integer> {
  private static final int BLOCK = 4096;

  @Option(names = "--work-dir", description = "(default: $LIFTSHIFT_HOME/bench-snapshots)")
  Path workDir;

  @Option(
      names = "--size-mib",
      defaultValue = "2048",
      description = "Small disk in MiB; the large one is 4x (default: ${DEFAULT-VALUE}).")
  long sizeMib;

  @Option(
      names = "--depth",
      defaultValue = "10",
      description = "Snapshot chain depth for the restore (default: ${DEFAULT-VALUE}).")
  int depth;

  @Override
  public Integer call() throws Exception {
    Path work =
        (workDir != null ? workDir : Home.dir().resolve("bench-snapshots")).toAbsolutePath();
    SampleDisk.deleteTree(work);
    Files.createDirectories(work);
    LocalStagingVolumes volumes = new LocalStagingVolumes(work.resolve("volumes"));
    LocalSnapshots store = new LocalSnapshots(work.resolve("snapshots"));
    long small = sizeMib << 20;
    long large = small * 4;
    int changed = (int) (small / BLOCK / 100);
    System.out.printf(
        Locale.ROOT,
        "volumes %s and %s of random data; change %d blocks of 4 KiB (%s) on each%n",
        Sizes.bytes(small),
        Sizes.bytes(large),
        changed,
        Sizes.bytes((long) changed * BLOCK));
    double[] a = costOfChange(volumes, store, "bench-small", small, changed);
    double[] b = costOfChange(volumes, store, "bench-large", large, changed);
    System.out.printf(
        Locale.ROOT,
        "incremental snapshot after the change: %s: %.3f s, %s stored; %s: %.3f s, %s stored%n",
        Sizes.bytes(small),
        a[0],
        Sizes.bytes((long) a[1]),
        Sizes.bytes(large),
        b[0],
        Sizes.bytes((long) b[1]));
    System.out.printf(
        Locale.ROOT,
        "ratio large/small: time %.2f, bytes stored %.2f (target <= 1.5: %s)%n",
        b[0] / a[0],
        b[1] / a[1],
        b[0] / a[0] <= 1.5 && b[1] / a[1] <= 1.5 ? "met" : "MISSED");

    // A chain `depth` deep on the small volume, then restore its tip.
    StagingVolume v = volumes.find("bench-small").orElseThrow();
    for (int i = 1; i < depth; i++) {
      BitSet bits = change(v.devicePath(), small, changed, 1000 + i);
      store.create("bench", List.of(new Snapshots.Source(v, ranges(bits))));
    }
    List<PointInTimeSnapshot> all = store.list("bench");
    PointInTimeSnapshot tip = all.get(all.size() - 1);
    var tipVolume =
        tip.volumes().stream()
            .filter(x -> x.volumeName().equals("bench-small"))
            .findFirst()
            .orElseThrow();
    System.out.println(
        "chain depth of the snapshot restored: " + store.depth(tipVolume.snapshotId()));
    Path restored = work.resolve("restored.img");
    dropCaches();
    long t0 = System.nanoTime();
    store.restore(tipVolume, restored);
    double restoreSeconds = (System.nanoTime() - t0) / 1e9;
    Path copy = work.resolve("cp.img");
    dropCaches();
    t0 = System.nanoTime();
    SystemTools.run(List.of("cp", v.devicePath().toString(), copy.toString()), 600);
    SystemTools.run(List.of("sync"), 600);
    double cpSeconds = (System.nanoTime() - t0) / 1e9;
    if (!QuickstartCommand.sha256(restored).equals(QuickstartCommand.sha256(v.devicePath()))) {
      throw new IllegalStateException("the restored volume differs: the measurement is void");
    }
    System.out.printf(
        Locale.ROOT,
        "volume from a %d-deep snapshot: %.2f s = %.0f MB/s; cp of the staging file: %.2f s = %.0f"
            + " MB/s; ratio %.2f%n",
        store.depth(tipVolume.snapshotId()),
        restoreSeconds,
        small / 1e6 / restoreSeconds,
        cpSeconds,
        small / 1e6 / cpSeconds,
        cpSeconds / restoreSeconds);
    return 0;
  }

  /** Full snapshot of a new random volume, then the change and its incremental snapshot. */
  private static double[] costOfChange(
      LocalStagingVolumes volumes, LocalSnapshots store, String name, long size, int changed)
      throws Exception {
    StagingVolume v = volumes.provision(name, size);
    fill(v.devicePath(), size, name.hashCode());
    long t0 = System.nanoTime();
    PointInTimeSnapshot base =
        store.create("bench", List.of(new Snapshots.Source(v, ChangedRanges.ALL)));
    System.out.printf(
        Locale.ROOT,
        "  full snapshot of %s: %.2f s, %s stored%n",
        Sizes.bytes(size),
        (System.nanoTime() - t0) / 1e9,
        Sizes.bytes(base.storedBytes()));
    BitSet bits = change(v.devicePath(), size, changed, name.hashCode() + 7L);
    dropCaches();
    t0 = System.nanoTime();
    PointInTimeSnapshot s = store.create("bench", List.of(new Snapshots.Source(v, ranges(bits))));
    return new double[] {(System.nanoTime() - t0) / 1e9, s.storedBytes()};
  }

  /** Random data from a seed of its own, so that two volumes share no chunk. */
  private static void fill(Path file, long size, long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] buf = new byte[1 << 20];
    try (var out = Files.newOutputStream(file)) {
      for (long done = 0; done < size; done += buf.length) {
        r.nextBytes(buf);
        out.write(buf, 0, (int) Math.min(buf.length, size - done));
      }
    }
  }

  private static BitSet change(Path file, long size, int count, long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    BitSet bits = new BitSet();
    byte[] data = new byte[BLOCK];
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      while (bits.cardinality() < count) {
        int b = (int) r.nextLong(size / BLOCK);
        if (!bits.get(b)) {
          bits.set(b);
          r.nextBytes(data);
          f.seek((long) b * BLOCK);
          f.write(data);
        }
      }
    }
    return bits;
  }

  private static ChangedRanges ranges(BitSet bits) {
    return new ChangedRanges() {
      @Override
      public int blockBytes() {
        return BLOCK;
      }

      @Override
      public boolean isChanged(long block) {
        return block < Integer.MAX_VALUE && bits.get((int) block);
      }
    };
  }

  private static void dropCaches() throws Exception {
    if (SystemTools.isRoot()) {
      SystemTools.run(List.of("sync"), 600);
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n");
    }
  }
}
