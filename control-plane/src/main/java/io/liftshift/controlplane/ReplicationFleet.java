package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.contract.ReplicatorContract;
import io.liftshift.controlplane.store.Item;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The replication-server fleet: replicators register and heartbeat ({@link ReplicatorEndpoints}),
 * and every source server's disks are placed here on one replicator with room (one replicator per
 * server, so that its point-in-time snapshots can be consistent across all its disks). The fleet
 * need it reports is what the fleet's Auto Scaling group follows.
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
      return Json.MAPPER.valueToTree(toContract());
    }

    /** As a replicator's heartbeat answer carries it. */
    ReplicatorContract.FleetNeed toContract() {
      return new ReplicatorContract.FleetNeed(
          trackedSourceServers,
          trackedDisks,
          unassignedDisks,
          liveReplicators,
          desiredReplicators,
          DEFAULT_DISKS_PER_REPLICATOR);
    }
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
      replicators.put(row.id(), Json.parse(row.body()));
    }
    String current = priv.path("replicationServerID").asText("");
    ObjectNode assigned = replicators.get(current);
    if (assigned != null && live(assigned, now)) {
      return Optional.of(assigned);
    }
    Map<String, Integer> load = new HashMap<>();
    String self = server.path("sourceServerID").asText();
    for (Item row : c.list(SourceServerService.SOURCE_SERVER)) {
      ObjectNode other = Json.parse(row.body());
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
      step(server, "PAIR_REPLICATION_SERVER_WITH_AGENT", "IN_PROGRESS");
      return Optional.empty();
    }
    priv.put("replicationServerID", best.path("replicationServerID").asText());
    step(server, "CREATE_STAGING_DISKS", "SUCCEEDED");
    step(server, "PAIR_REPLICATION_SERVER_WITH_AGENT", "SUCCEEDED");
    c.update(SourceServerService.SOURCE_SERVER, self, server.toString());
    return Optional.of(best);
  }

  /** Sets an initiation step's status (MGN's dataReplicationInitiation.steps). */
  private static void step(ObjectNode server, String name, String status) {
    for (JsonNode s :
        server.path("dataReplicationInfo").path("dataReplicationInitiation").path("steps")) {
      if (s.path("name").asText().equals(name)) {
        ((ObjectNode) s).put("status", status);
      }
    }
  }

  FleetNeed need(StoreTransaction c) throws StoreException {
    long now = System.currentTimeMillis();
    int servers = 0;
    int disks = 0;
    int unassigned = 0;
    for (Item row : c.list(SourceServerService.SOURCE_SERVER)) {
      ObjectNode s = Json.parse(row.body());
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
      if (live(Json.parse(row.body()), now)) {
        live++;
      }
    }
    int desired = (disks + DEFAULT_DISKS_PER_REPLICATOR - 1) / DEFAULT_DISKS_PER_REPLICATOR;
    return new FleetNeed(servers, disks, unassigned, live, desired);
  }
}
