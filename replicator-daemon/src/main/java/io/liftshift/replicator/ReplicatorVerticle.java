package io.liftshift.replicator;

import io.liftshift.trust.ServerIdentity;
import io.liftshift.trust.TlsPolicy;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Accepts agents on the replication port (TLS 1.3 only). {@link #start()} returns the listen
 * future, so a port that cannot be bound fails the deployment; {@link #stop()} tells every agent
 * that the server is stopping before it closes the listener.
 */
public final class ReplicatorVerticle extends VerticleBase {
  private final ReplicatorOptions options;
  private final ServerIdentity identity;
  private final StagingRegistry registry;
  private final ReplicatorStats stats;
  private final AgentAdmission admission;
  private final PointInTimeCoordinator pointInTime;
  private final PreAuthLimits preAuth;
  private final Set<AgentSession> sessions = ConcurrentHashMap.newKeySet();
  private NetServer server;
  private long syncTimer = -1;

  ReplicatorVerticle(
      ReplicatorOptions options,
      ServerIdentity identity,
      StagingRegistry registry,
      ReplicatorStats stats,
      AgentAdmission admission,
      PointInTimeCoordinator pointInTime,
      PreAuthLimits preAuth) {
    this.preAuth = preAuth;
    this.admission = admission;
    this.pointInTime = pointInTime;
    this.options = options;
    this.identity = identity;
    this.registry = registry;
    this.stats = stats;
  }

  @Override
  public Future<?> start() {
    NetServerOptions o =
        new NetServerOptions()
            .setHost(options.host())
            .setPort(options.port())
            .setTcpNoDelay(true)
            // No fixed receive buffer: in Vert.x 5 it also fixes every read's buffer at its size,
            // held by each connection with an incomplete TLS record (64 half-handshakes x 4 MiB
            // filled the direct memory of -Xmx256m). Netty's adaptive reads stay small until
            // data flows; the kernel autotunes the socket buffer for throughput.
            .setSsl(true)
            // TLS and HELLO share one deadline: the session's watchdog counts from TLS's end.
            .setSslHandshakeTimeout(options.handshakeTimeoutMillis())
            .setSslHandshakeTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
            .setKeyCertOptions(
                new PemKeyCertOptions()
                    .setKeyPath(identity.keyPath().toString())
                    .setCertPath(identity.certPath().toString()))
            .setEnabledSecureTransportProtocols(Set.of(TlsPolicy.PROTOCOL));
    if (OpenSSLEngineOptions.isAvailable()) {
      // BoringSSL decrypts several times faster than the JDK's engine. It cannot restrict TLS 1.3
      // suites itself, but it picks only among those the agent offers: AES-256-GCM by default.
      o.setSslEngineOptions(new OpenSSLEngineOptions());
    }
    for (String suite : TlsPolicy.cipherSuites(options.cipherSuite())) {
      o.addEnabledCipherSuite(suite);
    }
    server = vertx.createNetServer(o);
    server.exceptionHandler(
        e ->
            // TLS handshakes that fail or time out: the peer never reached the protocol.
            preAuth.logRefusal(
                java.util.logging.Level.WARNING,
                "a client",
                "TLS handshake failed or timed out (" + e.getClass().getSimpleName() + ")"));
    server.connectHandler(
        socket -> {
          AgentSession s =
              new AgentSession(
                  socket, context, registry, options, stats, admission, pointInTime, preAuth);
          sessions.add(s);
          s.onSessionClosed(() -> sessions.remove(s));
          s.start();
        });
    syncTimer =
        vertx.setPeriodic(
            Math.max(10, options.fsyncIntervalMillis() / 2),
            id -> sessions.forEach(AgentSession::syncIfDue));
    return server.listen();
  }

  /** The bound port (useful with port 0). */
  int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    if (syncTimer >= 0) {
      vertx.cancelTimer(syncTimer);
    }
    sessions.forEach(AgentSession::shutdown);
    return server.close();
  }
}
