package io.liftshift.cloud.local;

import io.liftshift.cloud.ChangedRanges;
import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.VolumeSnapshot;
import io.liftshift.cloud.local.Manifest.Entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Snapshots on this machine: an incremental, deduplicating block store (docs/snapshots.md).
 *
 * <ul>
 *   <li>Chunks of 4 KiB are addressed by SHA-256 and stored once, appended to pack files.
 *   <li>A manifest per volume snapshot lists the chunks that differ from its parent (a zero chunk
 *       is an entry too, when the parent had data there), with a parent pointer.
 *   <li>A set file per point-in-time snapshot names its manifests; writing it (atomically, after
 *       the packs and manifests are fsynced) is the commit. Manifests no set names are the remains
 *       of a crash and are discarded on open.
 *   <li>Every file is versioned and CRC-32C checked on read; every chunk is checked against its
 *       hash when a volume is restored, so a damaged snapshot is never served as good.
 * </ul>
 */
public final class LocalSnapshots implements Snapshots {
  private static final Logger LOG = Logger.getLogger(LocalSnapshots.class.getName());
  private static final int ZERO_PACK = Manifest.ZERO_PACK;
  private static final long PACK_LIMIT_BYTES = 1L << 30;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Chunk size: the replicator's change granularity, so a 4 KiB write costs 4 KiB here. */
  public static final int CHUNK_BYTES = Manifest.CHUNK_BYTES;

  record Location(int pack, long offset, int length) {}

  private final Path dir;
  private final Path packs;
  private final Path manifests;
  private final Path sets;
  private final Map<String, PointInTimeSnapshot> committed = new HashMap<>();
  private final Map<String, Manifest> manifestById = new HashMap<>();
  private final Map<String, Location> byHash = new HashMap<>();
  private int currentPack;
  private final boolean readOnly;
  private final SnapshotHolds holds;
  private final Path launchVolumes;

  public LocalSnapshots(Path dir) throws IOException {
    this(dir, false, dir.resolve("volumes"));
  }

  private LocalSnapshots(Path dir, boolean readOnly, Path launchVolumes) throws IOException {
    this.readOnly = readOnly;
    this.launchVolumes = launchVolumes;
    this.dir = Files.createDirectories(dir);
    this.packs = Files.createDirectories(dir.resolve("packs"));
    this.manifests = Files.createDirectories(dir.resolve("manifests"));
    this.sets = Files.createDirectories(dir.resolve("sets"));
    this.holds = new SnapshotHolds(Files.createDirectories(dir.resolve("holds")));
    load();
  }

  /**
   * The committed snapshots of a store that another process (the replicator) owns, as they are now:
   * for a launch, which restores, makes volumes and holds sets, but never creates, deletes or
   * discards what looks unfinished (it may be the owner's snapshot in progress). Volumes made from
   * its snapshots go to {@code launchVolumes}.
   */
  public static LocalSnapshots readOnly(Path dir, Path launchVolumes) throws IOException {
    if (!Files.isDirectory(dir.resolve("sets"))) {
      throw new IOException("no snapshot store at " + dir);
    }
    return new LocalSnapshots(dir, true, launchVolumes);
  }

  public Path directory() {
    return dir;
  }

  // ---- loading ---------------------------------------------------------------------------------

