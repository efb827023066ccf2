package io.liftshift.agent;

import io.liftshift.protocol.VolumeDigest;
import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.TlsPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Settings of one agent run. Every default is a {@code DEFAULT_*} constant. */
public final class AgentOptions {
  /** Sequential read size; large enough for the kernel's readahead to stream. */
  public static final int DEFAULT_READ_CHUNK_BYTES = 1 << 20;

  /** Granularity of zero detection and of one BLOCK_DATA frame. LZ4's window is 64 KiB too. */
  public static final int DEFAULT_BLOCK_BYTES = 64 << 10;

  /**
   * Source bytes sent but not yet durable on the replicator. This bounds both memory and what a
   * reconnect may send again.
   */
  public static final long DEFAULT_IN_FLIGHT_WINDOW_BYTES = 96L << 20;

  /** Chunks each disk may read ahead of the sender, so reading overlaps encoding and sending. */
  public static final int DEFAULT_READ_AHEAD_CHUNKS = 8;

  public static final int DEFAULT_ENCODER_THREADS =
      Math.max(1, Runtime.getRuntime().availableProcessors());
  public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 10_000;
  public static final int DEFAULT_INITIAL_BACKOFF_MILLIS = 500;
  public static final int DEFAULT_MAX_BACKOFF_MILLIS = 30_000;

  /** How long the agent keeps reconnecting without progress before it gives up and says so. */
  public static final int DEFAULT_RECONNECT_TIMEOUT_SECONDS = 3600;

  private String replicatorHost;
  private int replicatorPort = 1500;
  private String token;
  private String sourceServerId;
  private CaFingerprint caFingerprint;
  private String cipherSuite = TlsPolicy.DEFAULT_CIPHER_SUITE;
  private final List<Path> disks = new ArrayList<>();
  private int readChunkBytes = DEFAULT_READ_CHUNK_BYTES;
  private int blockBytes = DEFAULT_BLOCK_BYTES;
  private long inFlightWindowBytes = DEFAULT_IN_FLIGHT_WINDOW_BYTES;
  private int readAheadChunks = DEFAULT_READ_AHEAD_CHUNKS;
  private int encoderThreads = DEFAULT_ENCODER_THREADS;
  private int connectTimeoutMillis = DEFAULT_CONNECT_TIMEOUT_MILLIS;
  private int initialBackoffMillis = DEFAULT_INITIAL_BACKOFF_MILLIS;
  private int maxBackoffMillis = DEFAULT_MAX_BACKOFF_MILLIS;
  private int reconnectTimeoutSeconds = DEFAULT_RECONNECT_TIMEOUT_SECONDS;
  private boolean verify = true;
  private int verifyLeafBytes = VolumeDigest.DEFAULT_LEAF_BYTES;

  public String replicatorHost() {
    return replicatorHost;
  }

  public int replicatorPort() {
    return replicatorPort;
  }

