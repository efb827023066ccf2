package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.Item;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Source servers and their life cycle with MGN's state machine: describe, the manual transitions,
 * archive, replication type, disconnect, finalize cutover and delete.
 */
final class SourceServerService {
  static final String SOURCE_SERVER = "source-server";

  private final Account account;
  private final long agentNotSeenMillis;

  SourceServerService(Account account, long agentNotSeenMillis) {
    this.account = account;
    this.agentNotSeenMillis = agentNotSeenMillis;
  }

  JsonNode describe(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    account.accountId(c);
    JsonNode f = request.path("filters");
    Set<String> ids = new HashSet<>();
    f.path("sourceServerIDs").forEach(n -> ids.add(n.asText()));
    Set<String> states = new HashSet<>();
    f.path("lifeCycleStates").forEach(n -> states.add(n.asText()));
    Set<String> types = new HashSet<>();
    f.path("replicationTypes").forEach(n -> types.add(n.asText()));
    Set<String> apps = new HashSet<>();
    f.path("applicationIDs").forEach(n -> apps.add(n.asText()));
    JsonNode archived = f.get("isArchived");
    Instant now = Instant.now();
    List<JsonNode> items = new ArrayList<>();
    for (Item r : c.list(SOURCE_SERVER)) {
      ObjectNode s = SourceServerView.view(Json.parse(r.body()), agentNotSeenMillis, now);
      if ((ids.isEmpty() || ids.contains(r.id()))
          && (states.isEmpty() || states.contains(s.path("lifeCycle").path("state").asText()))
          && (types.isEmpty() || types.contains(s.path("replicationType").asText()))
          && (apps.isEmpty() || apps.contains(s.path("applicationID").asText()))
          && (archived == null || archived.asBoolean() == s.path("isArchived").asBoolean())) {
        items.add(s);
      }
    }
    return Paging.page(items, request);
  }

  /** The stored server the request names, in this account. */
  ObjectNode server(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    account.check(c, request);
    return load(c, request.path("sourceServerID").asText());
  }

  static ObjectNode load(StoreTransaction c, String id) throws StoreException, ApiException {
    return Documents.load(c, SOURCE_SERVER, "SourceServer", id);
  }

  void save(StoreTransaction c, ObjectNode server) throws StoreException {
    c.update(SOURCE_SERVER, server.path("sourceServerID").asText(), server.toString());
  }

  JsonNode viewOf(ObjectNode stored) {
    return SourceServerView.view(stored, agentNotSeenMillis, Instant.now());
  }

  static ApiException conflict(ObjectNode server, String message) {
    ApiException e = new ApiException("ConflictException", 409, message);
    e.extra()
        .put("resourceId", server.path("sourceServerID").asText())
        .put("resourceType", "SOURCE_SERVER");
    return e;
  }

  /** Initial sync complete: every disk fully replicated. */
  static boolean launchable(ObjectNode server) {
    JsonNode disks = server.path("dataReplicationInfo").path("replicatedDisks");
    if (!disks.isArray() || disks.isEmpty()) {
      return false;
    }
    for (JsonNode d : disks) {
      if (d.path("totalStorageBytes").asLong(0) == 0
          || d.path("replicatedStorageBytes").asLong(0) < d.path("totalStorageBytes").asLong(0)) {
        return false;
      }
    }
    return true;
  }

  private static final Map<String, Set<String>> MANUAL_TRANSITIONS =
      Map.of(
          "READY_FOR_TEST", Set.of("NOT_READY", "READY_FOR_TEST", "TESTING", "READY_FOR_CUTOVER"),
          "READY_FOR_CUTOVER", Set.of("READY_FOR_TEST", "TESTING", "READY_FOR_CUTOVER"),
          "CUTOVER", Set.of("READY_FOR_CUTOVER", "CUTTING_OVER", "CUTOVER"));

  JsonNode changeLifeCycleState(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    ObjectNode server = server(c, request);
    String id = server.path("sourceServerID").asText();
    String target = request.path("lifeCycle").path("state").asText();
    String current = server.path("lifeCycle").path("state").asText();
    if (server.path("isArchived").asBoolean()) {
      throw conflict(server, "source server " + id + " is archived");
    }
    if (!launchable(server)) {
      throw conflict(
          server,
          "source server "
              + id
              + " is "
              + current
              + " and not launchable yet: its initial sync has not completed");
    }
    if (!MANUAL_TRANSITIONS.getOrDefault(target, Set.of()).contains(current)) {
      throw conflict(
          server, "source server " + id + " is " + current + "; it cannot be set to " + target);
    }
    ObjectNode priv = (ObjectNode) server.path("_private");
    if (target.equals("READY_FOR_CUTOVER")) {
      String refused = JobService.cutoverRefusal(c, server);
      if (refused != null) {
        throw conflict(
            server, "source server " + id + " cannot be made ready for cutover: " + refused);
      }
      if (!server.path("lifeCycle").has("lastTest") && !priv.has(JobService.TEST_SKIPPED)) {
        // MGN lets a server skip its test this way; the cutover job will say that it did.
        priv.putObject(JobService.TEST_SKIPPED)
            .put(
                "reason",
                "marked READY_FOR_CUTOVER through ChangeServerLifeCycleState without a test"
                    + " launch")
            .put("dateTime", Ids.now());
      }
    }
    ((ObjectNode) server.path("lifeCycle")).put("state", target);
    save(c, server);
    return viewOf(server);
  }