  private void load() throws IOException {
    try (Stream<Path> s = Files.list(sets)) {
      for (Path p : s.filter(f -> f.toString().endsWith(".pit")).toList()) {
        try {
          PointInTimeSnapshot set = SnapshotFiles.readSet(p);
          for (VolumeSnapshot v : set.volumes()) {
            manifestById.put(
                v.snapshotId(), SnapshotFiles.readManifest(manifests.resolve(v.snapshotId())));
          }
          committed.put(set.snapshotSetId(), set);
        } catch (IOException e) {
          // Never served as good; kept on disk for inspection.
          LOG.warning("snapshot " + p.getFileName() + " is damaged and ignored: " + e.getMessage());
        }
      }
    }
    try (Stream<Path> s = Files.list(manifests)) {
      for (Path p : s.toList()) {
        String name = p.getFileName().toString();
        if (!manifestById.containsKey(name) && !readOnly) {
          LOG.info("discarding " + name + ": a snapshot that was never committed (a crash)");
          Files.deleteIfExists(p);
        }
      }
    }
    for (Manifest m : manifestById.values()) {
      for (Entry e : m.entries()) {
        if (e.pack() != ZERO_PACK) {
          byHash.put(
              HexFormat.of().formatHex(e.sha256()),
              new Location(e.pack(), e.packOffset(), e.length()));
        }
      }
    }
    try (Stream<Path> s = Files.list(packs)) {
      currentPack =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.matches("pack-\\d+\\.dat"))
              .mapToInt(n -> Integer.parseInt(n.substring(5, n.length() - 4)))
              .max()
              .orElse(0);
    }
  }

  // ---- create ----------------------------------------------------------------------------------

  @Override
  public synchronized PointInTimeSnapshot create(String sourceServerId, List<Source> volumes)
      throws IOException {
    requireWritable();
    String setId = "pit-" + hex(9).substring(0, 17);
    Instant takenAt = Instant.now();
    List<Manifest> made = new ArrayList<>();
    FileChannel pack = openPack();
    try {
      for (Source src : volumes) {
        made.add(snapshotVolume(setId, src, pack));
      }
      pack.force(true);
      // A pack created now must survive a power loss together with the set that names it.
      try (FileChannel d = FileChannel.open(packs, StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException e) {
        // not every filesystem syncs directories
      }
    } catch (IOException | RuntimeException e) {
      pack.close();
      throw e;
    }
    pack.close();
    List<VolumeSnapshot> vs = new ArrayList<>();
    for (Manifest m : made) {
      SnapshotFiles.writeAtomically(
          manifests.resolve(m.snapshotId()), SnapshotFiles.encodeManifest(m));
      vs.add(SnapshotFiles.toVolumeSnapshot(m));
    }
    PointInTimeSnapshot set = new PointInTimeSnapshot(setId, sourceServerId, takenAt, vs);
    crashHereIfAsked();
    // The commit point: without this file the manifests above are discarded on the next open.
    SnapshotFiles.writeAtomically(sets.resolve(setId + ".pit"), SnapshotFiles.encodeSet(set));
    for (Manifest m : made) {
      manifestById.put(m.snapshotId(), m);
    }
    committed.put(setId, set);
    return set;
  }

  private int creates;

  /**
   * Crash tests: {@code -Dliftshift.failpoint=snapshot-before-commit:N} halts the process (as a
   * kill -9 would) on the N-th snapshot, after its packs and manifests are written and before the
   * commit.
   */
  private void crashHereIfAsked() {
    String fp = System.getProperty("liftshift.failpoint", "");
    if (fp.startsWith("snapshot-before-commit:")
        && ++creates == Integer.parseInt(fp.substring(fp.indexOf(':') + 1))) {
      LOG.severe("failpoint snapshot-before-commit: halting");
      Runtime.getRuntime().halt(137);
    }
  }

  private FileChannel openPack() throws IOException {
    Path p = packs.resolve("pack-" + currentPack + ".dat");
    if (Files.exists(p) && Files.size(p) > PACK_LIMIT_BYTES) {
      currentPack++;
      p = packs.resolve("pack-" + currentPack + ".dat");
    }
    return FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  private Manifest snapshotVolume(String setId, Source src, FileChannel pack) throws IOException {
    String name = src.volume().name();
    long size = src.volume().sizeBytes();
    Optional<Manifest> parent = latestOf(name);
    ChangedRanges changed = src.changed();
    List<Entry> entries = new ArrayList<>();
    long changedBytes = 0;
    long storedBytes = 0;
    long chunks = (size + CHUNK_BYTES - 1) / CHUNK_BYTES;
    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
    byte[] chunk = new byte[CHUNK_BYTES];
    MessageDigest sha = sha256();
    try (FileChannel vol = FileChannel.open(src.volume().devicePath(), StandardOpenOption.READ)) {
      long c = 0;
      while (c < chunks) {
        if (!isChanged(changed, c)) {
          c++;
          continue;
        }
        // A run of changed chunks (at most 1 MiB) is read at once; unchanged ones are not read.
        long first = c;
        long end = c + 1;
        while (end < chunks && end - first < 256 && isChanged(changed, end)) {
          end++;
        }
        int len = (int) Math.min((end - first) * CHUNK_BYTES, size - first * CHUNK_BYTES);
        buf.clear().limit(len);
        while (buf.hasRemaining()) {
          if (vol.read(buf, first * CHUNK_BYTES + buf.position()) < 0) {
            throw new IOException(name + " is shorter than " + size + " bytes");
          }
        }
        for (long k = first; k < end; k++) {
          int off = (int) ((k - first) * CHUNK_BYTES);
          int n = Math.min(CHUNK_BYTES, len - off);
          buf.get(off, chunk, 0, n);
          // Looked up per changed chunk: the cost follows the change, not the volume.
          Entry before = parent.isPresent() ? lookup(parent.get(), k) : null;
          boolean zero = isZero(chunk, n);
          if (zero) {
            if (before != null && before.pack() != ZERO_PACK) {
              entries.add(new Entry(k, ZERO_PACK, 0, n, new byte[32]));
              changedBytes += n;
            }
            continue;
          }
          sha.update(chunk, 0, n);
          byte[] h = sha.digest();
          if (before != null && Arrays.equals(before.sha256(), h)) {
            continue; // unchanged after all (a write of the same bytes, or a restart's ALL)
          }
          changedBytes += n;
          String key = HexFormat.of().formatHex(h);
          Location loc = byHash.get(key);
          if (loc == null) {
            long at = pack.size();
            ByteBuffer w = ByteBuffer.wrap(chunk, 0, n);
            long pos = at;
            while (w.hasRemaining()) {
              pos += pack.write(w, pos);
            }
            loc = new Location(currentPack, at, n);
            byHash.put(key, loc);
            storedBytes += n;
          }
          entries.add(new Entry(k, loc.pack(), loc.offset(), n, h));
        }
        c = end;
      }
    }
    return new Manifest(
        "snap-" + hex(9).substring(0, 17),
        setId,
        name,
        size,
        parent.map(Manifest::snapshotId).orElse(""),
        changedBytes,
        storedBytes,
        entries);
  }

  private static boolean isChanged(ChangedRanges changed, long chunk) {
    long firstByte = chunk * CHUNK_BYTES;
    long lastByte = firstByte + CHUNK_BYTES - 1;
    for (long b = firstByte / changed.blockBytes(); b <= lastByte / changed.blockBytes(); b++) {
      if (changed.isChanged(b)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isZero(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** The newest committed snapshot of a volume. */
  private Optional<Manifest> latestOf(String volumeName) {
    return committed.values().stream()
        .sorted((a, b) -> b.takenAt().compareTo(a.takenAt()))
        .flatMap(s -> s.volumes().stream())
        .filter(v -> v.volumeName().equals(volumeName))
        .findFirst()
        .map(v -> manifestById.get(v.snapshotId()));
  }

  /** The entry that defines a chunk in a snapshot: its own, or its nearest ancestor's. */
  private Entry lookup(Manifest m, long chunk) throws IOException {
    int depth = 0;
    for (Manifest cur = m; cur != null; ) {
      List<Entry> es = cur.entries();
      int lo = 0;
      int hi = es.size() - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        long c = es.get(mid).chunk();
        if (c < chunk) {
          lo = mid + 1;
        } else if (c > chunk) {
          hi = mid - 1;
        } else {
          return es.get(mid);
        }
      }
      if (cur.parentId().isEmpty()) {
        return null;
      }
      Manifest next = manifestById.get(cur.parentId());
      if (next == null) {
        throw new IOException(
            "snapshot " + m.snapshotId() + " needs " + cur.parentId() + ", which is missing");
      }
      cur = next;
      if (++depth > 100_000) {
        throw new IOException("snapshot chain of " + m.snapshotId() + " loops");
      }
    }
    return null;
  }

  /** Every chunk of a snapshot, newest entry first along its chain. */
  private Map<Long, Entry> resolve(Manifest m) throws IOException {
    Map<Long, Entry> view = new HashMap<>();
    int depth = 0;
    for (Manifest cur = m; cur != null; ) {
      for (Entry e : cur.entries()) {
        view.putIfAbsent(e.chunk(), e);
      }
      if (cur.parentId().isEmpty()) {
        break;
      }
      Manifest next = manifestById.get(cur.parentId());
      if (next == null) {
        throw new IOException(
            "snapshot " + m.snapshotId() + " needs " + cur.parentId() + ", which is missing");
      }
      cur = next;
      if (++depth > 100_000) {
        throw new IOException("snapshot chain of " + m.snapshotId() + " loops");
      }
    }
    return view;
  }

  @Override
  public synchronized ChangedRanges differencesFromLatest(StagingVolume volume) throws IOException {
    Optional<Manifest> parent = latestOf(volume.name());
    if (parent.isEmpty()) {
      return ChangedRanges.ALL;
    }
    long size = volume.sizeBytes();
    long chunks = (size + CHUNK_BYTES - 1) / CHUNK_BYTES;
    java.util.BitSet differ = new java.util.BitSet();
    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
    byte[] chunk = new byte[CHUNK_BYTES];
    MessageDigest sha = sha256();
    try (FileChannel vol = FileChannel.open(volume.devicePath(), StandardOpenOption.READ)) {
      for (long first = 0; first < chunks; first += 256) {
        int len = (int) Math.min(256L * CHUNK_BYTES, size - first * CHUNK_BYTES);
        buf.clear().limit(len);
        while (buf.hasRemaining()) {
          if (vol.read(buf, first * CHUNK_BYTES + buf.position()) < 0) {
            throw new IOException(volume.name() + " is shorter than " + size + " bytes");
          }
        }
        for (int off = 0; off < len; off += CHUNK_BYTES) {
          long k = first + off / CHUNK_BYTES;
          int n = Math.min(CHUNK_BYTES, len - off);
          buf.get(off, chunk, 0, n);
          Entry before = lookup(parent.get(), k);
          boolean same;
          if (isZero(chunk, n)) {
            same = before == null || before.pack() == ZERO_PACK;
          } else {
            sha.update(chunk, 0, n);
            same = before != null && Arrays.equals(before.sha256(), sha.digest());
          }
          if (!same) {
            differ.set((int) k);
          }
        }
      }
    }
    return new ChangedRanges() {
      @Override
      public int blockBytes() {
        return CHUNK_BYTES;
      }

      @Override
      public boolean isChanged(long block) {
        return block < Integer.MAX_VALUE && differ.get((int) block);
      }
    };
  }

  // ---- queries ---------------------------------------------------------------------------------

  @Override
  public synchronized List<PointInTimeSnapshot> list(String sourceServerId) {
    return committed.values().stream()
        .filter(s -> s.sourceServerId().equals(sourceServerId))
        .sorted((a, b) -> a.takenAt().compareTo(b.takenAt()))
        .toList();
  }

  @Override
  public synchronized Optional<PointInTimeSnapshot> find(String snapshotSetId) {
    return Optional.ofNullable(committed.get(snapshotSetId));
  }

  /** How many snapshots a volume snapshot sits on (0 for a full one). */
  public synchronized int depth(String snapshotId) {
    int d = 0;
    for (Manifest m = manifestById.get(snapshotId);
        m != null && !m.parentId().isEmpty();
        m = manifestById.get(m.parentId())) {
      d++;
    }
    return d;
  }

  // ---- restore ---------------------------------------------------------------------------------

  @Override
  public void restore(VolumeSnapshot snapshot, Path target) throws IOException {
    Map<Long, Entry> view;
    synchronized (this) {
      Manifest m = manifestById.get(snapshot.snapshotId());
      if (m == null) {
        throw new IOException("no snapshot " + snapshot.snapshotId());
      }
      view = resolve(m);
    }
    new ChunkRestore(packs).restore(view, snapshot, target);
  }

  /** A sparse file under {@code <store>/volumes/}, restored and checked chunk by chunk. */
  @Override
  public StagingVolume createVolume(VolumeSnapshot snapshot, String name) throws IOException {
    if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
      throw new IllegalArgumentException("invalid volume name '" + name + "'");
    }
    Path volumesDir = Files.createDirectories(launchVolumes);
    Path target = volumesDir.resolve(name + ".img");
    Path tmp = volumesDir.resolve(name + ".img.creating");
    Files.deleteIfExists(tmp);
    restore(snapshot, tmp);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return new StagingVolume(
        target.getFileName().toString(), name, snapshot.sizeBytes(), target, true);
  }

  // ---- holds -----------------------------------------------------------------------------------

  /** A hold is a file {@code holds/<set>@<holder>}: visible to every process sharing the store. */
  @Override
  public void hold(String snapshotSetId, String holder) throws IOException {
    holds.hold(snapshotSetId, holder);
  }

  @Override
  public void release(String snapshotSetId, String holder) throws IOException {
    holds.release(snapshotSetId, holder);
  }

  @Override
  public Set<String> holders(String snapshotSetId) throws IOException {
    return holds.holders(snapshotSetId);
  }

  private void requireWritable() throws IOException {
    if (readOnly) {
      throw new IOException("this view of " + dir + " is read-only: its replicator owns it");
    }
  }

  // ---- delete ----------------------------------------------------------------------------------

  @Override
  public synchronized void delete(String snapshotSetId) throws IOException {
    requireWritable();
    PointInTimeSnapshot set = committed.get(snapshotSetId);
    if (set == null) {
      return;
    }
    for (VolumeSnapshot v : set.volumes()) {
      Manifest doomed = manifestById.get(v.snapshotId());
      for (Manifest child : List.copyOf(manifestById.values())) {
        if (child.parentId().equals(doomed.snapshotId())) {
          // The child inherits what it still needs, then no longer points at the doomed one.
          Map<Long, Entry> merged = new TreeMap<>();
          for (Entry e : doomed.entries()) {
            merged.put(e.chunk(), e);
          }
          for (Entry e : child.entries()) {
            merged.put(e.chunk(), e);
          }
          Manifest m =
              new Manifest(
                  child.snapshotId(),
                  child.setId(),
                  child.volumeName(),
                  child.sizeBytes(),
                  doomed.parentId(),
                  child.changedBytes(),
                  child.storedBytes(),
                  List.copyOf(merged.values()));
          if (doomed.parentId().isEmpty()) {
            // Without a parent, zero entries say nothing a missing entry does not.
            m =
                new Manifest(
                    m.snapshotId(),
                    m.setId(),
                    m.volumeName(),
                    m.sizeBytes(),
                    "",
                    m.changedBytes(),
                    m.storedBytes(),
                    m.entries().stream().filter(e -> e.pack() != ZERO_PACK).toList());
          }
          SnapshotFiles.writeAtomically(
              manifests.resolve(m.snapshotId()), SnapshotFiles.encodeManifest(m));
          manifestById.put(m.snapshotId(), m);
        }
      }
    }
    Files.deleteIfExists(sets.resolve(snapshotSetId + ".pit"));
    committed.remove(snapshotSetId);
    for (VolumeSnapshot v : set.volumes()) {
      Files.deleteIfExists(manifests.resolve(v.snapshotId()));
      manifestById.remove(v.snapshotId());
    }
    // Pack space of chunks no manifest names any more is reclaimed by compaction (not yet).
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
