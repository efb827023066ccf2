package io.liftshift.cli;

import io.liftshift.agent.Agent;
import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code liftshift bench flood}: the replicator in its own JVM, as its launcher starts it, serving
 * its full load of disks twice, first alone and then while port 1500 is flooded; what it costs
 * (resident memory and descriptors from /proc, direct memory from native memory tracking) and what
 * the agents and a new agent's handshake see.
 */
@Command(
    name = "flood",
    mixinStandardHelpOptions = true,
    description = {
      "The replicator as its own JVM (the launcher's -Xmx256m -XX:+UseSerialGC, plus native memory",
      "tracking) syncs N disks from several agents, (a) alone, then (b) while 127.0.0.1 keeps",
      "opening half TLS handshakes and TLS connections that never say HELLO. Per phase: wall time,",
      "the agents' MB/s and reconnects, the replicator's peak RSS, descriptors and direct memory,",
      "and how long a new TLS handshake takes during the flood. Every disk is verified (Merkle)."
    })
final class FloodBench implements Callable<Integer> {
  @Option(
      names = "--disks",
      defaultValue = "15",
      description = "Disks in all, the replicator's limit (default: ${DEFAULT-VALUE}).")
  int disks;

  @Option(
      names = "--agents",
      defaultValue = "5",
      description = "Agents sharing them (default: ${DEFAULT-VALUE}).")
  int agents;

  @Option(
      names = "--disk-mib",
      defaultValue = "128",
      description = "Size of each disk (default: ${DEFAULT-VALUE}).")
  long diskMib;

  @Option(
      names = "--connections",
      defaultValue = "200",
      description = "Connections of each flood kind per wave (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(
      names = "--replicator-heap-mib",
      defaultValue = "256",
      description = "The replicator's -Xmx, as its launcher sets it (default: ${DEFAULT-VALUE}).")
  int heapMib;

  @Option(names = "--work-dir", description = "Images (default: $LIFTSHIFT_HOME/bench-flood).")
  Path workDir;

  private final String token = "bench-flood-" + System.nanoTime();

  /** One phase's figures. */
  private record Phase(
      String name,
      double seconds,
      double mbPerSecond,
      int reconnects,
      long peakRss,
      long peakFds,
      long peakDirect,
      List<Double> handshakes,
      int floodHeld,
      int floodRefused) {}

  @Override
  public Integer call() throws Exception {
    Path work = (workDir != null ? workDir : Home.dir().resolve("bench-flood")).toAbsolutePath();
    Files.createDirectories(work);
    List<Path> images = new ArrayList<>();
    for (int i = 0; i < disks; i++) {
      Path p = work.resolve("disk-" + i + ".img");
      if (!Files.exists(p) || Files.size(p) != diskMib << 20) {
        SampleDisk.random(p, diskMib << 20);
      }
      images.add(p);
    }
    System.out.printf(
        Locale.ROOT,
        "liftshift bench flood: %d disks of %s from %d agents, floods of %d + %d connections,"
            + " %d core(s)%n",
        disks,
        Sizes.bytes(diskMib << 20),
        agents,
        connections,
        connections,
        Runtime.getRuntime().availableProcessors());
    try (BenchReplicator r =
        BenchReplicator.start(
            work.resolve("replicator"),
            work.resolve("ca"),
            token,
            heapMib,
            List.of("-XX:NativeMemoryTracking=summary"))) {
      ProcessMemory mem = new ProcessMemory(r.process.pid());
      Thread.sleep(1000);
      System.out.printf(
          Locale.ROOT,
          "replicator idle: RSS %s, %d descriptors, direct %s%n",
          Sizes.bytes(mem.rssBytes()),
          mem.openFiles(),
          direct(mem.directBytes()));
      List<Phase> phases = new ArrayList<>();
      phases.add(round("(a) sync alone", r, mem, images, false));
      phases.add(round("(b) sync under flood", r, mem, images, true));
      print(phases, mem.peakRssBytes());
    }
    return 0;
  }

