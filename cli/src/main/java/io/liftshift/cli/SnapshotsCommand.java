package io.liftshift.cli;

import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.VolumeSnapshot;
import io.liftshift.cloud.local.LocalSnapshots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Point-in-time snapshots kept by a replication server (local store). */
@Command(
    name = "snapshots",
    mixinStandardHelpOptions = true,
    description = "List, show and export the point-in-time snapshots of a source server.",
    subcommands = {
      SnapshotsCommand.ListSnapshots.class,
      SnapshotsCommand.Show.class,
      SnapshotsCommand.Export.class
    })
final class SnapshotsCommand {
  static LocalSnapshots open(Path dataDir) throws Exception {
    Path dir = (dataDir != null ? dataDir : Home.dir().resolve("replicator")).resolve("snapshots");
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "no snapshot store in " + dir + " (give the replicator's --data-dir)");
    }
    return new LocalSnapshots(dir);
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "One line per snapshot.")
  static final class ListSnapshots implements Callable<Integer> {
    @Option(names = "--data-dir", description = "The replicator's data directory.")
    Path dataDir;

    @Parameters(index = "0", description = "Source server id (s-...).")
    String sourceServerId;

    @Override
    public Integer call() throws Exception {
      List<PointInTimeSnapshot> all = open(dataDir).list(sourceServerId);
      System.out.printf(
          Locale.ROOT,
          "%-21s %-22s %6s %12s %12s %12s%n",
          "SNAPSHOT",
          "TAKEN AT",
          "DISKS",
          "SIZE",
          "CHANGED",
          "STORED");
      for (PointInTimeSnapshot s : all) {
        System.out.printf(
            Locale.ROOT,
            "%-21s %-22s %6d %12s %12s %12s%n",
            s.snapshotSetId(),
            s.takenAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
            s.volumes().size(),
            Sizes.bytes(s.sizeBytes()),
            Sizes.bytes(s.changedBytes()),
            Sizes.bytes(s.storedBytes()));
      }
      if (all.isEmpty()) {
        System.out.println("(no snapshots of " + sourceServerId + ")");
      }
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "A snapshot's volumes.")
  static final class Show implements Callable<Integer> {
    @Option(names = "--data-dir", description = "The replicator's data directory.")
    Path dataDir;

    @Parameters(index = "0", description = "Source server id (s-...).")
    String sourceServerId;

    @Parameters(index = "1", description = "Snapshot id (pit-...), or 'latest'.")
    String snapshotId;

    @Override
    public Integer call() throws Exception {
      LocalSnapshots store = open(dataDir);
      PointInTimeSnapshot s = pick(store, sourceServerId, snapshotId);
      System.out.println(s.snapshotSetId() + " of " + s.sourceServerId() + " at " + s.takenAt());
      for (VolumeSnapshot v : s.volumes()) {
        System.out.printf(
            Locale.ROOT,
            "  %s  %s  %s, %s changed, %s stored, %d deep%s%n",
            v.snapshotId(),
            v.volumeName(),
            Sizes.bytes(v.sizeBytes()),
            Sizes.bytes(v.changedBytes()),
            Sizes.bytes(v.storedBytes()),
            store.depth(v.snapshotId()),
            v.parentSnapshotId().isEmpty() ? " (full)" : ", parent " + v.parentSnapshotId());
      }
      return 0;
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = "Write each volume of a snapshot as a raw image: <out-dir>/<volume>.img.")
  static final class Export implements Callable<Integer> {
    @Option(names = "--data-dir", description = "The replicator's data directory.")
    Path dataDir;

    @Option(names = "--out-dir", required = true, description = "Where the images go.")
    Path outDir;

    @Parameters(index = "0", description = "Source server id (s-...).")
    String sourceServerId;

    @Parameters(index = "1", defaultValue = "latest", description = "Snapshot id, or 'latest'.")
    String snapshotId;

    @Override
    public Integer call() throws Exception {
      LocalSnapshots store = open(dataDir);
      PointInTimeSnapshot s = pick(store, sourceServerId, snapshotId);
      Files.createDirectories(outDir);
      for (VolumeSnapshot v : s.volumes()) {
        Path out = outDir.resolve(v.volumeName() + ".img");
        Files.deleteIfExists(out);
        long t0 = System.nanoTime();
        store.restore(v, out);
        System.out.printf(
            Locale.ROOT,
            "%s -> %s (%s, %.2f s, every chunk checked)%n",
            v.snapshotId(),
            out,
            Sizes.bytes(v.sizeBytes()),
            (System.nanoTime() - t0) / 1e9);
      }
      return 0;
    }
  }

  static PointInTimeSnapshot pick(LocalSnapshots store, String server, String id) throws Exception {
    List<PointInTimeSnapshot> all = store.list(server);
    if (all.isEmpty()) {
      throw new IllegalArgumentException("no snapshots of " + server);
    }
    if (id.equals("latest")) {
      return all.get(all.size() - 1);
    }
    return all.stream()
        .filter(s -> s.snapshotSetId().equals(id))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no snapshot " + id + " of " + server));
  }
}
