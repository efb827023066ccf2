package io.liftshift.replicator;

import io.liftshift.contract.ContractJson;
import io.liftshift.contract.PrivateApiClient;
import io.liftshift.contract.ReplicatorContract;
import io.liftshift.contract.ReplicatorContract.HeartbeatAnswer;
import io.liftshift.contract.ReplicatorContract.PlacedServer;
import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.logging.Logger;

/**
 * This replicator's membership of the fleet (docs/control-plane.md, "Replicator API"): it registers
 * with an install token, keeps its id across restarts, and heartbeats on its own thread, never on
 * an event loop. Each answer names the source servers placed here and their agents' credentials.
 */
final class ControlPlaneRegistration implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ControlPlaneRegistration.class.getName());
  private static final String STATE_FILE = "replicator.properties";

  private final ReplicatorOptions options;
  private final int port;
  private final AgentAdmission admission;
  private final PlacedServerSettings settings;
  private final java.util.Set<String> removed = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final String localSnapshotsDir;

  /** What the control plane says about each server placed here, beyond its credential. */
  interface PlacedServerSettings {
    void pitPolicy(String sourceServerId, io.liftshift.cloud.PointInTimePolicy policy);

    /** Deletes the server's staging volumes and snapshots; false when it must wait. */
    boolean remove(String sourceServerId) throws IOException;

    /** A launch asked for a fresh snapshot at this time (epoch millis). */
    void snapshotRequested(String sourceServerId, long epochMillis);
  }

  private final IntSupplier activeDisks;
  private final PrivateApiClient controlPlane;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "control-plane-heartbeat");
            t.setDaemon(true);
            return t;
          });
  private volatile String replicationServerId;
  private volatile String token;
  private volatile JsonObject lastFleet = new JsonObject();

  ControlPlaneRegistration(
      ReplicatorOptions options,
      int port,
      CaFingerprint ca,
      AgentAdmission admission,
      IntSupplier activeDisks,
      PlacedServerSettings settings,
      String localSnapshotsDir) {
    this.settings = settings;
    this.localSnapshotsDir = localSnapshotsDir;
    this.options = options;
    this.port = port;
    this.admission = admission;
    this.activeDisks = activeDisks;
    this.controlPlane =
        new PrivateApiClient(
            HttpClient.newBuilder()
                .sslContext(TlsPolicy.pinnedClientContext(ca, ServerRole.CONTROL_PLANE))
                .connectTimeout(Duration.ofSeconds(5))
                .build(),
            options.controlPlaneEndpoint());
  }

  /** Registers (retrying in the background if the control plane is not reachable yet). */
  void start() {
    admission.onUnknownAgent(this::heartbeatQuietly);
    heartbeatQuietly();
    timer.scheduleWithFixedDelay(
        this::heartbeatQuietly,
        options.heartbeatIntervalMillis(),
        options.heartbeatIntervalMillis(),
        TimeUnit.MILLISECONDS);
  }

  String replicationServerId() {
    return replicationServerId;
  }

  /** The fleet need as the control plane last reported it. */
  JsonObject fleet() {
    return lastFleet;
  }

  private synchronized void heartbeatQuietly() {
    try {
      if (token == null) {
        register();
      }
      HttpResponse<String> r =
          post(
              ReplicatorContract.HEARTBEAT,
              token,
              new ReplicatorContract.Heartbeat(
                  replicationServerId, activeDisks.getAsInt(), new java.util.ArrayList<>(removed)));
      if (r.statusCode() == 401) {
        // The control plane no longer knows this token (its state was restored, or we were
        // re-registered elsewhere): register again under the same id.
        token = null;
        register();
        return;
      }
      if (r.statusCode() != 200) {
        throw new IOException("heartbeat refused (" + r.statusCode() + "): " + r.body());
      }
      HeartbeatAnswer answer = ContractJson.read(r.body(), HeartbeatAnswer.class);
      Map<String, String> servers = new HashMap<>();
      for (PlacedServer s : listOrEmpty(answer.sourceServers())) {
        servers.put(s.sourceServerID(), s.agentTokenSha256());
        if (s.snapshotRequestedEpochMillis() > 0) {
          settings.snapshotRequested(s.sourceServerID(), s.snapshotRequestedEpochMillis());
        }
        if (s.pitPolicy() != null) {
          try {
            settings.pitPolicy(
                s.sourceServerID(), io.liftshift.cloud.PointInTimePolicy.fromRules(s.pitPolicy()));
          } catch (IllegalArgumentException e) {
            LOG.warning("PIT policy of " + s.sourceServerID() + ": " + e.getMessage());
          }
        }
      }
      admission.replaceServerTokens(servers);
      java.util.Set<String> stillToRemove = new java.util.HashSet<>();
      for (String server : listOrEmpty(answer.removeServers())) {
        stillToRemove.add(server);
        if (!removed.contains(server) && settings.remove(server)) {
          LOG.info("removed the staging volumes and snapshots of " + server);
          removed.add(server);
        }
      }
      // Reported until the control plane stops asking.
      removed.retainAll(stillToRemove);
      lastFleet =
          answer.fleet() == null
              ? new JsonObject()
              : new JsonObject(ContractJson.write(answer.fleet()));
    } catch (IOException | RuntimeException e) {
      LOG.warning("control plane " + options.controlPlaneEndpoint() + ": " + e.getMessage());
    }
  }

  private void register() throws IOException {
    Path state = options.dataDir().resolve(STATE_FILE);
    Properties p = new Properties();
    if (Files.exists(state)) {
      try (var in = Files.newInputStream(state)) {
        p.load(in);
      }
    }
    ReplicatorContract.Registration body =
        new ReplicatorContract.Registration(
            options.advertisedHost(),
            port,
            options.maxActiveDisks(),
            localSnapshotsDir,
            p.getProperty("replicationServerID"));
    HttpResponse<String> r = post(ReplicatorContract.REGISTER, options.installToken(), body);
    if (r.statusCode() != 200) {
      throw new IOException("registration refused (" + r.statusCode() + "): " + r.body());
    }
    ReplicatorContract.Registered answer =
        ContractJson.read(r.body(), ReplicatorContract.Registered.class);
    replicationServerId = answer.replicationServerID();
    token = answer.replicatorToken();
    p.setProperty("replicationServerID", replicationServerId);
    Files.createDirectories(options.dataDir());
    Path tmp = options.dataDir().resolve(STATE_FILE + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (var out = Files.newOutputStream(tmp)) {
      p.store(out, "liftshift replication server identity");
    }
    Files.move(tmp, state, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    LOG.info("registered with the control plane as replication server " + replicationServerId);
  }

  private HttpResponse<String> post(String path, String bearer, Object body) throws IOException {
    return controlPlane.post(path, bearer, ContractJson.write(body), Duration.ofSeconds(10));
  }

  private static <T> java.util.List<T> listOrEmpty(java.util.List<T> list) {
    return list == null ? java.util.List.of() : list;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
