package io.liftshift.cloud.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.cloud.ChangedRanges;
import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local snapshot store: incremental, deduplicating, byte-identical restores, safe deletes. */
class LocalSnapshotsTest {
  private static final long SIZE = 8L << 20;

  @TempDir Path dir;

  private StagingVolume volume(String name) throws IOException {
    return new LocalStagingVolumes(dir.resolve("volumes")).provision(name, SIZE);
  }

  private static void write(StagingVolume v, long offset, byte[] data) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(v.devicePath().toFile(), "rw")) {
      f.seek(offset);
      f.write(data);
    }
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  static String sha(Path p) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update(Files.readAllBytes(p));
    return HexFormat.of().formatHex(md.digest());
  }

  /** Only the given 4 KiB blocks changed. */
  private static ChangedRanges blocks(long... changed) {
    java.util.Set<Long> set = new java.util.HashSet<>();
    for (long c : changed) {
      set.add(c);
    }
    return new ChangedRanges() {
      @Override
      public int blockBytes() {
        return 4096;
      }

      @Override
      public boolean isChanged(long block) {
        return set.contains(block);
      }
    };
  }

  @Test
  void incrementalSnapshotsCostTheChangeAndRestoreByteForByte() throws Exception {
    LocalSnapshots store = new LocalSnapshots(dir.resolve("snapshots"));
    StagingVolume v = volume("s-1--disk");
    write(v, 0, random(1 << 20, 1));
    PointInTimeSnapshot first =
        store.create("s-1", List.of(new Snapshots.Source(v, ChangedRanges.ALL)));
    assertThat(first.storedBytes()).isEqualTo(1 << 20); // zeros are not stored
    String firstSha = sha(v.devicePath());

    List<String> shas = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      long block = 300 + i * 7;
      write(v, block * 4096, random(4096, 100 + i));
      PointInTimeSnapshot s = store.create("s-1", List.of(new Snapshots.Source(v, blocks(block))));
      assertThat(s.changedBytes()).isEqualTo(4096);
      assertThat(s.storedBytes()).isEqualTo(4096);
      shas.add(sha(v.devicePath()));
    }
    List<PointInTimeSnapshot> all = store.list("s-1");
    assertThat(all).hasSize(11);
    assertThat(store.depth(all.get(10).volumes().get(0).snapshotId())).isEqualTo(10);

    Path out = dir.resolve("restored.img");
    store.restore(all.get(10).volumes().get(0), out);
    assertThat(sha(out)).isEqualTo(shas.get(9));
    Files.delete(out);
    store.restore(all.get(0).volumes().get(0), out);
    assertThat(sha(out)).isEqualTo(firstSha);

    // A volume for a launch is made from the snapshot; writing to it never touches the snapshot.
    StagingVolume launch = store.createVolume(all.get(5).volumes().get(0), "launch-s-1");
    assertThat(sha(launch.devicePath())).isEqualTo(shas.get(4));
    write(launch, 0, random(4096, 77));
    Path again = dir.resolve("again.img");
    store.restore(all.get(5).volumes().get(0), again);
    assertThat(sha(again)).isEqualTo(shas.get(4));

    // The same content again is deduplicated: nothing new is stored.
    write(v, 5000L * 4096, random(4096, 100));
    assertThat(store.create("s-1", List.of(new Snapshots.Source(v, blocks(5000)))).storedBytes())
        .isZero();
  }

  @Test
  void aLaunchSeesTheOwnersSnapshotsReadOnlyAndItsHoldIsSeenByTheOwner() throws Exception {
    LocalSnapshots owner = new LocalSnapshots(dir.resolve("snapshots"));
    StagingVolume v = volume("s-4--disk");
    write(v, 0, random(4096, 4));
    PointInTimeSnapshot set =
        owner.create("s-4", List.of(new Snapshots.Source(v, ChangedRanges.ALL)));
    LocalSnapshots launch =
        LocalSnapshots.readOnly(dir.resolve("snapshots"), dir.resolve("launch"));
    assertThat(launch.find(set.snapshotSetId())).isPresent();
    launch.hold(set.snapshotSetId(), "mgnjob-7");
    assertThat(owner.holders(set.snapshotSetId())).containsExactly("mgnjob-7");
    StagingVolume copy = launch.createVolume(set.volumes().get(0), "launch-s-4-disk");
    assertThat(copy.devicePath().getParent()).isEqualTo(dir.resolve("launch"));
    assertThat(sha(copy.devicePath())).isEqualTo(sha(v.devicePath()));
    assertThatThrownBy(() -> launch.delete(set.snapshotSetId())).hasMessageContaining("read-only");
    launch.release(set.snapshotSetId(), "mgnjob-7");
    assertThat(owner.holders(set.snapshotSetId())).isEmpty();
  }

  @Test
  void deletingASnapshotInTheMiddleOfAChainKeepsEveryOtherOneRestorable() throws Exception {
    LocalSnapshots store = new LocalSnapshots(dir.resolve("snapshots"));
    StagingVolume v = volume("s-2--disk");
    List<String> shas = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      write(v, i * 4096L * 10, random(8192, i));
      store.create("s-2", List.of(new Snapshots.Source(v, ChangedRanges.ALL)));
      shas.add(sha(v.devicePath()));
    }
    List<PointInTimeSnapshot> all = store.list("s-2");
    store.delete(all.get(0).snapshotSetId());
    store.delete(all.get(2).snapshotSetId());
    // Reopened from disk: what was committed and merged is all there is.
    LocalSnapshots reopened = new LocalSnapshots(dir.resolve("snapshots"));
    List<PointInTimeSnapshot> left = reopened.list("s-2");
    assertThat(left).hasSize(3);
    int[] original = {1, 3, 4};
    for (int i = 0; i < 3; i++) {
      Path out = dir.resolve("r" + i + ".img");
      reopened.restore(left.get(i).volumes().get(0), out);
      assertThat(sha(out)).isEqualTo(shas.get(original[i]));
    }
  }

  @Test
  void anUncommittedSnapshotIsDiscardedAndADamagedChunkIsNeverServed() throws Exception {
    LocalSnapshots store = new LocalSnapshots(dir.resolve("snapshots"));
    StagingVolume v = volume("s-3--disk");
    write(v, 0, random(64 << 10, 3));
    PointInTimeSnapshot s =
        store.create("s-3", List.of(new Snapshots.Source(v, ChangedRanges.ALL)));
    // A crash after the manifest but before the set file: a manifest nobody names.
    Files.writeString(dir.resolve("snapshots/manifests/snap-halfwritten00000"), "partial");
    LocalSnapshots reopened = new LocalSnapshots(dir.resolve("snapshots"));
    assertThat(Files.exists(dir.resolve("snapshots/manifests/snap-halfwritten00000"))).isFalse();
    assertThat(reopened.list("s-3")).hasSize(1);

    // Flip a byte in the pack: the restore fails instead of returning wrong data.
    Path pack = dir.resolve("snapshots/packs/pack-0.dat");
    try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
      f.seek(100);
      int b = f.read();
      f.seek(100);
      f.write(b ^ 0xFF);
    }
    assertThatThrownBy(() -> reopened.restore(s.volumes().get(0), dir.resolve("bad.img")))
        .hasMessageContaining("SHA-256");
  }
}
