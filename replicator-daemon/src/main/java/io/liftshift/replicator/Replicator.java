package io.liftshift.replicator;

import io.liftshift.cloud.StagingVolumes;
import io.liftshift.cloud.local.LocalStagingVolumes;
import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.InstallationCa;
import io.liftshift.trust.ServerIdentity;
import io.liftshift.trust.ServerRole;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * A running replication server: its TLS identity (issued from a local installation CA, or certified
 * by the control plane when this server holds no CA key), its staging volumes (the local adapter by
 * default), its writer pool and its event-loop verticles.
 */
public final class Replicator implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Replicator.class.getName());

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final ExecutorService workers;
  private final StagingRegistry registry;
  private final StagingVolumes volumes;
  private final ReplicatorStats stats;
  private final CaFingerprint caFingerprint;
  private final List<String> deployments;
  private final int port;
  private final ControlPlaneRegistration fleet;
  private final PointInTimeCoordinator pointInTime;

  private Replicator(
      Vertx vertx,
      boolean ownsVertx,
      ExecutorService workers,
      StagingRegistry registry,
      StagingVolumes volumes,
      ReplicatorStats stats,
      CaFingerprint caFingerprint,
      List<String> deployments,
      int port,
      ControlPlaneRegistration fleet,
      PointInTimeCoordinator pointInTime) {
    this.fleet = fleet;
    this.pointInTime = pointInTime;
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.workers = workers;
    this.registry = registry;
    this.volumes = volumes;
    this.stats = stats;
    this.caFingerprint = caFingerprint;
    this.deployments = deployments;
    this.port = port;
  }

  /** Starts a replicator with its own Vert.x instance and local staging volumes. */
  public static Replicator start(ReplicatorOptions options) throws Exception {
    return start(null, options, null);
  }

  /**
   * Starts a replicator.
   *
   * @param vertx the Vert.x instance to deploy on, or null for a private one
   * @param volumes where staging volumes live, or null for sparse files under {@code
   *     dataDir/volumes}
   */
  public static Replicator start(Vertx vertx, ReplicatorOptions options, StagingVolumes volumes)
      throws Exception {
    return start(vertx, options, volumes, null);
  }

  /**
   * Starts a replicator.
   *
   * @param snapshots where point-in-time snapshots go, or null for the local store under {@code
   *     dataDir/snapshots}
   */
  public static Replicator start(
      Vertx vertx,
      ReplicatorOptions options,
      StagingVolumes volumes,
      io.liftshift.cloud.Snapshots snapshots)
      throws Exception {
    options.validate();
    ServerIdentity identity;
    CaFingerprint caFingerprint;
    if (options.enrolsWithControlPlane()) {
      // No CA key here: the control plane certifies this server's own key before it listens.
      identity = new CertificateEnrolment(options).identity();
      caFingerprint = options.caFingerprint();
    } else {
      InstallationCa ca = InstallationCa.loadOrCreate(options.caDir());
      if (options.caFingerprint() != null && !options.caFingerprint().equals(ca.fingerprint())) {
        throw new IllegalArgumentException(
            "the CA in "
                + options.caDir()
                + " is "
                + ca.fingerprint()
                + ", not the pinned "
                + options.caFingerprint()
                + ": give the control plane's --ca-fingerprint, or a --ca-dir without ca.key to"
                + " enrol with it");
      }
      identity =
          ca.ensureServerIdentity(
              options.dataDir().resolve("tls"), ServerRole.REPLICATOR, options.subjectAltNames());
      caFingerprint = ca.fingerprint();
    }
    StagingVolumes vols =
        volumes != null ? volumes : new LocalStagingVolumes(options.dataDir().resolve("volumes"));
    AtomicInteger n = new AtomicInteger();
    ExecutorService workers =
        Executors.newFixedThreadPool(
            options.writerThreads(),
            r -> {
              Thread t = new Thread(r, "staging-writer-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    ReplicatorStats stats = new ReplicatorStats();
    StagingRegistry registry;
    try {
      registry =
          new StagingRegistry(
              vols, options.dataDir().resolve("checkpoints"), workers, options, stats);
    } catch (IOException e) {
      workers.shutdownNow();
      throw e;
    }
    AgentAdmission admission = new AgentAdmission(options.agentTokens());
    PointInTimeCoordinator pointInTime =
        options.pointInTimePolicy() == null
            ? null
            : new PointInTimeCoordinator(
                snapshots != null
                    ? snapshots
                    : new io.liftshift.cloud.local.LocalSnapshots(
                        options.dataDir().resolve("snapshots")),
                options.pointInTimePolicy(),
                options.snapshotIntervalMillis(),
                options.pruneSnapshots());
    boolean owns = vertx == null;
    Vertx vx = owns ? Vertx.vertx() : vertx;
    List<String> deployments = new ArrayList<>();
    try {
      List<ReplicatorVerticle> verticles = new java.util.concurrent.CopyOnWriteArrayList<>();
      PreAuthLimits preAuth = new PreAuthLimits(options);
      // One deployment of several instances: Vert.x shares the listening socket among them,
      // port 0 included, and spreads connections over their event loops.
      deployments.add(
          vx.deployVerticle(
                  () -> {
                    ReplicatorVerticle v =
                        new ReplicatorVerticle(
                            options, identity, registry, stats, admission, pointInTime, preAuth);
                    verticles.add(v);
                    return v;
                  },
                  new DeploymentOptions().setInstances(options.eventLoopInstances()))
              .await(30, TimeUnit.SECONDS));
      int port = verticles.get(0).actualPort();
      LOG.info(
          "replicator listening on "
              + options.host()
              + ":"
              + port
              + " (TLS 1.3, "
              + options.cipherSuite()
              + "), CA "
              + caFingerprint);
      ControlPlaneRegistration fleet = null;
      // The registration calls back into the replicator it belongs to, once that exists.
      Replicator[] self = new Replicator[1];
      if (options.controlPlaneEndpoint() != null) {
        fleet =
            new ControlPlaneRegistration(
                options,
                port,
                caFingerprint,
                admission,
                registry::activeVolumes,
                new ControlPlaneRegistration.PlacedServerSettings() {
                  @Override
                  public void pitPolicy(
                      String server, io.liftshift.cloud.PointInTimePolicy policy) {
                    if (pointInTime != null) {
                      pointInTime.policy(server, policy);
                    }
                  }

                  @Override
                  public boolean remove(String server) throws java.io.IOException {
                    return self[0] != null && self[0].removeSourceServer(server);
                  }

                  @Override
                  public void snapshotRequested(String server, long epochMillis) {
                    if (pointInTime != null) {
                      pointInTime.requested(server, epochMillis);
                    }
                  }
                },
                pointInTime != null
                        && pointInTime.snapshots()
                            instanceof io.liftshift.cloud.local.LocalSnapshots local
                    ? local.directory().toAbsolutePath().toString()
                    : null);
        fleet.start();
      }
      Replicator replicator =
          new Replicator(
              vx,
              owns,
              workers,
              registry,
              vols,
              stats,
              caFingerprint,
              deployments,
              port,
              fleet,
              pointInTime);
      self[0] = replicator;
      return replicator;
    } catch (Exception e) {
      workers.shutdownNow();
      if (owns) {
        vx.close();
      }
      throw e;
    }
  }

  public int port() {
    return port;
  }

  public CaFingerprint caFingerprint() {
    return caFingerprint;
  }

  public ReplicatorStats stats() {
    return stats;
  }

  /** The id the control plane gave this replicator, or null when it runs without one. */
  public String replicationServerId() {
    return fleet == null ? null : fleet.replicationServerId();
  }

  /** Point-in-time snapshots of the servers replicated here, or empty when they are off. */
  public java.util.Optional<io.liftshift.cloud.Snapshots> snapshots() {
    return java.util.Optional.ofNullable(pointInTime).map(PointInTimeCoordinator::snapshots);
  }

  public StagingVolumes volumes() {
    return volumes;
  }

  /**
   * Deletes a source server's staging volumes and point-in-time snapshots (a finalized cutover, a
   * disconnected or archived server). False while its agent is still connected or a launch holds
   * one of its snapshots: the control plane asks again at the next heartbeat.
   */
  boolean removeSourceServer(String sourceServerId) throws java.io.IOException {
    String prefix = io.liftshift.cloud.VolumeNames.serverPrefix(sourceServerId);
    if (registry.all().stream().anyMatch(w -> w.volume().name().startsWith(prefix))) {
      return false;
    }
    if (pointInTime != null) {
      io.liftshift.cloud.Snapshots snapshots = pointInTime.snapshots();
      boolean held = false;
      for (io.liftshift.cloud.PointInTimeSnapshot s : snapshots.list(sourceServerId)) {
        if (snapshots.holders(s.snapshotSetId()).isEmpty()) {
          snapshots.delete(s.snapshotSetId());
        } else {
          held = true;
        }
      }
      if (held) {
        return false;
      }
    }
    for (io.liftshift.cloud.StagingVolume v : volumes.list()) {
      if (v.name().startsWith(prefix)) {
        volumes.delete(v.name());
      }
    }
    return true;
  }

  /** Stops accepting, tells agents, then fsyncs and closes every staging volume. */
  @Override
  public void close() throws Exception {
    if (fleet != null) {
      fleet.close();
    }
    if (pointInTime != null) {
      pointInTime.close();
    }
    try {
      for (String id : deployments) {
        vertx.undeploy(id).await(30, TimeUnit.SECONDS);
      }
      registry.closeAll().get(60, TimeUnit.SECONDS);
    } finally {
      workers.shutdown();
      workers.awaitTermination(30, TimeUnit.SECONDS);
      if (ownsVertx) {
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }
}