  JsonNode markAsArchived(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    ObjectNode server = server(c, request);
    String state = server.path("lifeCycle").path("state").asText();
    if (!state.equals("DISCONNECTED") && !state.equals("CUTOVER")) {
      throw conflict(
          server,
          "source server "
              + server.path("sourceServerID").asText()
              + " is "
              + state
              + "; only DISCONNECTED or CUTOVER servers can be archived");
    }
    server.put("isArchived", true);
    save(c, server);
    return viewOf(server);
  }

  /**
   * Served for AGENT_BASED, the only replication type liftshift has; SNAPSHOT_SHIPPING (agentless,
   * from vCenter) is refused with the reason.
   */
  JsonNode updateReplicationType(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    ObjectNode server = server(c, request);
    String type = request.path("replicationType").asText();
    if (!type.equals("AGENT_BASED")) {
      throw ApiException.validation(
          "other",
          "replicationType: "
              + type
              + " (agentless vCenter replication) is not supported; liftshift replicates with"
              + " its agent (AGENT_BASED)");
    }
    server.put("replicationType", type);
    save(c, server);
    return viewOf(server);
  }

  JsonNode disconnectFromService(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    ObjectNode server = server(c, request);
    if (server.path("isArchived").asBoolean()) {
      throw conflict(
          server, "source server " + server.path("sourceServerID").asText() + " is archived");
    }
    ((ObjectNode) server.path("lifeCycle")).put("state", "DISCONNECTED");
    stopReplication(server);
    save(c, server);
    return viewOf(server);
  }

  /** What MGN does to a server it stops replicating (disconnect, finalized cutover). */
  private static void stopReplication(ObjectNode server) {
    ObjectNode dri = (ObjectNode) server.path("dataReplicationInfo");
    dri.put("dataReplicationState", "DISCONNECTED");
    dri.remove("lagDuration");
    dri.remove("etaDateTime");
    dri.remove("dataReplicationError");
    for (JsonNode d : dri.path("replicatedDisks")) {
      ((ObjectNode) d).put("totalStorageBytes", 0);
    }
    ((ObjectNode) server.path("_private")).put("replicationStopped", true);
  }

  JsonNode finalizeCutover(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    ObjectNode server = server(c, request);
    String state = server.path("lifeCycle").path("state").asText();
    if (!state.equals("CUTTING_OVER")) {
      throw conflict(
          server,
          "source server "
              + server.path("sourceServerID").asText()
              + " is "
              + state
              + "; only a server that is CUTTING_OVER can be finalized");
    }
    ObjectNode life = (ObjectNode) server.path("lifeCycle");
    life.put("state", "CUTOVER");
    ObjectNode last =
        life.has("lastCutover")
            ? (ObjectNode) life.get("lastCutover")
            : life.putObject("lastCutover");
    last.putObject("finalized").put("apiCallDateTime", Ids.now());
    stopReplication(server);
    // The replicator deletes the staging volumes and snapshots at its next heartbeat; the cutover
    // job's log shows the cleanup start and end.
    String job = last.path("initiated").path("jobID").asText("");
    if (!job.isEmpty()) {
      ((ObjectNode) server.path("_private")).put("cleanupJobID", job);
      JobService.appendJobLog(
          c,
          job,
          "CLEANUP_START",
          Map.of(
              "sourceServerID",
              server.path("sourceServerID").asText(),
              "rawError",
              "finalized: deleting staging volumes and snapshots"));
    }
    save(c, server);
    return viewOf(server);
  }

  JsonNode deleteSourceServer(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    ObjectNode server = server(c, request);
    String id = server.path("sourceServerID").asText();
    String state = server.path("lifeCycle").path("state").asText();
    if (!state.equals("DISCONNECTED") && !state.equals("CUTOVER")) {
      throw conflict(
          server,
          "source server " + id + " is " + state + "; disconnect it from the service first");
    }
    c.delete(SOURCE_SERVER, id);
    c.delete(ServerConfigurations.REPLICATION, id);
    c.delete(ServerConfigurations.LAUNCH, id);
    c.delete(PostLaunchActionService.ON_SERVER, id);
    LagHistory.delete(c, id);
    return null;
  }
}
