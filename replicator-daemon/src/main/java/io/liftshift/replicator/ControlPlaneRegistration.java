package io.liftshift.replicator;

import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
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
  private final HttpClient http;
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
    this.http =
        HttpClient.newBuilder()
            .sslContext(TlsPolicy.pinnedClientContext(ca, ServerRole.CONTROL_PLANE))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
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
              "/replicator/v1/heartbeat",
              token,
              new JsonObject()
                  .put("replicationServerID", replicationServerId)
                  .put("activeDisks", activeDisks.getAsInt())
                  .put("removedServers", new JsonArray(new java.util.ArrayList<>(removed))));
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
      JsonObject answer = new JsonObject(r.body());
      Map<String, String> servers = new HashMap<>();
      JsonArray list = answer.getJsonArray("sourceServers", new JsonArray());
      for (int i = 0; i < list.size(); i++) {
        JsonObject s = list.getJsonObject(i);
        servers.put(s.getString("sourceServerID"), s.getString("agentTokenSha256"));
        long asked = s.getLong("snapshotRequestedEpochMillis", 0L);
        if (asked > 0) {
          settings.snapshotRequested(s.getString("sourceServerID"), asked);
        }
        JsonArray rules = s.getJsonArray("pitPolicy");
        if (rules != null) {
          try {
            settings.pitPolicy(
                s.getString("sourceServerID"),
                io.liftshift.cloud.PointInTimePolicy.fromRules(rules.getList()));
          } catch (IllegalArgumentException e) {
            LOG.warning("PIT policy of " + s.getString("sourceServerID") + ": " + e.getMessage());
          }
        }
      }
      admission.replaceServerTokens(servers);
      java.util.Set<String> stillToRemove = new java.util.HashSet<>();
      JsonArray remove = answer.getJsonArray("removeServers", new JsonArray());
      for (int i = 0; i < remove.size(); i++) {
        String server = remove.getString(i);
        stillToRemove.add(server);
        if (!removed.contains(server) && settings.remove(server)) {
          LOG.info("removed the staging volumes and snapshots of " + server);
          removed.add(server);
        }
      }
      // Reported until the control plane stops asking.
      removed.retainAll(stillToRemove);
      lastFleet = answer.getJsonObject("fleet", new JsonObject());
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
    JsonObject body =
        new JsonObject()
            .put("host", options.advertisedHost())
            .put("port", port)
            .put("maxDisks", options.maxActiveDisks());
    if (localSnapshotsDir != null) {
      body.put("localSnapshotsDir", localSnapshotsDir);
    }
    if (p.getProperty("replicationServerID") != null) {
      body.put("replicationServerID", p.getProperty("replicationServerID"));
    }
    HttpResponse<String> r = post("/replicator/v1/register", options.installToken(), body);
    if (r.statusCode() != 200) {
      throw new IOException("registration refused (" + r.statusCode() + "): " + r.body());
    }
    JsonObject answer = new JsonObject(r.body());
    replicationServerId = answer.getString("replicationServerID");
    token = answer.getString("replicatorToken");
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

  private HttpResponse<String> post(String path, String bearer, JsonObject body)
      throws IOException {
    HttpRequest req =
        HttpRequest.newBuilder(
                URI.create(options.controlPlaneEndpoint().replaceAll("/+$", "") + path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + bearer)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
            .build();
    try {
      return http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
