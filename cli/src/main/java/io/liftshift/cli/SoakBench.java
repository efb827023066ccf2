package io.liftshift.cli;

import io.liftshift.agent.Agent;
import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import io.liftshift.agent.tracking.BlockRun;
import io.liftshift.cloud.VolumeNames;
import io.liftshift.protocol.VolumeDigest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code liftshift bench soak}: continuous replication for minutes under a steady writer, with the
 * connection reset every minute, against the replicator in its own JVM: whether its resident memory
 * and descriptors stay flat, and the write-to-durable lag minute by minute.
 */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    description = {
      "Continuous replication of one disk for --minutes under a steady writer of random 4 KiB",
      "blocks (fsynced in groups of 32), the agent's connection reset every --reset-seconds by a",
      "relay. The replicator runs as its own JVM with the launcher's heap. Per minute: writes,",
      "write-to-durable lag p50/p99/max, the replicator's RSS and descriptors (from /proc) and",
      "direct memory (native memory tracking), the agent JVM's RSS. The replica is checked",
      "identical at the end. Real-time tracefs tracker on a loop device as root, else scanning."
    })
final class SoakBench implements Callable<Integer> {
  private static final int BLOCK = 4096;

  @Option(
      names = "--minutes",
      defaultValue = "10",
      description = "Duration (default: ${DEFAULT-VALUE}).")
  int minutes;

  @Option(
      names = "--disk-mib",
      defaultValue = "512",
      description = "Disk size (default: ${DEFAULT-VALUE}).")
  long diskMib;

  @Option(
      names = "--write-mbps",
      defaultValue = "2",
      description = "Writer rate in MB/s (default: ${DEFAULT-VALUE}).")
  double writeMbps;

  @Option(
      names = "--reset-seconds",
      defaultValue = "60",
      description = "Connection reset period (default: ${DEFAULT-VALUE}).")
  int resetSeconds;

  @Option(
      names = "--replicator-heap-mib",
      defaultValue = "256",
      description = "The replicator's -Xmx, as its launcher sets it (default: ${DEFAULT-VALUE}).")
  int heapMib;

  @Option(names = "--work-dir", description = "Images (default: $LIFTSHIFT_HOME/bench-soak).")
  Path workDir;

  private final String token = "bench-soak-" + System.nanoTime();
  private final Map<Long, Long> written = new ConcurrentHashMap<>();
  private final List<Double> minuteLags = Collections.synchronizedList(new ArrayList<>());
  private final List<Double> allLags = Collections.synchronizedList(new ArrayList<>());

  @Override
  public Integer call() throws Exception {
    Path work = (workDir != null ? workDir : Home.dir().resolve("bench-soak")).toAbsolutePath();
    Files.createDirectories(work);
    Path image = work.resolve("soak-" + diskMib + "m.img");
    long size = diskMib << 20;
    if (!Files.exists(image) || Files.size(image) != size) {
      SampleDisk.random(image, size);
    }
    boolean root = SystemTools.isRoot();
    Path disk =
        root
            ? Path.of(
                SystemTools.run(List.of("losetup", "-f", "--show", image.toString()), 30).trim())
            : image;
    AgentOptions.TrackerMode tracker =
        root ? AgentOptions.TrackerMode.TRACEFS : AgentOptions.TrackerMode.SCANNING;
    System.out.printf(
        Locale.ROOT,
        "liftshift bench soak: %d min, disk %s (%s tracker), writer %.1f MB/s, reset every %d s,"
            + " %d core(s)%n",
        minutes,
        Sizes.bytes(size),
        tracker,
        writeMbps,
        resetSeconds,
        Runtime.getRuntime().availableProcessors());
    try (BenchReplicator r =
            BenchReplicator.start(
                work.resolve("replicator"),
                work.resolve("ca"),
                token,
                heapMib,
                List.of("-XX:NativeMemoryTracking=summary"));
        ResettingRelay relay = new ResettingRelay(r.port)) {
      r.resetStaging(true);
      SampleDisk.deleteTree(work.resolve("state"));
      Agent agent =
          new Agent(
              new AgentOptions()
                  .replicator("127.0.0.1", relay.port())
                  .token(token)
                  .caFingerprint(r.ca)
                  .sourceServerId("bench-soak")
                  .addDisk(disk)
                  .stateDir(work.resolve("state"))
                  .continuous(true)
                  .tracker(tracker)
                  .scanReadBudgetMBps(0)
                  .scanPassIntervalMillis(1000)
                  .verifyPassIntervalSeconds(0)
                  .verify(false)
                  .initialBackoffMillis(200)
                  .maxBackoffMillis(2000)
                  .reconnectTimeoutSeconds(300),
              SyncListener.NONE);
      CompletableFuture<SyncReport> run = CompletableFuture.supplyAsync(() -> runAgent(agent));
      long t0 = System.nanoTime();
      while (agent.tracking() == null
          || !agent.tracking().changes(0).initialSyncComplete()
          || agent.tracking().changes(0).pendingBlocks() > 0) {
        failIfDone(run);
        Thread.sleep(50);
      }
      System.out.printf(
          Locale.ROOT, "initial sync done in %.1f s; soaking%n", (System.nanoTime() - t0) / 1e9);
      agent.onDurable(this::durable);
      soak(agent, disk, r, relay, run);
      agent.onDurable(io.liftshift.agent.DurabilityListener.NONE);
      agent.stop();
      SyncReport rep = run.get(120, TimeUnit.SECONDS);
      Path staged =
          r.dataDir
              .resolve("volumes")
              .resolve(VolumeNames.forDisk("bench-soak", disk.toRealPath().toString()) + ".img");
      boolean same = digest(disk, size).equals(digest(staged, size));
      System.out.printf(
          Locale.ROOT,
          "end: %d relay connections, agent reconnects %d, replica %s%n",
          relay.connections.get(),
          rep.reconnects(),
          same ? "identical (Merkle root)" : "DIFFERENT");
      return same ? 0 : 1;
    } finally {
      if (root) {
        SystemTools.run(List.of("losetup", "-d", disk.toString()), 30);
      }
    }
  }

