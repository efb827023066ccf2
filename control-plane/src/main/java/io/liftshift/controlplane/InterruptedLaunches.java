package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.cloud.LaunchCloud;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.Item;
import io.liftshift.controlplane.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Ends the launch jobs a control plane left STARTED when its process stopped (a crash, a kill, a
 * host restart): a launch's progress is in that process's memory and cannot be resumed, and a job
 * left STARTED would block its servers' next launch and its own deletion for good. Each server
 * whose part was running gets launch status FAILED and a LAUNCH_FAILED event saying so; what its
 * launch had made is released (the snapshot set's hold, the launch volumes, the conversion server
 * and its job token, an image not yet behind an instance); then the job is COMPLETED. An instance
 * already launched stays the server's launched instance, as after a failed first boot, and the next
 * launch or TerminateTargetInstances removes it.
 *
 * <p>It assumes one control plane per database, as today: with several, a job STARTED by a live
 * peer must not be ended here (the high-availability work gives jobs an owner first).
 */
final class InterruptedLaunches {
  private static final Logger LOG = Logger.getLogger(InterruptedLaunches.class.getName());

  /** What the job log says of a server whose part a restart cut short. */
  static final String RESTARTED =
      "the control plane restarted during the launch, which ended it; launch again";

  private final ControlPlaneStore db;
  private final LaunchCloud cloud;

  InterruptedLaunches(ControlPlaneStore db, LaunchCloud cloud) {
    this.db = db;
    this.cloud = cloud;
  }

  /** Ends every STARTED job, then releases any in-flight record left without one. */
  void endAll() {
    try {
      List<String> started = new ArrayList<>();
      for (Item r : db.transaction(c -> c.query(JobService.JOB, "status", "STARTED"))) {
        if (Json.parse(r.body()).path("status").asText().equals("STARTED")) {
          started.add(r.id());
        }
      }
      for (String jobId : started) {
        end(jobId);
      }
      for (Item r : db.transaction(c -> c.list(LaunchesInFlight.IN_FLIGHT))) {
        ObjectNode record = Json.parse(r.body());
        release(record);
        db.transaction(c -> c.delete(LaunchesInFlight.IN_FLIGHT, r.id()));
      }
    } catch (StoreException e) {
      LOG.warning("ending interrupted launch jobs: " + e.getMessage());
    }
  }

  private void end(String jobId) throws StoreException {
    ObjectNode job = Json.parse(db.transaction(c -> c.body(JobService.JOB, jobId)).get());
    boolean test = job.path("initiatedBy").asText().equals("START_TEST");
    for (JsonNode p : job.path("participatingServers")) {
      String serverId = p.path("sourceServerID").asText();
      String status = p.path("launchStatus").asText();
      String inFlightId = LaunchesInFlight.id(jobId, serverId);
      Optional<String> record = db.transaction(c -> c.body(LaunchesInFlight.IN_FLIGHT, inFlightId));
      if (record.isEmpty() && !status.equals("PENDING") && !status.equals("IN_PROGRESS")) {
        continue; // this server's part had ended before the restart
      }
      String unreleased = record.map(b -> release(Json.parse(b))).orElse("");
      db.transaction(
          c -> {
            endServer(c, jobId, serverId, test, unreleased);
            c.delete(LaunchesInFlight.IN_FLIGHT, inFlightId);
            c.delete(ConverterApi.CONVERSION, inFlightId);
            return null;
          });
    }
    db.transaction(
        c -> {
          JobService.appendJobLog(c, jobId, "JOB_END", Map.of());
          ObjectNode j = Json.parse(c.body(JobService.JOB, jobId).orElseThrow());
          j.put("status", "COMPLETED").put("endDateTime", Ids.now());
          c.update(JobService.JOB, jobId, j.toString());
          return null;
        });
    LOG.warning("job " + jobId + " was STARTED when the control plane stopped; it is ended");
  }

