package io.liftshift.test;

import io.liftshift.agent.AgentOptions;
import io.liftshift.cloud.VolumeNames;
import io.liftshift.replicator.AgentTokens;
import io.liftshift.replicator.Replicator;
import io.liftshift.replicator.ReplicatorOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** A replicator on 127.0.0.1 with its own directories, and source images to replicate. */
final class ReplicationHarness implements AutoCloseable {
  static final String TOKEN = "test-agent-token";

  final Path dir;
  Replicator replicator;
  private final ReplicatorOptions options;

  /** A replicator without point-in-time snapshots: tests of snapshots ask for them. */
  ReplicationHarness(Path dir) throws Exception {
    this(dir, new ReplicatorOptions().pointInTimePolicy(null));
  }

  ReplicationHarness(Path dir, ReplicatorOptions options) throws Exception {
    this.dir = dir;
    this.options =
        options
            .host("127.0.0.1")
            .port(0)
            .dataDir(dir.resolve("replicator"))
            .caDir(dir.resolve("ca"))
            .agentTokens(AgentTokens.of(TOKEN));
    this.replicator = Replicator.start(this.options);
  }

  int port() {
    return replicator.port();
  }

  /** Stops the replicator as an operator would (SIGTERM): agents are told and disconnected. */
  void stop() throws Exception {
    replicator.close();
  }

  /** Starts it again on the same port and data, as after a reboot. */
  void restart(int port) throws Exception {
    replicator = Replicator.start(options.port(port));
  }

  AgentOptions agent(String sourceServerId, Path... disks) {
    AgentOptions o =
        new AgentOptions()
            .replicator("127.0.0.1", port())
            .token(TOKEN)
            .caFingerprint(replicator.caFingerprint())
            .sourceServerId(sourceServerId)
            .initialBackoffMillis(100)
            .maxBackoffMillis(1000)
            .reconnectTimeoutSeconds(60);
    for (Path d : disks) {
      o.addDisk(d);
    }
    return o;
  }

  Path stagingVolume(String sourceServerId, Path disk) throws IOException {
    return dir.resolve("replicator/volumes")
        .resolve(VolumeNames.forDisk(sourceServerId, disk.toRealPath().toString()) + ".img");
  }

  @Override
  public void close() throws Exception {
    replicator.close();
  }

  static Path randomImage(Path p, long size, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] buf = new byte[1 << 20];
    try (var out = Files.newOutputStream(p)) {
      for (long done = 0; done < size; done += buf.length) {
        r.nextBytes(buf);
        out.write(buf, 0, (int) Math.min(buf.length, size - done));
      }
    }
    return p;
  }

  /** A sparse image: holes, a few random extents and a compressible text extent. */
  static Path sparseImage(Path p, long size, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(size);
      for (int i = 0; i < 12; i++) {
        byte[] b = new byte[1 + r.nextInt(300_000)];
        if (i % 3 == 0) {
          java.util.Arrays.fill(b, (byte) ('a' + i));
        } else {
          r.nextBytes(b);
        }
        long at = Math.max(0, r.nextLong(size) - b.length);
        f.seek(at);
        f.write(b);
      }
      f.seek(size - 1);
      f.write(0x5A);
    }
    return p;
  }

  static Path zeroImage(Path p, long size) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(size);
    }
    return p;
  }

  static String sha256(Path p) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(p)) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