  private static SyncReport runAgent(Agent agent) {
    try {
      return agent.run();
    } catch (Exception e) {
      throw new java.util.concurrent.CompletionException(e);
    }
  }

  private void durable(
      String diskKey, io.liftshift.agent.tracking.ChangeMap.Batch batch, long ackNanos) {
    for (BlockRun run : batch.runs()) {
      for (long blk = run.firstBlock(); blk < run.endBlock(); blk++) {
        Long at = written.get(blk);
        if (at != null && at < batch.takeNanos() && written.remove(blk, at)) {
          double ms = (ackNanos - at) / 1e6;
          minuteLags.add(ms);
          allLags.add(ms);
        }
      }
    }
  }

  private void soak(
      Agent agent, Path disk, BenchReplicator r, ResettingRelay relay, CompletableFuture<?> run)
      throws Exception {
    ProcessMemory mem = new ProcessMemory(r.process.pid());
    ProcessMemory self = new ProcessMemory(ProcessHandle.current().pid());
    long blocks = Files.size(disk) > 0 ? Files.size(disk) / BLOCK : diskMib * 256;
    try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ)) {
      blocks = ch.size() / BLOCK;
    }
    SplittableRandom rnd = new SplittableRandom(42);
    byte[] data = new byte[BLOCK];
    long perSecond = Math.max(1, (long) (writeMbps * 1e6 / BLOCK));
    long start = System.nanoTime();
    long nextReset = start + TimeUnit.SECONDS.toNanos(resetSeconds);
    long nextMinute = start + TimeUnit.MINUTES.toNanos(1);
    long end = start + TimeUnit.MINUTES.toNanos(minutes);
    long n = 0;
    long minuteWrites = 0;
    int minute = 0;
    System.out.println(
        "minute | writes | lag p50 ms | lag p99 ms | lag max ms | replicator RSS | fds | direct   |"
            + " agent JVM RSS");
    try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
      while (System.nanoTime() < end) {
        failIfDone(run);
        long due = start + n * 1_000_000_000L / perSecond;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        long blk = rnd.nextLong(blocks);
        rnd.nextBytes(data);
        // Stamped before the write: stamped after, a batch that took the block in between would
        // look older than the write, and the write would wait for the block's next change.
        written.putIfAbsent(blk, System.nanoTime());
        f.seek(blk * BLOCK);
        f.write(data);
        if (n % 32 == 31) {
          f.getFD().sync();
        }
        n++;
        minuteWrites++;
        long now = System.nanoTime();
        if (now >= nextReset) {
          relay.resetAll();
          nextReset += TimeUnit.SECONDS.toNanos(resetSeconds);
        }
        if (now >= nextMinute) {
          minute++;
          row(minute, minuteWrites, mem, self);
          minuteWrites = 0;
          nextMinute += TimeUnit.MINUTES.toNanos(1);
        }
      }
      f.getFD().sync();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!written.isEmpty() && System.nanoTime() < deadline) {
      failIfDone(run);
      Thread.sleep(20);
    }
    List<Double> all = sorted(allLags);
    System.out.printf(
        Locale.ROOT,
        "whole run: %d writes, lag p50 %.0f ms, p99 %.0f ms, max %.0f ms; %d writes never seen"
            + " durable%n",
        n,
        pct(all, 0.5),
        pct(all, 0.99),
        all.isEmpty() ? Double.NaN : all.get(all.size() - 1),
        written.size());
    System.out.printf(
        Locale.ROOT,
        "replicator peak RSS (VmHWM, -Xmx%dm): %s%n",
        heapMib,
        Sizes.bytes(mem.peakRssBytes()));
  }

  private void row(int minute, long writes, ProcessMemory mem, ProcessMemory self)
      throws IOException {
    List<Double> lags;
    synchronized (minuteLags) {
      lags = sorted(minuteLags);
      minuteLags.clear();
    }
    long directBytes = mem.directBytes();
    System.out.printf(
        Locale.ROOT,
        "%6d | %6d | %10.0f | %10.0f | %10.0f | %-14s | %3d | %-8s | %s%n",
        minute,
        writes,
        pct(lags, 0.5),
        pct(lags, 0.99),
        lags.isEmpty() ? Double.NaN : lags.get(lags.size() - 1),
        Sizes.bytes(mem.rssBytes()),
        mem.openFiles(),
        directBytes < 0 ? "n/a" : Sizes.bytes(directBytes),
        Sizes.bytes(self.rssBytes()));
  }

  private static List<Double> sorted(List<Double> l) {
    Double[] a;
    synchronized (l) {
      a = l.toArray(new Double[0]);
    }
    Arrays.sort(a);
    return Arrays.asList(a);
  }

  private static double pct(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * p) - 1));
  }

  private static void failIfDone(CompletableFuture<?> run) throws Exception {
    if (run.isDone()) {
      run.get();
      throw new IOException("the agent stopped during the soak");
    }
  }

  private static String digest(Path p, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      return java.util.HexFormat.of().formatHex(VolumeDigest.compute(ch, size, 1 << 20, 2).root());
    }
  }
}