  /**
   * The server's part ends FAILED; a first boot still awaited is UNKNOWN and post-launch actions
   * without an outcome FAILED, as when their wait times out (a failed must-succeed one on a test
   * blocks the cutover).
   */
  private static void endServer(
      io.liftshift.controlplane.store.StoreTransaction c,
      String jobId,
      String serverId,
      boolean test,
      String unreleased)
      throws StoreException {
    ObjectNode job = Json.parse(c.body(JobService.JOB, jobId).orElseThrow());
    String blocking = null;
    for (JsonNode p : job.path("participatingServers")) {
      if (!p.path("sourceServerID").asText().equals(serverId)) {
        continue;
      }
      ObjectNode participant = (ObjectNode) p;
      participant.put("launchStatus", "FAILED");
      for (JsonNode a :
          participant.path("postLaunchActionsStatus").path("postLaunchActionsLaunchStatusList")) {
        if (a.path("executionStatus").asText().equals("IN_PROGRESS")) {
          ((ObjectNode) a)
              .put("executionStatus", "FAILED")
              .put("failureReason", "no outcome: " + RESTARTED);
        }
      }
      if (participant.path("postLaunchActionsStatus").isObject()) {
        blocking =
            PostLaunchActions.blockingFailure(
                (ObjectNode) participant.path("postLaunchActionsStatus"));
      }
    }
    c.update(JobService.JOB, jobId, job.toString());
    Optional<String> body = c.body(SourceServerService.SOURCE_SERVER, serverId);
    if (body.isPresent()) {
      ObjectNode server = Json.parse(body.get());
      JsonNode launched = server.path("launchedInstance");
      if (launched.path("jobID").asText().equals(jobId)
          && launched.path("firstBoot").asText().equals("WAITING")) {
        ((ObjectNode) launched).put("firstBoot", "UNKNOWN");
      }
      if (test && blocking != null && server.path("_private").isObject()) {
        ((ObjectNode) server.get("_private"))
            .put(JobService.CUTOVER_BLOCKED_BY, blocking + " (job " + jobId + ")");
      }
      c.update(SourceServerService.SOURCE_SERVER, serverId, server.toString());
    }
    JobService.appendJobLog(
        c,
        jobId,
        "LAUNCH_FAILED",
        Map.of("sourceServerID", serverId, "rawError", RESTARTED + unreleased));
  }

  /**
   * Releases what the in-flight record says the launch made; returns "" or, for the log, what could
   * not be released (the cloud's error), which then needs an operator's hand.
   */
  private String release(ObjectNode record) {
    String jobId = record.path("jobID").asText();
    String serverId = record.path("sourceServerID").asText();
    List<String> failed = new ArrayList<>();
    List<StagingVolume> volumes = new ArrayList<>();
    record.path("volumes").forEach(v -> volumes.add(LaunchesInFlight.volume(v)));
    String conversionServer = record.path("conversionServerID").asText("");
    if (!conversionServer.isEmpty()) {
      // It goes first: its volumes can be deleted only once it lets go of them.
      attempt(
          failed,
          "conversion server " + conversionServer,
          () -> cloud.conversionServers().stopLeftBehind(conversionServer, volumes));
    }
    for (StagingVolume v : volumes) {
      attempt(failed, "launch volume " + v.volumeId(), () -> cloud.deleteVolume(v));
    }
    String imageId = record.path("imageId").asText("");
    if (!imageId.isEmpty() && !ownedByTheServer(serverId, imageId)) {
      attempt(failed, "image " + imageId, () -> cloud.images().deregister(imageId));
    }
    String snapshotSet = record.path("snapshotSetId").asText("");
    if (!snapshotSet.isEmpty()) {
      LaunchCloud.ReplicatorRef ref =
          new LaunchCloud.ReplicatorRef(
              record.path("replicationServerID").asText(""),
              record.path("localSnapshotsDir").asText(""));
      attempt(
          failed,
          "the hold on snapshot set " + snapshotSet,
          () -> cloud.snapshots(ref).release(snapshotSet, jobId));
    }
    return failed.isEmpty() ? "" : "; not released: " + String.join("; ", failed);
  }

  /** Whether the server's launch record took the image over (its instance was launched). */
  private boolean ownedByTheServer(String serverId, String imageId) {
    try {
      JsonNode priv =
          db.transaction(c -> c.body(SourceServerService.SOURCE_SERVER, serverId))
              .map(Json::parse)
              .map(s -> s.path("_private"))
              .orElse(Json.MAPPER.createObjectNode());
      return priv.path("testLaunch").path("imageId").asText().equals(imageId)
          || priv.path("cutoverLaunch").path("imageId").asText().equals(imageId);
    } catch (StoreException e) {
      return true; // when in doubt the image stays: deleting a launched instance's is worse
    }
  }

  private interface CloudCall {
    void run() throws java.io.IOException;
  }

  private static void attempt(List<String> failed, String what, CloudCall call) {
    try {
      call.run();
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warning("releasing " + what + ": " + e.getMessage());
      failed.add(what + " (" + e.getMessage() + ")");
    }
  }
}
