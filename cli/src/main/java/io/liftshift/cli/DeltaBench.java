package io.liftshift.cli;

import io.liftshift.agent.Agent;
import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.ReplicationStatus;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.tracking.BlockRun;
import io.liftshift.replicator.AgentTokens;
import io.liftshift.replicator.Replicator;
import io.liftshift.replicator.ReplicatorOptions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Continuous replication against rsync, in one run on the same disk and change: 1 % of the 4 KiB
 * blocks changed at random offsets; the time from the end of the change until the staging volume is
 * identical again, and the bytes on the wire.
 */
@Command(
    name = "delta",
    mixinStandardHelpOptions = true,
    description = {
      "Replicating a change of 1 % of a disk's 4 KiB blocks at random offsets:",
      "(a) liftshift, scanning tracker; (b) liftshift, real-time tracefs tracker on a loop device,",
      "change made while replication runs; (c) rsync --inplace --no-whole-file -B 4096 -z lz4",
      "through an rsync daemon on 127.0.0.1. Then write-to-ack lag under a 5 MB/s writer."
    })
final class DeltaBench implements java.util.concurrent.Callable<Integer> {
  private static final int BLOCK = 4096;

  @Option(
      names = "--work-dir",
      description = "Where images go (default: $LIFTSHIFT_HOME/bench-delta).")
  Path workDir;

  @Option(
      names = "--size-mib",
      defaultValue = "2048",
      description = "Disk size in MiB (default: ${DEFAULT-VALUE}).")
  long sizeMib;

  @Option(
      names = "--changed-percent",
      defaultValue = "1",
      description = "Share of 4 KiB blocks changed (default: ${DEFAULT-VALUE}).")
  double changedPercent;

  @Option(
      names = "--cache",
      defaultValue = "cold",
      description =
          "Page cache before each measurement: cold (dropped, needs root) or warm (default: ${DEFAULT-VALUE}).")
  String cache;

  @Option(
      names = "--lag-seconds",
      defaultValue = "10",
      description = "Duration of the 5 MB/s lag run (default: ${DEFAULT-VALUE}).")
  int lagSeconds;

  private Path work;
  private final String token = "bench-delta-token";

