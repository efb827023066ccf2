package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.Item;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The replication-server fleet: replicators register and heartbeat here, and every source server's
 * disks are placed on one replicator with room (one replicator per server, so that its
 * point-in-time snapshots can be consistent across all its disks). The fleet need it reports is
 * what the fleet's Auto Scaling group follows.
 */
final class ReplicationFleet {
  static final String REPLICATION_SERVER = "replication-server";

  /** Disks one replicator takes unless it registers with another limit (a t3.small's share). */
  static final int DEFAULT_DISKS_PER_REPLICATOR = 15;

  /**
   * A replicator silent for this long loses its source servers to another one. Long on purpose: a
   * move means a full resync onto new staging volumes, which a reboot or a short outage must not
   * cause.
   */
  static final long DEFAULT_REPLICATOR_LOST_MILLIS = 15 * 60_000L;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final long replicatorLostMillis;

  ReplicationFleet(long replicatorLostMillis) {
    this.replicatorLostMillis = replicatorLostMillis;
  }

  /** What the fleet should be: {@code ceil(disks / 15)} replicators for the tracked disks. */
  record FleetNeed(
      int trackedSourceServers,
      int trackedDisks,
      int unassignedDisks,
      int liveReplicators,
      int desiredReplicators) {
    ObjectNode toJson() {
      return JSON.createObjectNode()
          .put("trackedSourceServers", trackedSourceServers)
          .put("trackedDisks", trackedDisks)
          .put("unassignedDisks", unassignedDisks)
          .put("liveReplicators", liveReplicators)
          .put("desiredReplicators", desiredReplicators)
          .put("disksPerReplicator", DEFAULT_DISKS_PER_REPLICATOR);
    }
  }

  JsonNode register(StoreTransaction c, ObjectNode r) throws StoreException, ApiException {
    String host = r.path("host").asText("");
    int port = r.path("port").asInt(0);
    if (host.isBlank() || port <= 0 || port > 65535) {
      throw ApiException.validation(
          "fieldValidationFailed", "host and port (1..65535) are required: where agents connect");
    }
    int maxDisks = r.path("maxDisks").asInt(DEFAULT_DISKS_PER_REPLICATOR);
    if (maxDisks < 1 || maxDisks > 1024) {
      throw ApiException.validation("fieldValidationFailed", "maxDisks: must be 1..1024");
    }
    String id = r.path("replicationServerID").asText("");
    ObjectNode stored =
        id.isBlank() ? null : c.body(REPLICATION_SERVER, id).map(AgentApi::parse).orElse(null);
    boolean existing = stored != null;
    if (!existing) {
      id = Ids.newId("rs-");
      stored = JSON.createObjectNode();
      stored.put("replicationServerID", id);
      stored.put("registeredDateTime", Ids.now());
    }
    byte[] t = new byte[32];
    RANDOM.nextBytes(t);
    String token = "lsrt-" + HexFormat.of().formatHex(t);
    stored.put("host", host).put("port", port).put("maxDisks", maxDisks);
    ObjectNode priv = stored.putObject("_private");
    priv.put("tokenSha256", AgentApi.sha256(token));
    // Where a local-cloud replicator keeps its snapshots: launches on this machine read them.
    priv.put("localSnapshotsDir", r.path("localSnapshotsDir").asText(""));
    priv.put("lastSeenEpochMillis", System.currentTimeMillis());
    if (existing) {
      c.update(REPLICATION_SERVER, id, stored.toString());
    } else {
      c.insert(REPLICATION_SERVER, id, stored.toString());
    }
    return JSON.createObjectNode()
        .put("replicationServerID", id)
        .put("replicatorToken", token)
        .put("reRegistered", existing);
  }

  /**
   * A replicator's heartbeat. The answer lists the source servers placed on it with their agents'
   * token digests, so it admits exactly those agents, each only as its own server.
   */
  JsonNode heartbeat(StoreTransaction c, String token, ObjectNode r)
      throws StoreException, ApiException {
    String id = r.path("replicationServerID").asText("");
    ObjectNode stored =
        c.body(REPLICATION_SERVER, id)
            .map(AgentApi::parse)
            .orElseThrow(() -> AgentApi.unauthorized("the replicator token is not valid"));
    if (token == null
        || !MessageDigest.isEqual(
            AgentApi.sha256(token).getBytes(StandardCharsets.US_ASCII),
            stored
                .path("_private")
                .path("tokenSha256")
                .asText()
                .getBytes(StandardCharsets.US_ASCII))) {
      throw AgentApi.unauthorized("the replicator token is not valid for " + id);
    }
    ObjectNode priv = (ObjectNode) stored.path("_private");
    priv.put("lastSeenEpochMillis", System.currentTimeMillis());
    priv.put("activeDisks", r.path("activeDisks").asInt(0));
    c.update(REPLICATION_SERVER, id, stored.toString());
    // Servers waiting for room are placed as soon as a replicator has it.
    for (Item row : c.list(AgentApi.SOURCE_SERVER)) {
      ObjectNode server = AgentApi.parse(row.body());
      if (tracked(server) && server.path("_private").path("replicationServerID").isMissingNode()) {
        place(c, server);
      }
    }
    java.util.Set<String> removedHere = new java.util.HashSet<>();
    r.path("removedServers").forEach(n -> removedHere.add(n.asText()));
    ObjectNode out = JSON.createObjectNode().put("replicationServerID", id);
    ArrayNode remove = out.putArray("removeServers");
    for (Item row : c.query(AgentApi.SOURCE_SERVER, "replicationServerID", id)) {
      ObjectNode server = AgentApi.parse(row.body());
      ObjectNode p = (ObjectNode) server.path("_private");
      if (tracked(server)
          || !id.equals(p.path("replicationServerID").asText())
          || p.path("stagingRemoved").asBoolean()) {
        continue;
      }
      if (removedHere.contains(row.id())) {
        // The replicator deleted the staging volumes and snapshots: the cleanup is done.
        p.put("stagingRemoved", true);
        c.update(AgentApi.SOURCE_SERVER, row.id(), server.toString());
        String job = p.path("cleanupJobID").asText("");
        if (!job.isEmpty()) {
          JobService.appendJobLog(
              c,
              job,
              "CLEANUP_END",
              java.util.Map.of(
                  "sourceServerID", row.id(), "rawError", "staging volumes and snapshots deleted"));
        }
      } else {
        remove.add(row.id());
      }
    }
    ArrayNode servers = out.putArray("sourceServers");
    for (Item row : c.query(AgentApi.SOURCE_SERVER, "replicationServerID", id)) {
      ObjectNode server = AgentApi.parse(row.body());
      JsonNode p = server.path("_private");
      if (tracked(server) && id.equals(p.path("replicationServerID").asText())) {
        servers
            .addObject()
            .put("sourceServerID", row.id())
            .put("agentTokenSha256", p.path("agentTokenSha256").asText())
            .put("diskCount", diskCount(server))
            .put("snapshotRequestedEpochMillis", p.path("snapshotRequestedEpochMillis").asLong(0))
            .set(
                PitPolicies.PIT_POLICY,
                PitPolicies.of(
                    c.body("replication-configuration", row.id())
                        .map(AgentApi::parse)
                        .orElse(JSON.createObjectNode())));
      }
    }
    out.set("fleet", need(c).toJson());
    return out;
  }

