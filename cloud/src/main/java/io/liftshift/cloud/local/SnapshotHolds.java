package io.liftshift.cloud.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Holds on local snapshot sets: a file {@code holds/<set>@<holder>} each, visible to every process
 * sharing the store, so that a launch in the control plane keeps the replicator from deleting the
 * set it restores. Apart from {@link LocalSnapshots} because a hold is a file of its own, written
 * without the store's lock and even through a read-only view.
 */
final class SnapshotHolds {
  private final Path holds;

  SnapshotHolds(Path holds) {
    this.holds = holds;
  }

  void hold(String snapshotSetId, String holder) throws IOException {
    Path h = holds.resolve(holdName(snapshotSetId, holder));
    if (!Files.exists(h)) {
      Files.writeString(h, Instant.now().toString());
    }
  }

  void release(String snapshotSetId, String holder) throws IOException {
    Files.deleteIfExists(holds.resolve(holdName(snapshotSetId, holder)));
  }

  Set<String> holders(String snapshotSetId) throws IOException {
    Set<String> out = new java.util.TreeSet<>();
    try (Stream<Path> s = Files.list(holds)) {
      s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(snapshotSetId + "@"))
          .forEach(n -> out.add(n.substring(snapshotSetId.length() + 1)));
    }
    return out;
  }

  private static String holdName(String snapshotSetId, String holder) {
    if (!holder.matches("[A-Za-z0-9._-]+") || !snapshotSetId.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("invalid hold '" + snapshotSetId + "@" + holder + "'");
    }
    return snapshotSetId + "@" + holder;
  }
}