  @Override
  public Integer call() throws Exception {
    SystemTools.require("rsync", "rsync");
    work = (workDir != null ? workDir : Home.dir().resolve("bench-delta")).toAbsolutePath();
    Files.createDirectories(work);
    long size = sizeMib << 20;
    long blocks = size / BLOCK;
    int changed = (int) Math.round(blocks * changedPercent / 100);
    Path source = work.resolve("source.img");
    if (!Files.exists(source) || Files.size(source) != size) {
      System.out.println("making " + Sizes.bytes(size) + " of random data: " + source);
      SampleDisk.random(source, size);
    }
    System.out.printf(
        Locale.ROOT,
        "disk %s, change %d blocks of 4 KiB (%s) at random offsets; %s cache%n",
        Sizes.bytes(size),
        changed,
        Sizes.bytes((long) changed * BLOCK),
        cache);

    // (a) scanning tracker on the image file.
    Result a;
    Path rsyncDest = work.resolve("rsync-dest/dest.img");
    try (Replicator r = replicator("a")) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      Agent agent =
          startAgent(
              r,
              source,
              "bench-delta-a",
              AgentOptions.TrackerMode.SCANNING,
              work.resolve("state-a"),
              done);
      awaitClean(agent, done, 1800);
      // rsync's destination starts from the same content the staging volume has.
      Files.createDirectories(rsyncDest.getParent());
      Files.copy(source, rsyncDest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      // An old mtime, so that rsync's quick check cannot skip the file.
      Files.setLastModifiedTime(rsyncDest, java.nio.file.attribute.FileTime.fromMillis(0));
      long[] change = change(source, changed, System.nanoTime());
      long compressed = compressedSize(source, change);
      long wire0 = r.stats().frameBytesReceived();
      cacheState(source);
      long t0 = System.nanoTime();
      agent.tracking().requestScan();
      while (agent.tracking().lastScanRoundStartNanos() < t0 || !clean(agent)) {
        failIfDone(done);
        Thread.sleep(5);
      }
      double s = (System.nanoTime() - t0) / 1e9;
      a = new Result(s, r.stats().frameBytesReceived() - wire0, compressed);
      agent.stop();
      done.get(60, TimeUnit.SECONDS);
      checkIdentical(source, staged(r, "bench-delta-a", source));
    }

    // (c) rsync of the same change.
    cacheState(source);
    Result c = rsync(source, rsyncDest, a.compressedChangedBytes);

    // (b) real-time tracker on a loop device over the same image.
    Result b = null;
    double[] lag = null;
    if (!SystemTools.isRoot()) {
      System.out.println("(b) skipped: the real-time tracker needs root (loop devices, tracefs)");
    } else {
      Path loop =
          Path.of(
              SystemTools.run(List.of("losetup", "-f", "--show", source.toString()), 30).trim());
      try (Replicator r = replicator("b")) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Agent agent =
            startAgent(
                r,
                loop,
                "bench-delta-b",
                AgentOptions.TrackerMode.TRACEFS,
                work.resolve("state-b"),
                done);
        awaitClean(agent, done, 1800);
        cacheState(source);
        long wire0 = r.stats().frameBytesReceived();
        long marked0 = agent.tracking().changes(0).markedBlocksTotal();
        long[] change = change(loop, changed, System.nanoTime());
        long t0 = System.nanoTime();
        // Done when every changed block has been reported and nothing is pending.
        while (agent.tracking().changes(0).markedBlocksTotal() - marked0 < changed
            || !clean(agent)) {
          failIfDone(done);
          Thread.sleep(1);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        b = new Result(s, r.stats().frameBytesReceived() - wire0, compressedSize(loop, change));
        checkIdentical(loop, staged(r, "bench-delta-b", loop));
        lag = lagRun(agent, loop, done);
        agent.stop();
        done.get(60, TimeUnit.SECONDS);
        checkIdentical(loop, staged(r, "bench-delta-b", loop));
      } finally {
        SystemTools.run(List.of("losetup", "-d", loop.toString()), 30);
        removeTraceInstances();
      }
    }

    System.out.println();
    print("(a) liftshift, scanning tracker", a, c);
    if (b != null) {
      print("(b) liftshift, real-time tracker (loop device)", b, c);
    }
    System.out.printf(
        Locale.ROOT,
        "(c) rsync --inplace --no-whole-file -B 4096 -z lz4 (daemon):  %.2f s, %s on the wire%n",
        c.seconds,
        Sizes.bytes(c.wireBytes));
    System.out.printf(
        Locale.ROOT,
        "targets: (a) >= 1.5x faster than (c): %s; (b) >= 10x faster than (c): %s; wire <= 1.2x"
            + " compressed change: %s%n",
        c.seconds / a.seconds >= 1.5 ? "met" : "MISSED",
        b == null ? "not measured" : c.seconds / b.seconds >= 10 ? "met" : "MISSED",
        a.wireBytes <= 1.2 * a.compressedChangedBytes
                && (b == null || b.wireBytes <= 1.2 * b.compressedChangedBytes)
            ? "met"
            : "MISSED");
    if (lag != null) {
      System.out.printf(
          Locale.ROOT,
          "lag under a 5 MB/s writer (real-time tracker, %d writes): median %.0f ms, p99 %.0f ms;"
              + " target < 1 s: %s%n",
          (long) lag[2],
          lag[0],
          lag[1],
          lag[1] < 1000 ? "met" : "MISSED");
    }
    return 0;
  }

  private record Result(double seconds, long wireBytes, long compressedChangedBytes) {}

  private static void print(String what, Result r, Result rsync) {
    System.out.printf(
        Locale.ROOT,
        "%s:  %.2f s (%.1fx faster than rsync), %s on the wire = %.2fx the LZ4-compressed change"
            + " (%s)%n",
        what,
        r.seconds,
        rsync.seconds / r.seconds,
        Sizes.bytes(r.wireBytes),
        (double) r.wireBytes / r.compressedChangedBytes,
        Sizes.bytes(r.compressedChangedBytes));
  }

  private Replicator replicator(String name) throws Exception {
    Path data = work.resolve("replicator-" + name);
    SampleDisk.deleteTree(data);
    return Replicator.start(
        new ReplicatorOptions()
            .host("127.0.0.1")
            .port(0)
            .dataDir(data)
            .caDir(work.resolve("ca"))
            // Replication alone: snapshot holds are measured by 'bench snapshots'.
            .pointInTimePolicy(null)
            .agentTokens(AgentTokens.of(token)));
  }