  static boolean tracked(ObjectNode server) {
    return !server.path("isArchived").asBoolean()
        && !server.path("_private").path("replicationStopped").asBoolean();
  }

  static int diskCount(JsonNode server) {
    return Math.max(1, server.path("sourceProperties").path("disks").size());
  }

  /** Whether the replicator has reported within the lost-after time (the console shows it). */
  boolean live(JsonNode replicator, long nowMillis) {
    return nowMillis - replicator.path("_private").path("lastSeenEpochMillis").asLong(0)
        <= replicatorLostMillis;
  }

  /**
   * Places the server on a replicator when it has none (or its replicator was lost), storing the
   * choice in the server; empty while no live replicator has room for all its disks. The caller
   * saves the server.
   */
  Optional<ObjectNode> place(StoreTransaction c, ObjectNode server) throws StoreException {
    ObjectNode priv = (ObjectNode) server.path("_private");
    if (!tracked(server)) {
      priv.remove("replicationServerID");
      return Optional.empty();
    }
    long now = System.currentTimeMillis();
    Map<String, ObjectNode> replicators = new HashMap<>();
    for (Item row : c.list(REPLICATION_SERVER)) {
      replicators.put(row.id(), AgentApi.parse(row.body()));
    }
    String current = priv.path("replicationServerID").asText("");
    ObjectNode assigned = replicators.get(current);
    if (assigned != null && live(assigned, now)) {
      return Optional.of(assigned);
    }
    Map<String, Integer> load = new HashMap<>();
    String self = server.path("sourceServerID").asText();
    for (Item row : c.list(AgentApi.SOURCE_SERVER)) {
      ObjectNode other = AgentApi.parse(row.body());
      String on = other.path("_private").path("replicationServerID").asText("");
      if (!row.id().equals(self) && tracked(other) && !on.isEmpty()) {
        load.merge(on, diskCount(other), Integer::sum);
      }
    }
    int disks = diskCount(server);
    ObjectNode best = null;
    int bestFree = -1;
    for (ObjectNode r : replicators.values()) {
      int free =
          r.path("maxDisks").asInt(DEFAULT_DISKS_PER_REPLICATOR)
              - load.getOrDefault(r.path("replicationServerID").asText(), 0);
      // The least loaded live replicator with room for every disk of the server.
      if (live(r, now)
          && free >= disks
          && (free > bestFree
              || free == bestFree
                  && r.path("replicationServerID")
                          .asText()
                          .compareTo(best.path("replicationServerID").asText())
                      < 0)) {
        best = r;
        bestFree = free;
      }
    }
    if (best == null) {
      priv.remove("replicationServerID");
      AgentApi.step(server, "PAIR_REPLICATION_SERVER_WITH_AGENT", "IN_PROGRESS");
      return Optional.empty();
    }
    priv.put("replicationServerID", best.path("replicationServerID").asText());
    AgentApi.step(server, "CREATE_STAGING_DISKS", "SUCCEEDED");
    AgentApi.step(server, "PAIR_REPLICATION_SERVER_WITH_AGENT", "SUCCEEDED");
    c.update(AgentApi.SOURCE_SERVER, self, server.toString());
    return Optional.of(best);
  }

  FleetNeed need(StoreTransaction c) throws StoreException {
    long now = System.currentTimeMillis();
    int servers = 0;
    int disks = 0;
    int unassigned = 0;
    for (Item row : c.list(AgentApi.SOURCE_SERVER)) {
      ObjectNode s = AgentApi.parse(row.body());
      if (tracked(s)) {
        servers++;
        disks += diskCount(s);
        if (s.path("_private").path("replicationServerID").isMissingNode()) {
          unassigned += diskCount(s);
        }
      }
    }
    int live = 0;
    for (Item row : c.list(REPLICATION_SERVER)) {
      if (live(AgentApi.parse(row.body()), now)) {
        live++;
      }
    }
    int desired = (disks + DEFAULT_DISKS_PER_REPLICATOR - 1) / DEFAULT_DISKS_PER_REPLICATOR;
    return new FleetNeed(servers, disks, unassigned, live, desired);
  }
}
