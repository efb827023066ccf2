package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.contract.AgentContract;
import io.liftshift.contract.AgentContract.Heartbeat;
import io.liftshift.contract.AgentContract.Instructions;
import io.liftshift.contract.AgentContract.InstructionsRequest;
import io.liftshift.contract.AgentContract.Registered;
import io.liftshift.contract.AgentContract.Registration;
import io.liftshift.contract.AgentContract.ReplicatedDisk;
import io.liftshift.contract.AgentContract.ReplicationServer;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.Item;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agents' endpoints of the private API ({@link AgentContract}; docs/control-plane.md, "Agent
 * API"): registration with an install token, then heartbeats and the instructions long-poll with
 * the agent's own token. Neither token is valid for the MGN API, and SigV4 is not valid here.
 */
final class AgentEndpoints {
  private static final String SOURCE_SERVER = SourceServerService.SOURCE_SERVER;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ControlPlaneStore db;
  private final String region;
  private final ReplicationFleet fleet;

  AgentEndpoints(ControlPlaneStore db, String region, ReplicationFleet fleet) {
    this.db = db;
    this.region = region;
    this.fleet = fleet;
  }

  JsonNode register(StoreTransaction c, String installToken, ObjectNode raw)
      throws StoreException, ApiException {
    InstallTokens.check(c, installToken, InstallTokenRole.AGENT);
    Registration r = PrivateBodies.read(raw, Registration.class);
    String account = Account.setting(c, "accountId");
    if (account == null) {
      throw ApiException.uninitialized();
    }
    String machineId = orEmpty(r.machineId());
    String fqdn = r.identificationHints() == null ? "" : orEmpty(r.identificationHints().fqdn());
    if (machineId.isBlank() && fqdn.isBlank()) {
      throw ApiException.validation(
          "fieldValidationFailed",
          "machineId: or identificationHints.fqdn is required to identify the server");
    }
    return PrivateBodies.write(register(c, account, machineId, fqdn, r, raw));
  }