  private Agent startAgent(
      Replicator r,
      Path disk,
      String id,
      AgentOptions.TrackerMode tracker,
      Path state,
      CompletableFuture<Void> done)
      throws IOException {
    SampleDisk.deleteTree(state);
    Agent agent =
        new Agent(
            new AgentOptions()
                .replicator("127.0.0.1", r.port())
                .token(token)
                .caFingerprint(r.caFingerprint())
                .sourceServerId(id)
                .addDisk(disk)
                .stateDir(state)
                .continuous(true)
                .tracker(tracker)
                .scanReadBudgetMBps(0)
                .scanPassIntervalMillis(3_600_000)
                .verifyPassIntervalSeconds(0)
                .verify(false),
            new SyncListener() {
              @Override
              public void onStatus(ReplicationStatus s) {}
            });
    Thread t =
        new Thread(
            () -> {
              try {
                agent.run();
                done.complete(null);
              } catch (Throwable e) {
                done.completeExceptionally(e);
              }
            },
            "bench-agent");
    t.setDaemon(true);
    t.start();
    return agent;
  }

  private static boolean clean(Agent agent) {
    var t = agent.tracking();
    return t != null && t.changes(0).initialSyncComplete() && t.changes(0).pendingBlocks() == 0;
  }

  private static void awaitClean(Agent agent, CompletableFuture<Void> done, int seconds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!clean(agent)) {
      failIfDone(done);
      if (System.nanoTime() > deadline) {
        throw new IOException("initial sync did not finish in " + seconds + " s");
      }
      Thread.sleep(50);
    }
    Thread.sleep(200);
  }

  private static void failIfDone(CompletableFuture<Void> done) throws Exception {
    if (done.isDone()) {
      done.get();
      throw new IOException("the agent stopped");
    }
  }

  /** Writes {@code count} random blocks at distinct random offsets, then fsyncs. */
  private static long[] change(Path disk, int count, long seed) throws IOException {
    long blocks = sizeOf(disk) / BLOCK;
    SplittableRandom r = new SplittableRandom(seed);
    Set<Long> chosen = new LinkedHashSet<>();
    while (chosen.size() < count) {
      chosen.add(r.nextLong(blocks));
    }
    byte[] data = new byte[BLOCK];
    try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
      for (long b : chosen) {
        r.nextBytes(data);
        f.seek(b * BLOCK);
        f.write(data);
      }
      f.getFD().sync();
    }
    return chosen.stream().mapToLong(Long::longValue).toArray();
  }

  private static long sizeOf(Path disk) throws IOException {
    try (var ch = java.nio.channels.FileChannel.open(disk)) {
      return ch.size();
    }
  }

  /** What the changed blocks take after LZ4 (the wire target's baseline). */
  private static long compressedSize(Path disk, long[] changedBlocks) throws IOException {
    LZ4Compressor lz4 = LZ4Factory.fastestInstance().fastCompressor();
    byte[] data = new byte[BLOCK];
    byte[] out = new byte[lz4.maxCompressedLength(BLOCK)];
    long total = 0;
    try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
      for (long b : changedBlocks) {
        f.seek(b * BLOCK);
        f.readFully(data);
        total += Math.min(BLOCK, lz4.compress(data, 0, BLOCK, out, 0));
      }
    }
    return total;
  }

  private void cacheState(Path img) throws IOException {
    if (cache.equals("cold") && SystemTools.isRoot()) {
      SystemTools.run(List.of("sync"), 300);
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n");
    } else {
      try (var in = Files.newInputStream(img)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
    }
  }

  private Result rsync(Path source, Path dest, long compressed) throws Exception {
    int port = InitialSyncBench.freePort();
    Path conf = work.resolve("rsyncd-delta.conf");
    Files.writeString(
        conf,
        "use chroot = no\nuid = root\ngid = root\npid file = "
            + work.resolve("rsyncd-delta.pid")
            + "\n[bench]\npath = "
            + dest.getParent()
            + "\nread only = false\n");
    Process daemon =
        new ProcessBuilder(
                "rsync",
                "--daemon",
                "--no-detach",
                "--config=" + conf,
                "--port=" + port,
                "--address=127.0.0.1")
            .redirectErrorStream(true)
            .start();
    try {
      InitialSyncBench.waitForPort(port);
      long t0 = System.nanoTime();
      String out =
          SystemTools.run(
              List.of(
                  "rsync",
                  "--inplace",
                  "--no-whole-file",
                  "-B",
                  "4096",
                  "-z",
                  "--compress-choice=lz4",
                  "--stats",
                  source.toString(),
                  "rsync://127.0.0.1:" + port + "/bench/" + dest.getFileName()),
              1800);
      SystemTools.run(List.of("sync"), 300);
      double s = (System.nanoTime() - t0) / 1e9;
      checkIdentical(source, dest);
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("Total bytes sent: ([\\d,.]+)").matcher(out);
      long sent = m.find() ? Long.parseLong(m.group(1).replaceAll("[,.]", "")) : -1;
      return new Result(s, sent, compressed);
    } finally {
      daemon.destroy();
      daemon.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Path staged(Replicator r, String id, Path disk) throws IOException {
    return r.volumes().list().stream()
        .filter(v -> v.name().startsWith(id))
        .findFirst()
        .orElseThrow(() -> new IOException("no staging volume for " + id))
        .devicePath();
  }

  private static void checkIdentical(Path a, Path b) throws Exception {
    if (!QuickstartCommand.sha256(a).equals(QuickstartCommand.sha256(b))) {
      throw new IOException(b + " is not identical to " + a + ": the measurement is void");
    }
  }

  /**
   * A writer changes 5 MB/s of random 4 KiB blocks; each write's lag is the time until a batch that
   * read the block after the write is durable. Returns {median ms, p99 ms, writes}.
   */
  private double[] lagRun(Agent agent, Path loop, CompletableFuture<Void> done) throws Exception {
    Map<Long, Long> written = new ConcurrentHashMap<>();
    List<Double> lags = Collections.synchronizedList(new ArrayList<>());
    int blockBytes = agent.tracking().changes(0).blockBytes();
    agent.onDurable(
        (disk, batch, ackNanos) -> {
          for (BlockRun run : batch.runs()) {
            for (long blk = run.firstBlock(); blk < run.endBlock(); blk++) {
              Long at = written.get(blk);
              if (at != null && at < batch.takeNanos() && written.remove(blk, at)) {
                lags.add((ackNanos - at) / 1e6);
              }
            }
          }
        });
    long blocks = sizeOf(loop) / blockBytes;
    SplittableRandom r = new SplittableRandom(System.nanoTime());
    byte[] data = new byte[BLOCK];
    int perSecond = 5_000_000 / BLOCK;
    long start = System.nanoTime();
    long n = 0;
    try (RandomAccessFile f = new RandomAccessFile(loop.toFile(), "rw")) {
      while (System.nanoTime() - start < lagSeconds * 1_000_000_000L) {
        long due = start + n * 1_000_000_000L / perSecond;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        long blk = r.nextLong(blocks);
        r.nextBytes(data);
        f.seek(blk * BLOCK);
        f.write(data);
        if (n % 32 == 31) {
          f.getFD().sync(); // a database-like writer: small fsynced groups
        }
        written.putIfAbsent(blk, System.nanoTime());
        n++;
      }
      f.getFD().sync();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!written.isEmpty() && System.nanoTime() < deadline) {
      failIfDone(done);
      Thread.sleep(10);
    }
    agent.onDurable(io.liftshift.agent.DurabilityListener.NONE);
    List<Double> sorted = new ArrayList<>(lags);
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      return new double[] {Double.NaN, Double.NaN, 0};
    }
    return new double[] {
      sorted.get(sorted.size() / 2),
      sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)),
      sorted.size()
    };
  }

  private static void removeTraceInstances() {
    Path instances = Path.of("/sys/kernel/tracing/instances");
    try (var list = Files.list(instances)) {
      for (Path i :
          list.filter(p -> p.getFileName().toString().startsWith("liftshift-bench-delta"))
              .toList()) {
        Files.writeString(i.resolve("tracing_on"), "0\n");
        Files.writeString(i.resolve("events/enable"), "0\n");
        Files.delete(i);
      }
    } catch (IOException e) {
      // nothing to clean
    }
  }
}
