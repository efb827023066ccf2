package io.liftshift.controlplane;

import io.liftshift.controlplane.api.ServiceModel;
import io.liftshift.controlplane.auth.AccessKeys;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.InstallationCa;
import io.liftshift.trust.ServerIdentity;
import io.liftshift.trust.ServerRole;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A running control plane: its database, access keys, TLS identity and HTTPS verticle. */
public final class ControlPlane implements AutoCloseable {
  public static final String DEFAULT_REGION = "us-east-1";

  private final Vertx vertx;
  private final ControlPlaneStore db;
  private final AccessKeys keys;
  private final PrivateApi privateApi;
  private final OperationRouter operations;
  private final Services services;
  private final ReplicationFleet fleet;
  private final int port;
  private final CaFingerprint ca;

  private ControlPlane(
      Vertx vertx,
      ControlPlaneStore db,
      AccessKeys keys,
      PrivateApi privateApi,
      OperationRouter operations,
      Services services,
      LaunchQueue queue,
      ReplicationFleet fleet,
      int port,
      CaFingerprint ca) {
    this.queue = queue;
    this.fleet = fleet;
    this.privateApi = privateApi;
    this.operations = operations;
    this.services = services;
    this.vertx = vertx;
    this.db = db;
    this.keys = keys;
    this.port = port;
    this.ca = ca;
  }

  /** An agent not heard from for this long is shown DISCONNECTED with AGENT_NOT_SEEN. */
  public static final long DEFAULT_AGENT_NOT_SEEN_MILLIS = 5 * 60_000L;

  /**
   * A control plane for this one machine: its state in {@code dir/cp}, its CA in {@code dir/ca},
   * serving on 127.0.0.1 at a free port under the names localhost and 127.0.0.1.
   */
  public static ControlPlane startOnLoopback(Path dir) throws Exception {
    return start(
        dir.resolve("cp"),
        dir.resolve("ca"),
        "127.0.0.1",
        0,
        DEFAULT_REGION,
        List.of("localhost", "127.0.0.1"));
  }

  /** Opens the state in {@code dataDir} and serves on host:port (0 picks a free port). */
  public static ControlPlane start(
      Path dataDir, Path caDir, String host, int port, String region, List<String> names)
      throws Exception {
    return start(dataDir, caDir, host, port, region, names, DEFAULT_AGENT_NOT_SEEN_MILLIS);
  }

  public static ControlPlane start(
      Path dataDir,
      Path caDir,
      String host,
      int port,
      String region,
      List<String> names,
      long agentNotSeenMillis)
      throws Exception {
    return start(
        dataDir,
        caDir,
        host,
        port,
        region,
        names,
        agentNotSeenMillis,
        ReplicationFleet.DEFAULT_REPLICATOR_LOST_MILLIS);
  }

  /**
   * @param replicatorLostMillis a replicator silent this long loses its source servers to others
   */
  public static ControlPlane start(
      Path dataDir,
      Path caDir,
      String host,
      int port,
      String region,
      List<String> names,
      long agentNotSeenMillis,
      long replicatorLostMillis)
      throws Exception {
    InstallationCa installationCa = InstallationCa.loadOrCreate(caDir);
    ServerIdentity identity =
        installationCa.ensureServerIdentity(
            dataDir.resolve("tls"), ServerRole.CONTROL_PLANE, names);
    ControlPlaneStore db =
        io.liftshift.controlplane.store.SqliteStore.open(dataDir.resolve("control-plane.db"));
    AccessKeys keys = AccessKeys.open(db, dataDir.resolve("master.key"));
    Vertx vertx = Vertx.vertx();
    try {
      ReplicationFleet fleet = new ReplicationFleet(replicatorLostMillis);
      PrivateApi privateApi =
          new PrivateApi(db, region, fleet, new ReplicatorCertificates(installationCa));
      Path scripts = Files.createDirectories(dataDir.resolve(POST_LAUNCH_SCRIPTS));
      Services services = Services.create(region, agentNotSeenMillis, scripts);
      LaunchQueue queue = new LaunchQueue();
      OperationRouter operations = new OperationRouter(db, services, queue);
      ControlPlaneVerticle v =
          new ControlPlaneVerticle(
              host,
              port,
              region,
              identity,
              keys,
              operations,
              privateApi,
              fleet,
              db,
              ServiceModel.load());
      vertx.deployVerticle(v).await(30, TimeUnit.SECONDS);
      return new ControlPlane(
          vertx,
          db,
          keys,
          privateApi,
          operations,
          services,
          queue,
          fleet,
          v.actualPort(),
          installationCa.fingerprint());
    } catch (Exception e) {
      vertx.close();
      db.close();
      throw e;
    }
  }

