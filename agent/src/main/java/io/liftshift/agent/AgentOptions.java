package io.liftshift.agent;

import io.liftshift.protocol.VolumeDigest;
import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.TlsSettings;
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

  /** Granularity of change tracking: a 4 KiB write costs 4 KiB on the wire, not a 64 KiB block. */
  public static final int DEFAULT_TRACKING_BLOCK_BYTES = 4096;

  /** Changed bytes taken into one BARRIER batch at most. */
  public static final long DEFAULT_CHANGE_BATCH_BYTES = 8L << 20;

  /** A disk whose lag is within this is CONTINUOUS; beyond it, BACKLOG. */
  public static final int DEFAULT_CONTINUOUS_LAG_SECONDS = 5;

  /**
   * The real-time tracker's safety net: a slow fingerprint pass this often (0 = off, for a tracker
   * known healthy).
   */
  public static final long DEFAULT_VERIFY_PASS_INTERVAL_SECONDS = 24 * 3600;

  /** Which tracker finds changed blocks. */
  public enum TrackerMode {
    /** tracefs for block devices where available, scanning otherwise. */
    AUTO,
    TRACEFS,
    SCANNING
  }

  private String replicatorHost;
  private Path stateDir;
  private boolean continuous;
  private TrackerMode tracker = TrackerMode.AUTO;
  private int trackingBlockBytes = DEFAULT_TRACKING_BLOCK_BYTES;
  private long changeBatchBytes = DEFAULT_CHANGE_BATCH_BYTES;
  private int continuousLagSeconds = DEFAULT_CONTINUOUS_LAG_SECONDS;
  private long scanReadBudgetMBps =
      io.liftshift.agent.tracking.ScanningChangeTracker.DEFAULT_READ_BUDGET_MBPS;
  private long scanPassIntervalMillis =
      io.liftshift.agent.tracking.ScanningChangeTracker.DEFAULT_PASS_INTERVAL_MILLIS;
  private long verifyPassIntervalSeconds = DEFAULT_VERIFY_PASS_INTERVAL_SECONDS;
  private Path tracefs = io.liftshift.agent.tracking.TracefsChangeTracker.DEFAULT_TRACEFS;
  private int tracefsBufferKb = io.liftshift.agent.tracking.TracefsChangeTracker.DEFAULT_BUFFER_KB;

  /** Where change state is kept (dirty blocks, fingerprints); null = no change tracking. */
  public Path stateDir() {
    return stateDir;
  }

  public AgentOptions stateDir(Path dir) {
    this.stateDir = dir;
    return this;
  }

  /** After the initial sync, keep replicating changes until stopped (needs a state dir). */
  public boolean continuous() {
    return continuous;
  }

  public AgentOptions continuous(boolean value) {
    this.continuous = value;
    return this;
  }

  public TrackerMode tracker() {
    return tracker;
  }

  public AgentOptions tracker(TrackerMode mode) {
    this.tracker = mode;
    return this;
  }

  public int trackingBlockBytes() {
    return trackingBlockBytes;
  }

  public AgentOptions trackingBlockBytes(int bytes) {
    this.trackingBlockBytes = bytes;
    return this;
  }

  public long changeBatchBytes() {
    return changeBatchBytes;
  }

  public AgentOptions changeBatchBytes(long bytes) {
    this.changeBatchBytes = bytes;
    return this;
  }

  public int continuousLagSeconds() {
    return continuousLagSeconds;
  }

  public AgentOptions continuousLagSeconds(int seconds) {
    this.continuousLagSeconds = seconds;
    return this;
  }

  /** Read budget of scanning passes in MB/s; 0 = unlimited. */
  public long scanReadBudgetMBps() {
    return scanReadBudgetMBps;
  }

  public AgentOptions scanReadBudgetMBps(long mbps) {
    this.scanReadBudgetMBps = mbps;
    return this;
  }

  public long scanPassIntervalMillis() {
    return scanPassIntervalMillis;
  }

  public AgentOptions scanPassIntervalMillis(long millis) {
    this.scanPassIntervalMillis = millis;
    return this;
  }

  public long verifyPassIntervalSeconds() {
    return verifyPassIntervalSeconds;
  }

  public AgentOptions verifyPassIntervalSeconds(long seconds) {
    this.verifyPassIntervalSeconds = seconds;
    return this;
  }

  public Path tracefs() {
    return tracefs;
  }

  public AgentOptions tracefs(Path root) {
    this.tracefs = root;
    return this;
  }

  public int tracefsBufferKb() {
    return tracefsBufferKb;
  }

  public AgentOptions tracefsBufferKb(int kb) {
    this.tracefsBufferKb = kb;
    return this;
  }

  private int replicatorPort = 1500;
  private String token;
  private String sourceServerId;
  private TlsSettings tls = TlsSettings.DEFAULT;
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
  private SyncScope syncScope = SyncScope.DEFAULT;
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

  /** The CA pinned and the suite offered on port 1500. */
  public TlsSettings tls() {
    return tls;
  }

  public CaFingerprint caFingerprint() {
    return tls.caFingerprint();
  }

  public AgentOptions caFingerprint(CaFingerprint pin) {
    this.tls = tls.withCaFingerprint(pin);
    return this;
  }

  public String cipherSuite() {
    return tls.cipherSuite();
  }

  public AgentOptions cipherSuite(String suite) {
    this.tls = tls.withCipherSuite(suite);
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

  /**
   * What the initial sync reads: {@link SyncScope#ALL} (default) every byte; {@link SyncScope#USED}
   * only the blocks that a recognised file system or volume manager uses.
   */
  public SyncScope syncScope() {
    return syncScope;
  }

  public AgentOptions syncScope(SyncScope scope) {
    this.syncScope = java.util.Objects.requireNonNull(scope, "syncScope");
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
    if (tls.caFingerprint() == null) {
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
    if (continuous && stateDir == null) {
      problems.add("continuous replication needs a state directory for its change tracking");
    }
    if (trackingBlockBytes < 4096
        || trackingBlockBytes > blockBytes
        || Integer.bitCount(trackingBlockBytes) != 1) {
      problems.add(
          "tracking block size must be a power of two from 4 KiB up to the block size, was "
              + trackingBlockBytes);
    }
    if (changeBatchBytes < trackingBlockBytes) {
      problems.add("a change batch must hold at least one tracking block");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }
}
