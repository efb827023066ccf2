package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.Item;
import io.liftshift.controlplane.store.StoreException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;

/**
 * liftshift's own read-only views that MGN's API has no operation for, for the console (signed with
 * SigV4 like every operator call; the caller verifies the signature first):
 *
 * <ul>
 *   <li>{@code GET /liftshift/v1/replication-servers}: the fleet, each replication server's
 *       address, state, last heartbeat, capacity and the source servers (disks) placed on it, with
 *       the fleet's need;
 *   <li>{@code GET /liftshift/v1/lag-history?sourceServerID=s-…}: the server's lag and backlog
 *       every 10 s over the last hour ({@link LagHistory}).
 * </ul>
 */
final class LiftshiftReadApi {
  static final String PREFIX = "/liftshift/v1/";
  static final String REPLICATION_SERVERS = PREFIX + "replication-servers";
  static final String LAG_HISTORY = PREFIX + "lag-history";

  private static final ObjectMapper JSON = Json.MAPPER;

  private final ControlPlaneStore db;
  private final ReplicationFleet fleet;

  LiftshiftReadApi(ControlPlaneStore db, ReplicationFleet fleet) {
    this.db = db;
    this.fleet = fleet;
  }

  static boolean serves(String path) {
    return path.startsWith(PREFIX);
  }

  /** Answers a signed request whose path {@link #serves} accepted; blocking (reads the store). */
  JsonNode answer(String method, String path, String sourceServerId)
      throws StoreException, ApiException {
    if (!method.equals("GET")) {
      throw new ApiException("UnknownOperationException", 404, "unknown " + method + " " + path);
    }
    return switch (path) {
      case REPLICATION_SERVERS -> ApiTransaction.run(db, this::replicationServers);
      case LAG_HISTORY -> lagHistory(sourceServerId);
      default -> throw new ApiException("UnknownOperationException", 404, "unknown GET " + path);
    };
  }

  private JsonNode lagHistory(String id) throws StoreException, ApiException {
    if (id == null || !id.matches("s-[0-9a-zA-Z]{17}")) {
      throw ApiException.validation(
          "fieldValidationFailed", "sourceServerID: a source server id (s-…) is required");
    }
    return ApiTransaction.run(
        db,
        c -> {
          if (c.body(SourceServerService.SOURCE_SERVER, id).isEmpty()) {
            throw ApiException.notFound("SOURCE_SERVER", id);
          }
          return LagHistory.read(c, id, System.currentTimeMillis());
        });
  }

  private JsonNode replicationServers(io.liftshift.controlplane.store.StoreTransaction c)
      throws StoreException {
    long now = System.currentTimeMillis();
    Map<String, ArrayNode> placed = new HashMap<>();
    Map<String, Integer> disks = new HashMap<>();
    for (Item row : c.list(SourceServerService.SOURCE_SERVER)) {
      ObjectNode s = Json.parse(row.body());
      String on = s.path("_private").path("replicationServerID").asText("");
      if (!ReplicationFleet.tracked(s) || on.isEmpty()) {
        continue;
      }
      int n = ReplicationFleet.diskCount(s);
      disks.merge(on, n, Integer::sum);
      placed
          .computeIfAbsent(on, k -> JSON.createArrayNode())
          .addObject()
          .put("sourceServerID", row.id())
          .put(
              "hostname",
              s.path("sourceProperties").path("identificationHints").path("hostname").asText(""))
          .put("disks", n);
    }
    ObjectNode out = JSON.createObjectNode();
    out.set("need", fleet.need(c).toJson());
    ArrayNode items = out.putArray("items");
    for (Item row : c.list(ReplicationFleet.REPLICATION_SERVER)) {
      ObjectNode r = Json.parse(row.body());
      JsonNode priv = r.path("_private");
      long seen = priv.path("lastSeenEpochMillis").asLong(0);
      int max = r.path("maxDisks").asInt(ReplicationFleet.DEFAULT_DISKS_PER_REPLICATOR);
      int used = disks.getOrDefault(row.id(), 0);
      ObjectNode item =
          items
              .addObject()
              .put("replicationServerID", row.id())
              .put("host", r.path("host").asText())
              .put("port", r.path("port").asInt())
              .put("state", fleet.live(r, now) ? "LIVE" : "LOST")
              .put("registeredDateTime", r.path("registeredDateTime").asText(""))
              .put(
                  "lastHeartbeatDateTime",
                  DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(seen)))
              .put("lastHeartbeatAgeSeconds", Math.max(0, (now - seen) / 1000))
              .put("maxDisks", max)
              .put("placedDisks", used)
              .put("freeDisks", Math.max(0, max - used))
              .put("activeDisks", priv.path("activeDisks").asInt(0));
      item.set("sourceServers", placed.getOrDefault(row.id(), JSON.createArrayNode()));
    }
    return out;
  }
}
