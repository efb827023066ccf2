package io.liftshift.replicator;

import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.InstallationCa;
import io.liftshift.trust.TlsSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Settings of one replication server. Every default is a {@code DEFAULT_*} constant. */
public final class ReplicatorOptions {
  /** MGN's data port. */
  public static final int DEFAULT_PORT = 1500;

  public static final String DEFAULT_HOST = "0.0.0.0";

  /** MGN's rule of thumb for one t3.small; the control plane schedules against it. */
  public static final int DEFAULT_MAX_ACTIVE_DISKS = 15;

  /**
   * Bytes written to a staging volume between two fsyncs. Large enough that fsync cost is small
   * next to the data, small enough to stay well inside the agent's in-flight window.
   */
  public static final long DEFAULT_FSYNC_BATCH_BYTES = 32L << 20;

  /**
   * Longest time written data waits for an fsync (and the agent for its ACK) when traffic stops.
   */
  public static final int DEFAULT_FSYNC_INTERVAL_MILLIS = 1000;

  /** A connection must finish HELLO within this time, or it is closed. */
  public static final int DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;

  /** A connection that sends nothing (idle agents PING every 10 s) for this long is closed. */
  public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 60;

  /** Frames received but not yet written, per connection, before reading pauses. */
  public static final int DEFAULT_MAX_QUEUED_BYTES_PER_CONNECTION = 16 << 20;

  /** Event-loop instances (each decrypts its own connections). */
  public static final int DEFAULT_EVENT_LOOP_INSTANCES =
      Math.max(1, Runtime.getRuntime().availableProcessors());

  /** Threads that verify, decompress and write blocks. */
  public static final int DEFAULT_WRITER_THREADS =
      Math.max(2, Runtime.getRuntime().availableProcessors());

  /**
   * Connections past TLS that have not sent an accepted HELLO, all sources together; more are
   * closed at once. Each costs a few kilobytes, so a flood cannot reach the memory of the sessions.
   */
  public static final int DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS = 256;

  /** The same, per source address: one host cannot use the whole allowance. */
  public static final int DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS_PER_SOURCE = 32;

  /** Authentication failures from one address within a minute before it is refused a while. */
  public static final int DEFAULT_AUTH_FAILURES_BEFORE_BACKOFF = 5;

  /** How long an address that kept failing authentication is refused. */
  public static final int DEFAULT_AUTH_FAILURE_BACKOFF_SECONDS = 30;

  private int maxUnauthenticatedConnections = DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS;
  private int maxUnauthenticatedConnectionsPerSource =
      DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS_PER_SOURCE;
  private int authFailuresBeforeBackoff = DEFAULT_AUTH_FAILURES_BEFORE_BACKOFF;
  private int authFailureBackoffSeconds = DEFAULT_AUTH_FAILURE_BACKOFF_SECONDS;

  public int maxUnauthenticatedConnections() {
    return maxUnauthenticatedConnections;
  }

  public ReplicatorOptions maxUnauthenticatedConnections(int n) {
    this.maxUnauthenticatedConnections = positive("maxUnauthenticatedConnections", n);
    return this;
  }

  public int maxUnauthenticatedConnectionsPerSource() {
    return maxUnauthenticatedConnectionsPerSource;
  }

  public ReplicatorOptions maxUnauthenticatedConnectionsPerSource(int n) {
    this.maxUnauthenticatedConnectionsPerSource =
        positive("maxUnauthenticatedConnectionsPerSource", n);
    return this;
  }

  public int authFailuresBeforeBackoff() {
    return authFailuresBeforeBackoff;
  }

  public ReplicatorOptions authFailuresBeforeBackoff(int n) {
    this.authFailuresBeforeBackoff = positive("authFailuresBeforeBackoff", n);
    return this;
  }

  public int authFailureBackoffSeconds() {
    return authFailureBackoffSeconds;
  }

  public ReplicatorOptions authFailureBackoffSeconds(int seconds) {
    this.authFailureBackoffSeconds = positive("authFailureBackoffSeconds", seconds);
    return this;
  }

