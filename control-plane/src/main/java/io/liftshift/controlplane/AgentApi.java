package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.Item;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The private API agents use (docs/control-plane.md, "Agent API"): registration with an install
 * token, then heartbeats with the agent's own token. Neither token is valid for the MGN API, and
 * SigV4 is not valid here.
 */
final class AgentApi {
  static final String SOURCE_SERVER = SourceServerService.SOURCE_SERVER;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ControlPlaneStore db;
  private final String region;
  private final ReplicationFleet fleet;
  private final ReplicatorCertificates certificates;

  AgentApi(
      ControlPlaneStore db,
      String region,
      ReplicationFleet fleet,
      ReplicatorCertificates certificates) {
    this.db = db;
    this.region = region;
    this.fleet = fleet;
    this.certificates = certificates;
  }

  /** Issues an install token for {@code role}; only its digest is stored. */
  String createInstallToken(InstallTokenRole role) throws StoreException {
    return InstallTokens.create(db, role);
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static ApiException unauthorized(String message) {
    return new ApiException("AccessDeniedException", 401, message);
  }

  JsonNode handle(String path, String bearer, JsonNode body) throws StoreException, ApiException {
    if (!body.isObject()) {
      throw ApiException.validation("cannotParse", "the request body must be a JSON object");
    }
    ObjectNode request = (ObjectNode) body;
    return ApiTransaction.run(
        db,
        c ->
            switch (path) {
              case "/agent/v1/register" -> register(c, bearer, request);
              case "/agent/v1/heartbeat" -> heartbeat(c, bearer, request);
              case "/replicator/v1/register" -> {
                InstallTokens.check(c, bearer, InstallTokenRole.REPLICATION_SERVER);
                yield fleet.register(c, request);
              }
              case "/replicator/v1/certificate" -> {
                InstallTokens.check(c, bearer, InstallTokenRole.REPLICATION_SERVER);
                yield certificates.issue(request);
              }
              case "/replicator/v1/heartbeat" -> fleet.heartbeat(c, bearer, request);
              case "/converter/v1/job" -> ConverterApi.converterJob(c, bearer);
              case "/converter/v1/report" -> ConverterApi.converterReport(c, bearer, request);
              default -> throw new ApiException("UnknownOperationException", 404, "no " + path);
            });
  }

  private JsonNode register(StoreTransaction c, String installToken, ObjectNode r)
      throws StoreException, ApiException {
    InstallTokens.check(c, installToken, InstallTokenRole.AGENT);
    String account = Account.setting(c, "accountId");
    if (account == null) {
      throw ApiException.uninitialized();
    }
    String machineId = r.path("machineId").asText("");
    String fqdn = r.path("identificationHints").path("fqdn").asText("");
    if (machineId.isBlank() && fqdn.isBlank()) {
      throw ApiException.validation(
          "fieldValidationFailed",
          "machineId: or identificationHints.fqdn is required to identify the server");
    }
    return register(c, account, machineId, fqdn, r);
  }

  private JsonNode register(
      StoreTransaction c, String account, String machineId, String fqdn, ObjectNode r)
      throws StoreException {
    Optional<ObjectNode> existing = findByIdentity(c, machineId, fqdn);
    String now = Ids.now();
    ObjectNode server;
    if (existing.isPresent()) {
      server = existing.get();
    } else {
      String id = Ids.newId("s-");
      server = JSON.createObjectNode();
      server.put("sourceServerID", id);
      server.put("arn", "arn:aws:mgn:" + region + ":" + account + ":source-server/" + id);
      server.put("isArchived", false);
      server.putObject("tags");
      server.put("replicationType", "AGENT_BASED");
      ObjectNode life = server.putObject("lifeCycle");
      life.put("addedToServiceDateTime", now);
      life.put("state", "NOT_READY");
      ObjectNode dri = server.putObject("dataReplicationInfo");
      dri.put("dataReplicationState", "INITIATING");
      ObjectNode init = dri.putObject("dataReplicationInitiation");
      init.put("startDateTime", now);
      ArrayNode steps = init.putArray("steps");
      for (String step :
          new String[] {
            "WAIT",
            "AUTHENTICATE_WITH_SERVICE",
            "CREATE_STAGING_DISKS",
            "PAIR_REPLICATION_SERVER_WITH_AGENT",
            "CONNECT_AGENT_TO_REPLICATION_SERVER",
            "START_DATA_TRANSFER"
          }) {
        steps.addObject().put("name", step).put("status", "NOT_STARTED");
      }
      dri.putArray("replicatedDisks");
    }
    // The installer's --tags: added to the server's tags (a re-run may add more, never removes).
    r.path("tags")
        .fields()
        .forEachRemaining(
            t -> server.withObjectProperty("tags").put(t.getKey(), t.getValue().asText()));
    ObjectNode props = JSON.createObjectNode();
    props.put("lastUpdatedDateTime", now);
    props.set("identificationHints", r.path("identificationHints").deepCopy());
    props.set(
        "networkInterfaces",
        r.path("networkInterfaces").isArray()
            ? r.get("networkInterfaces")
            : JSON.createArrayNode());
    props.set("disks", r.path("disks").isArray() ? r.get("disks") : JSON.createArrayNode());
    props.set("cpus", r.path("cpus").isArray() ? r.get("cpus") : JSON.createArrayNode());
    props.put("ramBytes", r.path("ramBytes").asLong(0));
    props.putObject("os").put("fullString", r.path("os").path("fullString").asText(""));
    server.set("sourceProperties", props);
    ObjectNode step =
        (ObjectNode) server.path("dataReplicationInfo").path("dataReplicationInitiation");
    for (JsonNode s : step.path("steps")) {
      if (s.path("name").asText().equals("AUTHENTICATE_WITH_SERVICE")
          || s.path("name").asText().equals("WAIT")) {
        ((ObjectNode) s).put("status", "SUCCEEDED");
      }
    }
    byte[] t = new byte[32];
    RANDOM.nextBytes(t);
    String agentToken = "lsat-" + HexFormat.of().formatHex(t);
    JsonNode previous = server.path("_private");
    ObjectNode priv = server.putObject("_private");
    // A reinstalled agent starts its replication afresh, but the server's launches stay its own: a
    // relaunch or TerminateTargetInstances must still find them, and a blocked cutover stays so.
    for (String kept :
        List.of(
            "testLaunch",
            "cutoverLaunch",
            JobService.CUTOVER_BLOCKED_BY,
            JobService.TEST_SKIPPED)) {
      if (previous.has(kept)) {
        priv.set(kept, previous.get(kept));
      }
    }
    priv.put("machineId", machineId);
    priv.put("sourceFirmware", r.path("firmware").asText(""));
    priv.put("fqdn", fqdn);
    priv.put("agentTokenSha256", sha256(agentToken));
    priv.put("lastSeenEpochMillis", System.currentTimeMillis());
    ((ObjectNode) server.path("lifeCycle")).put("lastSeenByServiceDateTime", now);
    String id = server.path("sourceServerID").asText();
    if (existing.isPresent()) {
      c.update(SOURCE_SERVER, id, server.toString());
    } else {
      c.insert(SOURCE_SERVER, id, server.toString());
      PostLaunchActionService.copyTemplateActions(c, id);
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("sourceServerID", id);
    out.put("agentToken", agentToken);
    out.put("reRegistered", existing.isPresent());
    fleet.place(c, server).ifPresent(rs -> out.set("replicationServer", endpoint(rs)));
    c.update(SOURCE_SERVER, id, server.toString());
    return out;
  }

  /**
   * The same machine is the same source server: matched by machine id first (stable across NIC
   * changes), then by FQDN; never by MAC address, so a replaced network card does not make a new
   * server and force a full re-replication.
   */
  private Optional<ObjectNode> findByIdentity(StoreTransaction c, String machineId, String fqdn)
      throws StoreException {
    ObjectNode byFqdn = null;
    for (Item row : c.list(SOURCE_SERVER)) {
      ObjectNode s = parse(row.body());
      JsonNode priv = s.path("_private");
      if (s.path("isArchived").asBoolean()) {
        continue;
      }
      if (!machineId.isBlank() && machineId.equals(priv.path("machineId").asText())) {
        return Optional.of(s);
      }
      if (!fqdn.isBlank() && fqdn.equals(priv.path("fqdn").asText()) && byFqdn == null) {
        byFqdn = s;
      }
    }
    return Optional.ofNullable(byFqdn);
  }

  private JsonNode heartbeat(StoreTransaction c, String agentToken, ObjectNode r)
      throws StoreException, ApiException {
    String id = r.path("sourceServerID").asText();
    ObjectNode server = authenticated(c, agentToken, id);
    if (server.path("_private").path("replicationStopped").asBoolean()
        || server.path("isArchived").asBoolean()) {
      // Disconnected from the service: the agent is told to stop (and uninstall itself).
      throw new ApiException(
          "AccessDeniedException",
          410,
          "source server " + id + " was disconnected from the service");
    }
    ObjectNode dri = (ObjectNode) server.path("dataReplicationInfo");
    String desired = server.path("_private").path("desiredReplication").asText("RUNNING");
    return heartbeat(c, server, id, dri, desired, r);
  }

  private ObjectNode authenticated(StoreTransaction c, String agentToken, String id)
      throws StoreException, ApiException {
    if (agentToken == null) {
      throw unauthorized("the agent API needs the agent token from registration");
    }
    ObjectNode server =
        c.body(SOURCE_SERVER, id)
            .map(AgentApi::parse)
            .orElseThrow(() -> unauthorized("the agent token is not valid for " + id));
    if (!MessageDigest.isEqual(
        sha256(agentToken).getBytes(StandardCharsets.US_ASCII),
        server
            .path("_private")
            .path("agentTokenSha256")
            .asText()
            .getBytes(StandardCharsets.US_ASCII))) {
      throw unauthorized("the agent token is not valid for " + id);
    }
    return server;
  }

  private JsonNode heartbeat(
      StoreTransaction c,
      ObjectNode server,
      String id,
      ObjectNode dri,
      String desired,
      ObjectNode r)
      throws StoreException {
    if (r.has("dataReplicationState") && desired.equals("RUNNING")) {
      dri.put("dataReplicationState", r.path("dataReplicationState").asText());
    }
    ObjectNode details = JSON.createObjectNode();
    if (r.path("replicatedDisks").isArray()) {
      ArrayNode disks = JSON.createArrayNode();
      ArrayNode diskDetails = details.putArray("disks");
      for (JsonNode d : r.get("replicatedDisks")) {
        ObjectNode mgn = disks.addObject();
        for (String f : REPLICATED_DISK_MEMBERS) {
          if (d.has(f)) {
            mgn.set(f, d.get(f));
          }
        }
        diskDetails
            .addObject()
            .put("deviceName", d.path("deviceName").asText())
            .put("state", d.path("state").asText(""))
            .put("error", d.path("error").asText(""));
      }
      dri.set("replicatedDisks", disks);
    }
    // As in MGN: once every disk's initial sync is done, the server is ready for testing.
    ObjectNode life = (ObjectNode) server.path("lifeCycle");
    if (life.path("state").asText().equals("NOT_READY") && SourceServerService.launchable(server)) {
      life.put("state", "READY_FOR_TEST");
      life.put("lastSeenByServiceDateTime", Ids.now());
    }
    if (r.has("lagSeconds")) {
      dri.put("lagDuration", "PT" + r.path("lagSeconds").asLong() + "S");
      long backlog = 0;
      for (JsonNode d : r.path("replicatedDisks")) {
        backlog += d.path("backloggedStorageBytes").asLong(0);
      }
      LagHistory.record(c, id, r.path("lagSeconds").asLong(), backlog, System.currentTimeMillis());
    }
    if (r.has("etaSeconds") && r.path("etaSeconds").asLong() > 0) {
      dri.put(
          "etaDateTime",
          java.time.format.DateTimeFormatter.ISO_INSTANT.format(
              Instant.now()
                  .plusSeconds(r.path("etaSeconds").asLong())
                  .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
    } else {
      dri.remove("etaDateTime");
    }
    if (r.path("dataReplicationError").isObject()) {
      dri.putObject("dataReplicationError")
          .put("error", r.path("dataReplicationError").path("error").asText())
          .put("rawError", r.path("dataReplicationError").path("rawError").asText());
    } else {
      dri.remove("dataReplicationError");
    }
    if (r.path("lastSnapshotEpochMillis").asLong(0) > 0) {
      dri.put(
          "lastSnapshotDateTime",
          java.time.format.DateTimeFormatter.ISO_INSTANT.format(
              Instant.ofEpochMilli(r.path("lastSnapshotEpochMillis").asLong())
                  .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
    }
    // liftshift's own figures, beside MGN's shape (SDKs ignore members they do not know).
    details.put("tracker", r.path("tracker").asText(""));
    details.put("throughputBytesPerSecond", r.path("throughputBytesPerSecond").asLong(0));
    details.put("writeRateBytesPerSecond", r.path("writeRateBytesPerSecond").asLong(0));
    details.put("reportedDateTime", Ids.now());
    server.set("liftshift", details);
    ((ObjectNode) server.path("_private")).put("lastSeenEpochMillis", System.currentTimeMillis());
    ((ObjectNode) server.path("lifeCycle")).put("lastSeenByServiceDateTime", Ids.now());
    Optional<ObjectNode> replicator = fleet.place(c, server);
    replicator.ifPresent(rs -> dri.put("replicatorId", rs.path("replicationServerID").asText()));
    c.update(SOURCE_SERVER, id, server.toString());
    ObjectNode out = instructions(c, server);
    replicator.ifPresent(rs -> out.set("replicationServer", endpoint(rs)));
    return out;
  }

  private static final List<String> REPLICATED_DISK_MEMBERS =
      List.of(
          "deviceName",
          "totalStorageBytes",
          "replicatedStorageBytes",
          "rescannedStorageBytes",
          "backloggedStorageBytes");

  /**
   * What the operator wants of the agent, applied without reconnecting. {@code instructionsVersion}
   * changes whenever any of it changes, for the agent's long-poll.
   */
  private static ObjectNode instructions(StoreTransaction c, ObjectNode server)
      throws StoreException {
    String id = server.path("sourceServerID").asText();
    ObjectNode out = JSON.createObjectNode().put("sourceServerID", id);
    String desired = server.path("_private").path("desiredReplication").asText("RUNNING");
    if (!ReplicationFleet.tracked(server)) {
      desired = "STOPPED";
    }
    out.put("replication", desired);
    long throttle =
        c.body("replication-configuration", id)
            .map(AgentApi::parse)
            .map(cfg -> cfg.path("bandwidthThrottling").asLong(0))
            .orElse(0L);
    out.put("bandwidthThrottlingMbps", throttle);
    long version = (desired.hashCode() * 31L + throttle) & Long.MAX_VALUE;
    out.put("instructionsVersion", version);
    return out;
  }

  /**
   * The agent's long-poll: the current instructions, and whether they differ from the version the
   * agent holds (if not, the caller parks the request until they change).
   */
  record Instructions(JsonNode answer, boolean changed) {}

  Instructions instructions(String agentToken, JsonNode r) throws StoreException, ApiException {
    return ApiTransaction.run(
        db,
        c -> {
          ObjectNode server = authenticated(c, agentToken, r.path("sourceServerID").asText());
          ObjectNode out = instructions(c, server);
          return new Instructions(
              out, out.path("instructionsVersion").asLong() != r.path("knownVersion").asLong(-1));
        });
  }

  /** Where the agent sends its disks: the replicator's address (the CA is the installation's). */
  private static ObjectNode endpoint(ObjectNode replicator) {
    return JSON.createObjectNode()
        .put("replicationServerID", replicator.path("replicationServerID").asText())
        .put("host", replicator.path("host").asText())
        .put("port", replicator.path("port").asInt());
  }

  /** Sets an initiation step's status (MGN's dataReplicationInitiation.steps). */
  static void step(ObjectNode server, String name, String status) {
    for (JsonNode s :
        server.path("dataReplicationInfo").path("dataReplicationInitiation").path("steps")) {
      if (s.path("name").asText().equals(name)) {
        ((ObjectNode) s).put("status", status);
      }
    }
  }

  static ObjectNode parse(String body) {
    try {
      return (ObjectNode) JSON.readTree(body);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("stored resource is not JSON", e);
    }
  }

  /** The API view of a stored source server: private fields removed, liveness derived. */
  static ObjectNode view(ObjectNode stored, long agentNotSeenMillis, Instant now) {
    ObjectNode s = stored.deepCopy();
    long lastSeen = s.path("_private").path("lastSeenEpochMillis").asLong(0);
    s.remove("_private");
    boolean tracked =
        !s.path("isArchived").asBoolean()
            && !stored.path("_private").path("replicationStopped").asBoolean();
    if (tracked && now.toEpochMilli() - lastSeen > agentNotSeenMillis) {
      ObjectNode dri = (ObjectNode) s.path("dataReplicationInfo");
      dri.put("dataReplicationState", "DISCONNECTED");
      dri.putObject("dataReplicationError")
          .put("error", "AGENT_NOT_SEEN")
          .put("rawError", "no heartbeat for " + (now.toEpochMilli() - lastSeen) / 1000 + " s");
    }
    return s;
  }
}
