package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.contract.ReplicatorContract;
import io.liftshift.contract.ReplicatorContract.Heartbeat;
import io.liftshift.contract.ReplicatorContract.HeartbeatAnswer;
import io.liftshift.contract.ReplicatorContract.PlacedServer;
import io.liftshift.contract.ReplicatorContract.Registered;
import io.liftshift.contract.ReplicatorContract.Registration;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.Item;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The replication servers' endpoints of the private API ({@link ReplicatorContract};
 * docs/control-plane.md, "Replicator API"): registration and certificate enrolment with a
 * replication servers' install token, then heartbeats with the replicator token. Placement and the
 * fleet need are {@link ReplicationFleet}'s.
 */
final class ReplicatorEndpoints {
  private static final String SOURCE_SERVER = SourceServerService.SOURCE_SERVER;
  private static final String REPLICATION_SERVER = ReplicationFleet.REPLICATION_SERVER;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ReplicationFleet fleet;
  private final ReplicatorCertificates certificates;

  ReplicatorEndpoints(ReplicationFleet fleet, ReplicatorCertificates certificates) {
    this.fleet = fleet;
    this.certificates = certificates;
  }

  /** A certificate for the replicator's port 1500; the body is checked member by member there. */
  JsonNode certificate(StoreTransaction c, String installToken, ObjectNode raw)
      throws StoreException, ApiException {
    InstallTokens.check(c, installToken, InstallTokenRole.REPLICATION_SERVER);
    return PrivateBodies.write(certificates.issue(raw));
  }

  JsonNode register(StoreTransaction c, String installToken, ObjectNode raw)
      throws StoreException, ApiException {
    InstallTokens.check(c, installToken, InstallTokenRole.REPLICATION_SERVER);
    Registration r = PrivateBodies.read(raw, Registration.class);
    String host = r.host() == null ? "" : r.host();
    int port = r.port() == null ? 0 : r.port();
    if (host.isBlank() || port <= 0 || port > 65535) {
      throw ApiException.validation(
          "fieldValidationFailed", "host and port (1..65535) are required: where agents connect");
    }
    int maxDisks =
        r.maxDisks() == null ? ReplicationFleet.DEFAULT_DISKS_PER_REPLICATOR : r.maxDisks();
    if (maxDisks < 1 || maxDisks > 1024) {
      throw ApiException.validation("fieldValidationFailed", "maxDisks: must be 1..1024");
    }
    String id = r.replicationServerID() == null ? "" : r.replicationServerID();
    ObjectNode stored =
        id.isBlank() ? null : c.body(REPLICATION_SERVER, id).map(Json::parse).orElse(null);
    boolean existing = stored != null;
    if (!existing) {
      id = Ids.newId("rs-");
      stored = Json.MAPPER.createObjectNode();
      stored.put("replicationServerID", id);
      stored.put("registeredDateTime", Ids.now());
    }
    byte[] t = new byte[32];
    RANDOM.nextBytes(t);
    String token = "lsrt-" + HexFormat.of().formatHex(t);
    stored.put("host", host).put("port", port).put("maxDisks", maxDisks);
    ObjectNode priv = stored.putObject("_private");
    priv.put("tokenSha256", BearerTokens.sha256(token));
    // Where a local-cloud replicator keeps its snapshots: launches on this machine read them.
    priv.put("localSnapshotsDir", r.localSnapshotsDir() == null ? "" : r.localSnapshotsDir());
    priv.put("lastSeenEpochMillis", System.currentTimeMillis());
    if (existing) {
      c.update(REPLICATION_SERVER, id, stored.toString());
    } else {
      c.insert(REPLICATION_SERVER, id, stored.toString());
    }
    return PrivateBodies.write(new Registered(id, token, existing));
  }

  /**
   * A replicator's heartbeat. The answer lists the source servers placed on it with their agents'
   * token digests, so it admits exactly those agents, each only as its own server.
   */
  JsonNode heartbeat(StoreTransaction c, String token, ObjectNode raw)
      throws StoreException, ApiException {
    // The token first: a caller without one learns nothing, not even what its body lacks.
    String id = raw.path("replicationServerID").asText("");
    ObjectNode stored =
        c.body(REPLICATION_SERVER, id)
            .map(Json::parse)
            .orElseThrow(() -> BearerTokens.unauthorized("the replicator token is not valid"));
    if (!BearerTokens.matches(token, stored.path("_private").path("tokenSha256").asText())) {
      throw BearerTokens.unauthorized("the replicator token is not valid for " + id);
    }
    Heartbeat r = PrivateBodies.read(raw, Heartbeat.class);
    ObjectNode priv = (ObjectNode) stored.path("_private");
    priv.put("lastSeenEpochMillis", System.currentTimeMillis());
    priv.put("activeDisks", r.activeDisks() == null ? 0 : r.activeDisks());
    c.update(REPLICATION_SERVER, id, stored.toString());
    // Servers waiting for room are placed as soon as a replicator has it.
    for (Item row : c.list(SOURCE_SERVER)) {
      ObjectNode server = Json.parse(row.body());
      if (ReplicationFleet.tracked(server)
          && server.path("_private").path("replicationServerID").isMissingNode()) {
        fleet.place(c, server);
      }
    }
    Set<String> removedHere =
        new HashSet<>(r.removedServers() == null ? List.of() : r.removedServers());
    List<String> remove = new ArrayList<>();
    for (Item row : c.query(SOURCE_SERVER, "replicationServerID", id)) {
      ObjectNode server = Json.parse(row.body());
      ObjectNode p = (ObjectNode) server.path("_private");
      if (ReplicationFleet.tracked(server)
          || !id.equals(p.path("replicationServerID").asText())
          || p.path("stagingRemoved").asBoolean()) {
        continue;
      }
      if (removedHere.contains(row.id())) {
        // The replicator deleted the staging volumes and snapshots: the cleanup is done.
        p.put("stagingRemoved", true);
        c.update(SOURCE_SERVER, row.id(), server.toString());
        String job = p.path("cleanupJobID").asText("");
        if (!job.isEmpty()) {
          JobService.appendJobLog(
              c,
              job,
              "CLEANUP_END",
              Map.of(
                  "sourceServerID", row.id(), "rawError", "staging volumes and snapshots deleted"));
        }
      } else {
        remove.add(row.id());
      }
    }
    List<PlacedServer> servers = new ArrayList<>();
    for (Item row : c.query(SOURCE_SERVER, "replicationServerID", id)) {
      ObjectNode server = Json.parse(row.body());
      JsonNode p = server.path("_private");
      if (ReplicationFleet.tracked(server) && id.equals(p.path("replicationServerID").asText())) {
        servers.add(
            new PlacedServer(
                row.id(),
                p.path("agentTokenSha256").asText(),
                ReplicationFleet.diskCount(server),
                p.path("snapshotRequestedEpochMillis").asLong(0),
                pitPolicy(c, row.id())));
      }
    }
    return PrivateBodies.write(
        new HeartbeatAnswer(id, remove, servers, fleet.need(c).toContract()));
  }

  /** The server's point-in-time policy as AWS's PITPolicyRule objects. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> pitPolicy(StoreTransaction c, String serverId)
      throws StoreException {
    JsonNode rules =
        PitPolicies.of(
            c.body("replication-configuration", serverId)
                .map(Json::parse)
                .orElse(Json.MAPPER.createObjectNode()));
    return Json.MAPPER.convertValue(rules, List.class);
  }
}