  private static int positive(String name, int n) {
    if (n < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, was " + n);
    }
    return n;
  }

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private Path dataDir;
  private Path caDir;
  private List<String> subjectAltNames = new ArrayList<>(List.of("localhost", "127.0.0.1"));
  private TlsSettings tls = TlsSettings.DEFAULT;
  private AgentTokens agentTokens = AgentTokens.none();
  private int maxActiveDisks = DEFAULT_MAX_ACTIVE_DISKS;
  private long fsyncBatchBytes = DEFAULT_FSYNC_BATCH_BYTES;
  private int fsyncIntervalMillis = DEFAULT_FSYNC_INTERVAL_MILLIS;
  private int handshakeTimeoutMillis = DEFAULT_HANDSHAKE_TIMEOUT_MILLIS;
  private int idleTimeoutSeconds = DEFAULT_IDLE_TIMEOUT_SECONDS;
  private int maxQueuedBytesPerConnection = DEFAULT_MAX_QUEUED_BYTES_PER_CONNECTION;
  private int eventLoopInstances = DEFAULT_EVENT_LOOP_INSTANCES;
  private int writerThreads = DEFAULT_WRITER_THREADS;
  private io.liftshift.cloud.PointInTimePolicy pointInTimePolicy =
      io.liftshift.cloud.PointInTimePolicy.defaults();
  private long snapshotIntervalMillis;
  private boolean pruneSnapshots = true;
  private String controlPlaneEndpoint;
  private String installToken;
  private String advertisedHost;
  private int heartbeatIntervalMillis = DEFAULT_HEARTBEAT_INTERVAL_MILLIS;

  /**
   * How often a replicator registered with a control plane reports in and learns which source
   * servers (and agent credentials) it serves.
   */
  public static final int DEFAULT_HEARTBEAT_INTERVAL_MILLIS = 10_000;

  /** When to take point-in-time snapshots and which to keep; null turns snapshots off. */
  public io.liftshift.cloud.PointInTimePolicy pointInTimePolicy() {
    return pointInTimePolicy;
  }

  public ReplicatorOptions pointInTimePolicy(io.liftshift.cloud.PointInTimePolicy policy) {
    this.pointInTimePolicy = policy;
    return this;
  }

  /** Overrides the policy's shortest interval (0 = the policy's); tests and benchmarks. */
  public long snapshotIntervalMillis() {
    return snapshotIntervalMillis;
  }

  public ReplicatorOptions snapshotIntervalMillis(long millis) {
    this.snapshotIntervalMillis = millis;
    return this;
  }

  /** Whether snapshots the policy no longer keeps are deleted (tests keep them all). */
  public boolean pruneSnapshots() {
    return pruneSnapshots;
  }

  public ReplicatorOptions pruneSnapshots(boolean value) {
    this.pruneSnapshots = value;
    return this;
  }

  public String controlPlaneEndpoint() {
    return controlPlaneEndpoint;
  }

  /**
   * Registers with the control plane at {@code https://HOST:PORT} using an install token, so that
   * the control plane places source servers here and tells this replicator which agents to admit.
   */
  public ReplicatorOptions controlPlane(String endpoint, String installToken) {
    this.controlPlaneEndpoint = endpoint;
    this.installToken = installToken;
    return this;
  }

  public String installToken() {
    return installToken;
  }

  /** The address agents use to reach this server; default: the first subject alternative name. */
  public String advertisedHost() {
    return advertisedHost != null ? advertisedHost : subjectAltNames.get(0);
  }

  public ReplicatorOptions advertisedHost(String host) {
    this.advertisedHost = host;
    return this;
  }

  public int heartbeatIntervalMillis() {
    return heartbeatIntervalMillis;
  }

  public ReplicatorOptions heartbeatIntervalMillis(int millis) {
    this.heartbeatIntervalMillis = millis;
    return this;
  }

  public String host() {
    return host;
  }

  public ReplicatorOptions host(String host) {
    this.host = host;
    return this;
  }

  public int port() {
    return port;
  }

  /** Port to listen on; 0 picks a free one (tests). */
  public ReplicatorOptions port(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, was " + port);
    }
    this.port = port;
    return this;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Holds {@code volumes/} (local staging volumes), {@code checkpoints/} and {@code tls/}. */
  public ReplicatorOptions dataDir(Path dataDir) {
    this.dataDir = dataDir;
    return this;
  }

  public Path caDir() {
    return caDir;
  }

  /**
   * The installation CA that issues this server's certificate; created on first use, unless the
   * replicator enrols with its control plane (see {@link #caFingerprint(CaFingerprint)}).
   */
  public ReplicatorOptions caDir(Path caDir) {
    this.caDir = caDir;
    return this;
  }

  /** The CA pinned (to enrol, and on the control plane's connection) and the suite offered. */
  public TlsSettings tls() {
    return tls;
  }

  public CaFingerprint caFingerprint() {
    return tls.caFingerprint();
  }

  /**
   * The installation CA to pin. With a control plane and no CA key in {@link #caDir}, the
   * replicator asks the control plane to certify its own key (so it never holds the CA key) and
   * trusts the control plane only under this CA. With a CA key, the key must be this CA's.
   */
  public ReplicatorOptions caFingerprint(CaFingerprint fingerprint) {
    this.tls = tls.withCaFingerprint(fingerprint);
    return this;
  }