  /**
   * Stores the machine as a source server. MGN's SourceProperties members ({@code
   * identificationHints}, {@code networkInterfaces}, {@code disks}, {@code cpus}) are kept as the
   * agent sent them ({@code raw}), members beyond the record included.
   */
  private Registered register(
      StoreTransaction c,
      String account,
      String machineId,
      String fqdn,
      Registration r,
      ObjectNode raw)
      throws StoreException {
    Optional<ObjectNode> existing = findByIdentity(c, machineId, fqdn);
    String now = Ids.now();
    ObjectNode server;
    if (existing.isPresent()) {
      server = existing.get();
    } else {
      String id = Ids.newId("s-");
      server = Json.MAPPER.createObjectNode();
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
    for (Map.Entry<String, String> t : orEmpty(r.tags()).entrySet()) {
      server.withObjectProperty("tags").put(t.getKey(), orEmpty(t.getValue()));
    }
    ObjectNode props = Json.MAPPER.createObjectNode();
    props.put("lastUpdatedDateTime", now);
    props.set("identificationHints", raw.path("identificationHints").deepCopy());
    props.set(
        "networkInterfaces",
        raw.path("networkInterfaces").isArray()
            ? raw.get("networkInterfaces")
            : Json.MAPPER.createArrayNode());
    props.set(
        "disks", raw.path("disks").isArray() ? raw.get("disks") : Json.MAPPER.createArrayNode());
    props.set("cpus", raw.path("cpus").isArray() ? raw.get("cpus") : Json.MAPPER.createArrayNode());
    props.put("ramBytes", r.ramBytes() == null ? 0 : r.ramBytes());
    props.putObject("os").put("fullString", r.os() == null ? "" : orEmpty(r.os().fullString()));
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
    priv.put("sourceFirmware", orEmpty(r.firmware()));
    priv.put("fqdn", fqdn);
    priv.put("agentTokenSha256", BearerTokens.sha256(agentToken));
    priv.put("lastSeenEpochMillis", System.currentTimeMillis());
    ((ObjectNode) server.path("lifeCycle")).put("lastSeenByServiceDateTime", now);
    String id = server.path("sourceServerID").asText();
    if (existing.isPresent()) {
      c.update(SOURCE_SERVER, id, server.toString());
    } else {
      c.insert(SOURCE_SERVER, id, server.toString());
      PostLaunchActionService.copyTemplateActions(c, id);
    }
    ReplicationServer placed = fleet.place(c, server).map(AgentEndpoints::endpoint).orElse(null);
    c.update(SOURCE_SERVER, id, server.toString());
    return new Registered(id, agentToken, existing.isPresent(), placed);
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
      ObjectNode s = Json.parse(row.body());
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

  JsonNode heartbeat(StoreTransaction c, String agentToken, ObjectNode raw)
      throws StoreException, ApiException {
    // The token first: a caller without one learns nothing, not even what its body lacks.
    String id = raw.path("sourceServerID").asText();
    ObjectNode server = authenticated(c, agentToken, id);
    if (server.path("_private").path("replicationStopped").asBoolean()
        || server.path("isArchived").asBoolean()) {
      // Disconnected from the service: the agent is told to stop (and uninstall itself).
      throw new ApiException(
          "AccessDeniedException",
          AgentContract.DISCONNECTED_STATUS,
          "source server " + id + " was disconnected from the service");
    }
    Heartbeat r = PrivateBodies.read(raw, Heartbeat.class);
    ObjectNode dri = (ObjectNode) server.path("dataReplicationInfo");
    String desired = server.path("_private").path("desiredReplication").asText("RUNNING");
    return PrivateBodies.write(heartbeat(c, server, id, dri, desired, r));
  }

  private static ObjectNode authenticated(StoreTransaction c, String agentToken, String id)
      throws StoreException, ApiException {
    if (agentToken == null) {
      throw BearerTokens.unauthorized("the agent API needs the agent token from registration");
    }
    ObjectNode server =
        c.body(SOURCE_SERVER, id)
            .map(Json::parse)
            .orElseThrow(() -> BearerTokens.unauthorized("the agent token is not valid for " + id));
    if (!BearerTokens.matches(
        agentToken, server.path("_private").path("agentTokenSha256").asText())) {
      throw BearerTokens.unauthorized("the agent token is not valid for " + id);
    }
    return server;
  }

  private Instructions heartbeat(
      StoreTransaction c, ObjectNode server, String id, ObjectNode dri, String desired, Heartbeat r)
      throws StoreException {
    if (r.dataReplicationState() != null && desired.equals("RUNNING")) {
      dri.put("dataReplicationState", r.dataReplicationState());
    }
    ObjectNode details = Json.MAPPER.createObjectNode();
    if (r.replicatedDisks() != null) {
      ArrayNode disks = Json.MAPPER.createArrayNode();
      ArrayNode diskDetails = details.putArray("disks");
      for (ReplicatedDisk d : r.replicatedDisks()) {
        disks.add(mgnDisk(d));
        diskDetails
            .addObject()
            .put("deviceName", orEmpty(d.deviceName()))
            .put("state", orEmpty(d.state()))
            .put("error", orEmpty(d.error()));
      }
      dri.set("replicatedDisks", disks);
    }
    // As in MGN: once every disk's initial sync is done, the server is ready for testing.
    ObjectNode life = (ObjectNode) server.path("lifeCycle");
    if (life.path("state").asText().equals("NOT_READY") && SourceServerService.launchable(server)) {
      life.put("state", "READY_FOR_TEST");
      life.put("lastSeenByServiceDateTime", Ids.now());
    }
    if (r.lagSeconds() != null) {
      dri.put("lagDuration", "PT" + r.lagSeconds() + "S");
      long backlog = 0;
      for (ReplicatedDisk d : orEmpty(r.replicatedDisks())) {
        backlog += d.backloggedStorageBytes() == null ? 0 : d.backloggedStorageBytes();
      }
      LagHistory.record(c, id, r.lagSeconds(), backlog, System.currentTimeMillis());
    }
    if (r.etaSeconds() != null && r.etaSeconds() > 0) {
      dri.put(
          "etaDateTime",
          DateTimeFormatter.ISO_INSTANT.format(
              Instant.now().plusSeconds(r.etaSeconds()).truncatedTo(ChronoUnit.SECONDS)));
    } else {
      dri.remove("etaDateTime");
    }
    if (r.dataReplicationError() != null) {
      dri.putObject("dataReplicationError")
          .put("error", orEmpty(r.dataReplicationError().error()))
          .put("rawError", orEmpty(r.dataReplicationError().rawError()));
    } else {
      dri.remove("dataReplicationError");
    }
    if (r.lastSnapshotEpochMillis() != null && r.lastSnapshotEpochMillis() > 0) {
      dri.put(
          "lastSnapshotDateTime",
          DateTimeFormatter.ISO_INSTANT.format(
              Instant.ofEpochMilli(r.lastSnapshotEpochMillis()).truncatedTo(ChronoUnit.SECONDS)));
    }
    // liftshift's own figures, beside MGN's shape (SDKs ignore members they do not know).
    details.put("tracker", orEmpty(r.tracker()));
    details.put("throughputBytesPerSecond", orZero(r.throughputBytesPerSecond()));
    details.put("writeRateBytesPerSecond", orZero(r.writeRateBytesPerSecond()));
    details.put("reportedDateTime", Ids.now());
    server.set("liftshift", details);
    ((ObjectNode) server.path("_private")).put("lastSeenEpochMillis", System.currentTimeMillis());
    ((ObjectNode) server.path("lifeCycle")).put("lastSeenByServiceDateTime", Ids.now());
    Optional<ObjectNode> replicator = fleet.place(c, server);
    replicator.ifPresent(rs -> dri.put("replicatorId", rs.path("replicationServerID").asText()));
    c.update(SOURCE_SERVER, id, server.toString());
    Instructions out = instructions(c, server);
    return replicator.map(rs -> out.placedOn(endpoint(rs))).orElse(out);
  }

  /** MGN's members of a replicated disk, those the agent sent. */
  private static ObjectNode mgnDisk(ReplicatedDisk d) {
    ObjectNode mgn = Json.MAPPER.createObjectNode();
    if (d.deviceName() != null) {
      mgn.put("deviceName", d.deviceName());
    }
    putIfSent(mgn, "totalStorageBytes", d.totalStorageBytes());
    putIfSent(mgn, "replicatedStorageBytes", d.replicatedStorageBytes());
    putIfSent(mgn, "rescannedStorageBytes", d.rescannedStorageBytes());
    putIfSent(mgn, "backloggedStorageBytes", d.backloggedStorageBytes());
    return mgn;
  }

  private static void putIfSent(ObjectNode node, String name, Long value) {
    if (value != null) {
      node.put(name, value);
    }
  }

  /**
   * What the operator wants of the agent, applied without reconnecting. {@code instructionsVersion}
   * changes whenever any of it changes, for the agent's long-poll.
   */
  private static Instructions instructions(StoreTransaction c, ObjectNode server)
      throws StoreException {
    String id = server.path("sourceServerID").asText();
    String desired = server.path("_private").path("desiredReplication").asText("RUNNING");
    if (!ReplicationFleet.tracked(server)) {
      desired = "STOPPED";
    }
    long throttle =
        c.body("replication-configuration", id)
            .map(Json::parse)
            .map(cfg -> cfg.path("bandwidthThrottling").asLong(0))
            .orElse(0L);
    long version = (desired.hashCode() * 31L + throttle) & Long.MAX_VALUE;
    return new Instructions(id, desired, throttle, version, null);
  }

  /**
   * The agent's long-poll: the current instructions, and whether they differ from the version the
   * agent holds (if not, the caller parks the request until they change).
   */
  record Poll(JsonNode answer, boolean changed) {}

  Poll instructions(String agentToken, JsonNode body) throws StoreException, ApiException {
    return ApiTransaction.run(
        db,
        c -> {
          ObjectNode server = authenticated(c, agentToken, body.path("sourceServerID").asText());
          InstructionsRequest r = PrivateBodies.read(body, InstructionsRequest.class);
          Instructions out = instructions(c, server);
          long known = r.knownVersion() == null ? -1 : r.knownVersion();
          return new Poll(PrivateBodies.write(out), out.instructionsVersion() != known);
        });
  }

  /** Where the agent sends its disks: the replicator's address (the CA is the installation's). */
  private static ReplicationServer endpoint(ObjectNode replicator) {
    return new ReplicationServer(
        replicator.path("replicationServerID").asText(),
        replicator.path("host").asText(),
        replicator.path("port").asInt());
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static long orZero(Long n) {
    return n == null ? 0 : n;
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
    return map == null ? Map.of() : map;
  }
}
