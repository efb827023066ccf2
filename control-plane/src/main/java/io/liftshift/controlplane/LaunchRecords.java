package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * What a launch reads and writes in the store: its job (and the job's participating servers), the
 * job's log, and the source server with its launched instances. Each change is one transaction.
 */
final class LaunchRecords {
  private static final Logger LOG = Logger.getLogger(LaunchRecords.class.getName());

  /** The server's launch records: the test's and the cutover's instance, image and snapshot. */
  static final List<String> LAUNCH_KINDS = List.of("testLaunch", "cutoverLaunch");

  private final ControlPlaneStore db;

  LaunchRecords(ControlPlaneStore db) {
    this.db = db;
  }

  ObjectNode job(String jobId) throws StoreException {
    return db.transaction(c -> Json.parse(c.body(JobService.JOB, jobId).orElseThrow()));
  }

  void updateJob(String jobId, Consumer<ObjectNode> change) throws StoreException {
    db.transaction(
        c -> {
          ObjectNode j = Json.parse(c.body(JobService.JOB, jobId).orElseThrow());
          change.accept(j);
          c.update(JobService.JOB, jobId, j.toString());
          return null;
        });
  }

  /** Changes the job's entry for one of its servers (MGN's ParticipatingServer). */
  void participant(String jobId, String serverId, Consumer<ObjectNode> change)
      throws StoreException {
    updateJob(
        jobId,
        j -> {
          for (JsonNode p : j.path("participatingServers")) {
            if (p.path("sourceServerID").asText().equals(serverId)) {
              change.accept((ObjectNode) p);
            }
          }
        });
  }

  /** Appends an event to the job's log; a failure to is logged, never a launch's failure. */
  void log(String jobId, String event, Map<String, String> data) {
    try {
      db.transaction(
          c -> {
            JobService.appendJobLog(c, jobId, event, data);
            return null;
          });
    } catch (StoreException e) {
      LOG.warning("job log of " + jobId + ": " + e.getMessage());
    }
  }

  ObjectNode server(String serverId) throws StoreException {
    return db.transaction(
        c -> Json.parse(c.body(SourceServerService.SOURCE_SERVER, serverId).orElseThrow()));
  }

  void updateServer(String serverId, Consumer<ObjectNode> change) throws StoreException {
    db.transaction(
        c -> {
          ObjectNode s =
              Json.parse(c.body(SourceServerService.SOURCE_SERVER, serverId).orElseThrow());
          change.accept(s);
          c.update(SourceServerService.SOURCE_SERVER, serverId, s.toString());
          return null;
        });
  }

  /** The server's fields the API never shows. */
  static ObjectNode priv(ObjectNode server) {
    return server.has("_private")
        ? (ObjectNode) server.get("_private")
        : server.putObject("_private");
  }

  /** MGN's LaunchedInstance of the server. */
  static ObjectNode launchedInstance(ObjectNode server) {
    return server.has("launchedInstance")
        ? (ObjectNode) server.get("launchedInstance")
        : server.putObject("launchedInstance");
  }

  /** The server's launched test and cutover instances. */
  static List<JsonNode> launches(ObjectNode server) {
    List<JsonNode> out = new ArrayList<>();
    for (String kind : LAUNCH_KINDS) {
      if (priv(server).has(kind)) {
        out.add(priv(server).get(kind));
      }
    }
    return out;
  }
}