  private Phase round(
      String name, BenchReplicator r, ProcessMemory mem, List<Path> images, boolean flood)
      throws Exception {
    r.resetStaging(true);
    ExecutorService pool = Executors.newFixedThreadPool(agents);
    long t0 = System.nanoTime();
    List<Future<SyncReport>> runs = new ArrayList<>();
    for (int a = 0; a < agents; a++) {
      List<Path> mine = new ArrayList<>();
      for (int i = a; i < images.size(); i += agents) {
        mine.add(images.get(i));
      }
      String id = "bench-flood-" + a;
      runs.add(
          pool.submit(
              () -> {
                AgentOptions o =
                    new AgentOptions()
                        .replicator("127.0.0.1", r.port)
                        .token(token)
                        .caFingerprint(r.ca)
                        .sourceServerId(id)
                        .reconnectTimeoutSeconds(120);
                mine.forEach(o::addDisk);
                return new Agent(o, SyncListener.NONE).run();
              }));
    }
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger held = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<Double> handshakes = Collections.synchronizedList(new ArrayList<>());
    AtomicLong peakDirect = new AtomicLong(-1);
    List<Thread> helpers = new ArrayList<>();
    if (flood) {
      // The agents connect first: a flood from their own address would refuse their HELLO too.
      Thread.sleep(2000);
      helpers.add(daemon(() -> floodWaves(r, running, held, refused), "flood-waves"));
      helpers.add(
          daemon(
              () -> {
                while (running.get()) {
                  handshakes.add(PortFlood.handshakeMillis(r.port, r.ca));
                  sleep(500);
                }
              },
              "handshake-probe"));
    }
    // Native memory tracking is read by jcmd, itself a JVM: every 2 s rather than every sample.
    helpers.add(
        daemon(
            () -> {
              while (running.get()) {
                peakDirect.accumulateAndGet(mem.directBytes(), Math::max);
                sleep(2000);
              }
            },
            "direct-probe"));
    long peakRss = 0;
    long peakFds = 0;
    while (runs.stream().anyMatch(f -> !f.isDone())) {
      peakRss = Math.max(peakRss, mem.rssBytes());
      peakFds = Math.max(peakFds, mem.openFiles());
      Thread.sleep(100);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    running.set(false);
    for (Thread t : helpers) {
      t.join();
    }
    pool.shutdown();
    long bytes = 0;
    int reconnects = 0;
    for (Future<SyncReport> f : runs) {
      SyncReport rep = f.get();
      if (!rep.verified()) {
        throw new IOException(name + ": a disk did not verify; the figures are void");
      }
      bytes += rep.totalBytes();
      reconnects += rep.reconnects();
    }
    return new Phase(
        name,
        seconds,
        bytes / 1e6 / seconds,
        reconnects,
        peakRss,
        peakFds,
        peakDirect.get(),
        new ArrayList<>(handshakes),
        held.get(),
        refused.get());
  }

  /** Waves of both kinds, each held 2 s and then dropped, until the round ends. */
  private void floodWaves(
      BenchReplicator r, AtomicBoolean running, AtomicInteger held, AtomicInteger refused) {
    while (running.get()) {
      try (PortFlood half =
              PortFlood.open(PortFlood.Kind.HALF_TLS_HANDSHAKE, connections, r.port, r.ca);
          PortFlood silent =
              PortFlood.open(PortFlood.Kind.TLS_THEN_SILENCE, connections, r.port, r.ca)) {
        held.addAndGet(half.held() + silent.held());
        refused.addAndGet(half.refused() + silent.refused());
        sleep(2000);
      }
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String direct(long bytes) {
    return bytes < 0 ? "n/a (no jcmd or native memory tracking)" : Sizes.bytes(bytes);
  }

  private void print(List<Phase> phases, long hwm) {
    System.out.println();
    System.out.println(
        "phase                  | wall s | agents MB/s | reconnects | peak RSS   | peak fds |"
            + " peak direct | new handshake ms (p50 / max / failed) | flood held / refused");
    for (Phase p : phases) {
      String hs = "-";
      if (!p.handshakes().isEmpty()) {
        List<Double> ok = new ArrayList<>(p.handshakes().stream().filter(d -> d >= 0).toList());
        Collections.sort(ok);
        long failed = p.handshakes().size() - ok.size();
        hs =
            ok.isEmpty()
                ? "all " + failed + " failed"
                : String.format(
                    Locale.ROOT,
                    "%.0f / %.0f / %d of %d",
                    ok.get(ok.size() / 2),
                    ok.get(ok.size() - 1),
                    failed,
                    p.handshakes().size());
      }
      System.out.printf(
          Locale.ROOT,
          "%-22s | %6.1f | %11.1f | %10d | %-10s | %8d | %-11s | %-37s | %s%n",
          p.name(),
          p.seconds(),
          p.mbPerSecond(),
          p.reconnects(),
          Sizes.bytes(p.peakRss()),
          p.peakFds(),
          direct(p.peakDirect()),
          hs,
          p.floodHeld() + p.floodRefused() == 0 ? "-" : p.floodHeld() + " / " + p.floodRefused());
    }
    System.out.printf(
        Locale.ROOT,
        "replicator peak RSS over the run (VmHWM, -Xmx%dm): %s; target <= 512 MiB: %s%n",
        heapMib,
        Sizes.bytes(hwm),
        hwm <= 512L << 20 ? "met" : "MISSED");
  }
}