  /** Where to replicate to, as {@code HOST:PORT} (IPv6 in brackets). */
  public AgentOptions replicator(String hostPort) {
    int i = hostPort.lastIndexOf(':');
    if (i <= 0 || i == hostPort.length() - 1) {
      throw new IllegalArgumentException(
          "replicator must be HOST:PORT, e.g. 10.0.1.5:1500, got '" + hostPort + "'");
    }
    String host = hostPort.substring(0, i);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return replicator(host, Integer.parseInt(hostPort.substring(i + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port in '" + hostPort + "' is not a number", e);
    }
  }

  public AgentOptions replicator(String host, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("replicator port must be 1..65535, was " + port);
    }
    this.replicatorHost = host;
    this.replicatorPort = port;
    return this;
  }

  public String token() {
    return token;
  }

  public AgentOptions token(String token) {
    this.token = token;
    return this;
  }

  public String sourceServerId() {
    return sourceServerId;
  }

  /** The source server this agent replicates; staging volumes are named after it. */
  public AgentOptions sourceServerId(String id) {
    this.sourceServerId = id;
    return this;
  }

  public CaFingerprint caFingerprint() {
    return caFingerprint;
  }

  public AgentOptions caFingerprint(CaFingerprint pin) {
    this.caFingerprint = pin;
    return this;
  }

  public String cipherSuite() {
    return cipherSuite;
  }

  public AgentOptions cipherSuite(String suite) {
    TlsPolicy.cipherSuites(suite);
    this.cipherSuite = suite;
    return this;
  }

  public List<Path> disks() {
    return List.copyOf(disks);
  }

  /** A block device or an image file to replicate. */
  public AgentOptions addDisk(Path disk) {
    disks.add(disk);
    return this;
  }

  public int readChunkBytes() {
    return readChunkBytes;
  }

  public AgentOptions readChunkBytes(int bytes) {
    this.readChunkBytes = bytes;
    return this;
  }

  public int blockBytes() {
    return blockBytes;
  }

  public AgentOptions blockBytes(int bytes) {
    this.blockBytes = bytes;
    return this;
  }

  public long inFlightWindowBytes() {
    return inFlightWindowBytes;
  }

  public AgentOptions inFlightWindowBytes(long bytes) {
    this.inFlightWindowBytes = bytes;
    return this;
  }

  public int readAheadChunks() {
    return readAheadChunks;
  }

  public AgentOptions readAheadChunks(int n) {
    this.readAheadChunks = n;
    return this;
  }

  public int encoderThreads() {
    return encoderThreads;
  }

  public AgentOptions encoderThreads(int n) {
    this.encoderThreads = Math.max(1, n);
    return this;
  }

  public int connectTimeoutMillis() {
    return connectTimeoutMillis;
  }

  public AgentOptions connectTimeoutMillis(int millis) {
    this.connectTimeoutMillis = millis;
    return this;
  }

  public int initialBackoffMillis() {
    return initialBackoffMillis;
  }

  public AgentOptions initialBackoffMillis(int millis) {
    this.initialBackoffMillis = millis;
    return this;
  }

  public int maxBackoffMillis() {
    return maxBackoffMillis;
  }

  public AgentOptions maxBackoffMillis(int millis) {
    this.maxBackoffMillis = millis;
    return this;
  }

  public int reconnectTimeoutSeconds() {
    return reconnectTimeoutSeconds;
  }

  public AgentOptions reconnectTimeoutSeconds(int seconds) {
    this.reconnectTimeoutSeconds = seconds;
    return this;
  }

  public boolean verify() {
    return verify;
  }

  public AgentOptions verify(boolean verify) {
    this.verify = verify;
    return this;
  }

  public int verifyLeafBytes() {
    return verifyLeafBytes;
  }

  public AgentOptions verifyLeafBytes(int bytes) {
    this.verifyLeafBytes = bytes;
    return this;
  }

  /** Checks everything at once, with messages that say what to fix. */
  void validate() {
    List<String> problems = new ArrayList<>();
    if (replicatorHost == null) {
      problems.add("--replicator HOST:PORT is required");
    }
    if (token == null || token.isBlank()) {
      problems.add("--token is required (the agent's replication credential)");
    }
    if (sourceServerId == null || sourceServerId.isBlank()) {
      problems.add("a source server id is required");
    }
    if (caFingerprint == null) {
      problems.add("--ca-fingerprint is required: the agent trusts only the installation CA");
    }
    if (disks.isEmpty()) {
      problems.add("at least one --disk is required");
    }
    if (blockBytes < 4096 || blockBytes > (1 << 20) || Integer.bitCount(blockBytes) != 1) {
      problems.add("block size must be a power of two in 4 KiB..1 MiB, was " + blockBytes);
    }
    if (readChunkBytes < blockBytes
        || readChunkBytes % blockBytes != 0
        || readChunkBytes > 16 << 20) {
      problems.add("read chunk must be a multiple of the block size, at most 16 MiB");
    }
    if (inFlightWindowBytes < readChunkBytes) {
      problems.add("the in-flight window must hold at least one read chunk");
    }
    if (readAheadChunks < 1) {
      problems.add("read-ahead must be at least 1 chunk");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }
}