  /**
   * Runs StartTest and StartCutover jobs through {@code cloud} from now on (without it they stay
   * PENDING). Jobs a previous process left STARTED are ended first, what they had made released
   * ({@code InterruptedLaunches}).
   */
  public void enableLaunches(
      io.liftshift.cloud.LaunchCloud cloud,
      long firstBootTimeoutMillis,
      long freshSnapshotTimeoutMillis) {
    LaunchRunner runner =
        new LaunchRunner(
            db,
            services.configurations(),
            services.actions().postLaunchScriptsDir(),
            cloud,
            new LaunchRunner.Settings(firstBootTimeoutMillis, freshSnapshotTimeoutMillis));
    if (!queue.runs()) {
      // Only a job of an earlier process can be STARTED before this process first runs launches.
      runner.endInterruptedJobs();
    }
    queue.runThrough(runner);
  }

  /** The defaults: first boot within 15 minutes, a fresh snapshot within 2. */
  public void enableLaunches(io.liftshift.cloud.LaunchCloud cloud) {
    enableLaunches(
        cloud,
        LaunchRunner.DEFAULT_FIRST_BOOT_TIMEOUT_MILLIS,
        LaunchRunner.DEFAULT_FRESH_SNAPSHOT_TIMEOUT_MILLIS);
  }

  /** Launch jobs, which stay PENDING until launches are enabled. */
  private final LaunchQueue queue;

  /** Opens only the key store, for {@code liftshift admin} commands. */
  public static AccessKeys accessKeys(ControlPlaneStore db, Path dataDir)
      throws java.io.IOException {
    return AccessKeys.open(db, dataDir.resolve("master.key"));
  }

  /**
   * The directory under the control plane's data directory from which post-launch actions' scripts
   * are read ({@code file:///…/post-launch-scripts/NAME}); nothing outside it.
   */
  public static final String POST_LAUNCH_SCRIPTS = "post-launch-scripts";

  /** Where post-launch action scripts go, as file URIs name them. */
  public Path postLaunchScriptsDir() {
    return services.actions().postLaunchScriptsDir();
  }

  public int port() {
    return port;
  }

  public CaFingerprint caFingerprint() {
    return ca;
  }

  /**
   * Runs an MGN operation in-process, as an operator would over the API (the quickstart uses it);
   * the request is the operation's JSON body. Returns the answer's JSON text, or "" for none.
   */
  public String call(String operation, String requestJson) throws Exception {
    var request =
        (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(requestJson);
    var answer = operations.run(operation, request);
    return answer == null ? "" : answer.toString();
  }

  public AccessKeys accessKeys() {
    return keys;
  }

  /** Issues an install token for agents (shown once; only its digest is kept). */
  public String createInstallToken() throws io.liftshift.controlplane.store.StoreException {
    return privateApi.createInstallToken(InstallTokenRole.AGENT);
  }

  /**
   * Issues an install token for replication servers: it registers them and certifies their 1500
   * port, so it is never the agents' token.
   */
  public String createReplicationServerToken()
      throws io.liftshift.controlplane.store.StoreException {
    return privateApi.createInstallToken(InstallTokenRole.REPLICATION_SERVER);
  }

  /** Issues an install token against a database directly, for {@code liftshift admin}. */
  public static String createInstallToken(ControlPlaneStore db, InstallTokenRole role)
      throws io.liftshift.controlplane.store.StoreException {
    return InstallTokens.create(db, role);
  }

  /** Revokes an install token (a leaked one); false when it is none of this installation's. */
  public static boolean revokeInstallToken(ControlPlaneStore db, String token)
      throws io.liftshift.controlplane.store.StoreException {
    return InstallTokens.revoke(db, token);
  }

  /**
   * The replication fleet's need as JSON: tracked servers and disks, live replicators, and the
   * desired count ({@code ceil(disks / 15)}) the fleet's Auto Scaling group follows.
   */
  public String fleetNeed() throws io.liftshift.controlplane.store.StoreException {
    return db.transaction(c -> fleet.need(c).toJson().toString());
  }

  /** The fleet need read from a database directly, for {@code liftshift admin fleet}. */
  public static String fleetNeed(ControlPlaneStore db)
      throws io.liftshift.controlplane.store.StoreException {
    return db.transaction(
        c ->
            new ReplicationFleet(ReplicationFleet.DEFAULT_REPLICATOR_LOST_MILLIS)
                .need(c)
                .toJson()
                .toString());
  }

  @Override
  public void close() throws Exception {
    queue.close();
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } finally {
      db.close();
    }
  }
}
