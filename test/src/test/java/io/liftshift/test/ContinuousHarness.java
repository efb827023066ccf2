package io.liftshift.test;

import io.liftshift.agent.Agent;
import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.ReplicationControl;
import io.liftshift.agent.ReplicationStatus;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import io.liftshift.protocol.VolumeDigest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/** An agent in continuous replication on a background thread, and tools to change its disks. */
final class ContinuousHarness implements AutoCloseable {
  final Agent agent;
  final ReplicationControl control;
  final CompletableFuture<SyncReport> result = new CompletableFuture<>();
  final AtomicReference<ReplicationStatus> status = new AtomicReference<>();

  ContinuousHarness(AgentOptions options) {
    this(options, new ReplicationControl());
  }

  ContinuousHarness(AgentOptions options, ReplicationControl control) {
    this.control = control;
    this.agent =
        new Agent(
            options.continuous(true),
            new SyncListener() {
              @Override
              public void onStatus(ReplicationStatus s) {
                status.set(s);
              }
            },
            control);
    Thread t =
        new Thread(
            () -> {
              try {
                result.complete(agent.run());
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            },
            "test-agent");
    t.setDaemon(true);
    t.start();
  }

  /** Waits until the initial sync is durable and nothing is pending. */
  void awaitInStep(long timeoutMillis) throws Exception {
    await(
        () ->
            agent.tracking() != null
                && agent.tracking().changes(0).initialSyncComplete()
                && allClean(),
        timeoutMillis,
        "replication did not get in step");
  }

  boolean allClean() {
    for (int i = 0; ; i++) {
      try {
        if (agent.tracking().changes(i).pendingBlocks() > 0) {
          return false;
        }
      } catch (IndexOutOfBoundsException e) {
        return true;
      }
    }
  }

  void await(BooleanSupplier condition, long timeoutMillis, String what) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!condition.getAsBoolean()) {
      if (result.isDone()) {
        result.get(); // throws the agent's failure
        throw new AssertionError(what + ": the agent ended");
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(what + " within " + timeoutMillis + " ms; status " + status.get());
      }
      Thread.sleep(20);
    }
  }

  /**
   * Waits until nothing is pending and {@code staged} is byte-identical to {@code source} over
   * {@code size} bytes (Merkle digest of both).
   */
  void awaitIdentical(Path source, Path staged, long size, long timeoutMillis) throws Exception {
    await(
        () -> {
          try {
            return allClean() && digest(source, size).equals(digest(staged, size));
          } catch (IOException e) {
            return false;
          }
        },
        timeoutMillis,
        "staging volume " + staged.getFileName() + " identical to " + source);
  }

  SyncReport stop() throws Exception {
    agent.stop();
    return result.get(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    agent.stop();
    try {
      result.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      // already reported by the test, if it mattered
    }
  }

  /** Writes {@code count} random 4 KiB blocks at distinct random block offsets; fsynced. */
  static long[] writeRandomBlocks(Path disk, int count, long seed) throws IOException {
    long size;
    try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ)) {
      size = ch.size() > 0 ? ch.size() : Files.size(disk);
    }
    SplittableRandom r = new SplittableRandom(seed);
    long blocks = size / 4096;
    java.util.Set<Long> chosen = new java.util.LinkedHashSet<>();
    while (chosen.size() < count) {
      chosen.add(r.nextLong(blocks));
    }
    byte[] data = new byte[4096];
    try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
      for (long b : chosen) {
        r.nextBytes(data);
        f.seek(b * 4096);
        f.write(data);
      }
      f.getFD().sync();
    }
    return chosen.stream().mapToLong(Long::longValue).toArray();
  }

  static String digest(Path p, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      return HexFormat.of().formatHex(VolumeDigest.compute(ch, size, 1 << 20, 2).root());
    }
  }

  /** A loop device over a new image file, or null when this machine cannot make one. */
  static Path loopDevice(Path image, long size, long seed) throws Exception {
    ReplicationHarness.randomImage(image, size, seed);
    Process p =
        new ProcessBuilder("losetup", "-f", "--show", image.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    if (p.waitFor() != 0 || !out.startsWith("/dev/loop")) {
      return null;
    }
    return Path.of(out);
  }

  static void detach(Path loop) throws Exception {
    if (loop != null) {
      new ProcessBuilder("losetup", "-d", loop.toString()).start().waitFor();
    }
    // Agents keep their tracefs instance for the next run; tests leave none behind.
    Path instances = Path.of("/sys/kernel/tracing/instances");
    if (Files.isDirectory(instances)) {
      try (var list = Files.list(instances)) {
        for (Path i :
            list.filter(p -> p.getFileName().toString().startsWith("liftshift-")).toList()) {
          try {
            Files.writeString(i.resolve("tracing_on"), "0\n");
            Files.writeString(i.resolve("events/enable"), "0\n");
            Files.delete(i);
          } catch (IOException e) {
            // another test's instance in use; removed by its own cleanup
          }
        }
      }
    }
  }
}