  /** True when this replicator gets its certificate from the control plane, not from a CA key. */
  boolean enrolsWithControlPlane() {
    return controlPlaneEndpoint != null
        && tls.caFingerprint() != null
        && (caDir == null || !InstallationCa.exists(caDir));
  }

  public List<String> subjectAltNames() {
    return subjectAltNames;
  }

  /** Names (DNS or IP) that agents use to reach this server; they go into its certificate. */
  public ReplicatorOptions subjectAltNames(List<String> names) {
    this.subjectAltNames = new ArrayList<>(names);
    return this;
  }

  public String cipherSuite() {
    return tls.cipherSuite();
  }

  public ReplicatorOptions cipherSuite(String suite) {
    this.tls = tls.withCipherSuite(suite);
    return this;
  }

  public AgentTokens agentTokens() {
    return agentTokens;
  }

  public ReplicatorOptions agentTokens(AgentTokens tokens) {
    this.agentTokens = tokens;
    return this;
  }

  public int maxActiveDisks() {
    return maxActiveDisks;
  }

  public ReplicatorOptions maxActiveDisks(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxActiveDisks must be at least 1, was " + n);
    }
    this.maxActiveDisks = n;
    return this;
  }

  public long fsyncBatchBytes() {
    return fsyncBatchBytes;
  }

  public ReplicatorOptions fsyncBatchBytes(long bytes) {
    if (bytes < 1 << 20) {
      throw new IllegalArgumentException("fsyncBatchBytes must be at least 1 MiB, was " + bytes);
    }
    this.fsyncBatchBytes = bytes;
    return this;
  }

  public int fsyncIntervalMillis() {
    return fsyncIntervalMillis;
  }

  public ReplicatorOptions fsyncIntervalMillis(int millis) {
    if (millis < 10) {
      throw new IllegalArgumentException("fsyncIntervalMillis must be at least 10, was " + millis);
    }
    this.fsyncIntervalMillis = millis;
    return this;
  }

  public int handshakeTimeoutMillis() {
    return handshakeTimeoutMillis;
  }

  public ReplicatorOptions handshakeTimeoutMillis(int millis) {
    this.handshakeTimeoutMillis = millis;
    return this;
  }

  public int idleTimeoutSeconds() {
    return idleTimeoutSeconds;
  }

  public ReplicatorOptions idleTimeoutSeconds(int seconds) {
    this.idleTimeoutSeconds = seconds;
    return this;
  }

  public int maxQueuedBytesPerConnection() {
    return maxQueuedBytesPerConnection;
  }

  public ReplicatorOptions maxQueuedBytesPerConnection(int bytes) {
    this.maxQueuedBytesPerConnection = bytes;
    return this;
  }

  public int eventLoopInstances() {
    return eventLoopInstances;
  }

  public ReplicatorOptions eventLoopInstances(int n) {
    this.eventLoopInstances = Math.max(1, n);
    return this;
  }

  public int writerThreads() {
    return writerThreads;
  }

  public ReplicatorOptions writerThreads(int n) {
    this.writerThreads = Math.max(1, n);
    return this;
  }

  void validate() {
    if (dataDir == null) {
      throw new IllegalArgumentException("dataDir is required: where staging volumes are kept");
    }
    if (tls.caFingerprint() != null && controlPlaneEndpoint == null) {
      throw new IllegalArgumentException(
          "a CA fingerprint is used only with a control plane, to enrol with it: pass"
              + " --control-plane and --install-token too, or drop --ca-fingerprint");
    }
    if (controlPlaneEndpoint != null
        && tls.caFingerprint() == null
        && (caDir == null || !InstallationCa.exists(caDir))) {
      // A CA made here would not be the control plane's, and registration would be refused.
      throw new IllegalArgumentException(
          "a replicator with a control plane needs the installation CA: pass --ca-fingerprint"
              + " sha256:... (printed by 'liftshift ca show' on the control plane) to enrol for"
              + " its certificate, or --ca-dir with the CA's ca.key and ca.crt"
              + (caDir == null ? "" : " (" + caDir + " holds no CA)"));
    }
    if (caDir == null && !enrolsWithControlPlane()) {
      throw new IllegalArgumentException("caDir is required: the installation CA's directory");
    }
    if (agentTokens.isEmpty() && controlPlaneEndpoint == null) {
      throw new IllegalArgumentException(
          "no agent is admitted: pass --control-plane with --install-token, or --agent-token");
    }
    if (controlPlaneEndpoint != null && !controlPlaneEndpoint.startsWith("https://")) {
      throw new IllegalArgumentException(
          "the control plane endpoint must be https://HOST:PORT, got " + controlPlaneEndpoint);
    }
    if (heartbeatIntervalMillis < 100) {
      throw new IllegalArgumentException("heartbeatIntervalMillis must be at least 100");
    }
  }
}
