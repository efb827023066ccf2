package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.cloud.Instances;
import io.liftshift.cloud.LaunchCloud;
import io.liftshift.controlplane.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A server's launched test and cutover instances beyond launching them: a cutover's note of a
 * skipped test, the test instance promoted to cutover, TerminateTargetInstances, and the cleanup of
 * a previous launch (instance and image) with MGN's CLEANUP_* events.
 */
final class LaunchedInstances {
  private final LaunchCloud cloud;
  private final LaunchRecords records;
  private final LaunchSettings settings;

  LaunchedInstances(LaunchCloud cloud, LaunchRecords records, LaunchSettings settings) {
    this.cloud = cloud;
    this.records = records;
    this.settings = settings;
  }

  /** A cutover of a server that was never tested says so, with the reason given for it. */
  void logSkippedTest(String jobId, String serverId) throws StoreException {
    JsonNode skipped = LaunchRecords.priv(records.server(serverId)).path(JobService.TEST_SKIPPED);
    if (skipped.isObject()) {
      records.log(
          jobId,
          "TEST_SKIPPED",
          Map.of(
              "sourceServerID",
              serverId,
              "rawError",
              "cut over without a test launch: " + skipped.path("reason").asText()));
    }
  }

  /**
   * Promotes the running test instance to the cutover instance: no new launch. It holds what the
   * test's snapshot held, which the log says.
   */
  void promoteTestInstance(String jobId, String serverId) throws Exception {
    ObjectNode server = records.server(serverId);
    JsonNode testLaunch = LaunchRecords.priv(server).path("testLaunch");
    String instanceId = testLaunch.path("instanceId").asText("");
    Optional<Instances.Instance> instance = cloud.instances().describe(instanceId);
    String state = instance.map(Instances.Instance::state).orElse("gone");
    if (!state.matches("pending|running")) {
      throw new LaunchFailure(
          "LAUNCH_FAILED",
          "the test instance "
              + instanceId
              + " is "
              + state
              + " and cannot be promoted; start the cutover again without "
              + JobTags.PROMOTE_TEST_INSTANCE);
    }
    if (LaunchRecords.priv(server).has("cutoverLaunch")) {
      cleanup(jobId, serverId, List.of(LaunchRecords.priv(server).get("cutoverLaunch")));
    }
    cloud
        .instances()
        .tag(instanceId, Map.of("liftshift:launch", "cutover", "liftshift:job", jobId));
    records.updateServer(
        serverId,
        s -> {
          ObjectNode promoted = LaunchRecords.priv(s).path("testLaunch").deepCopy();
          promoted.put("jobID", jobId).put("promotedFromJobID", testLaunch.path("jobID").asText());
          LaunchRecords.priv(s).set("cutoverLaunch", promoted);
          LaunchRecords.priv(s).remove("testLaunch");
          LaunchRecords.launchedInstance(s).put("jobID", jobId);
        });
    records.participant(
        jobId,
        serverId,
        x -> x.put("launchStatus", "LAUNCHED").put("launchedEc2InstanceID", instanceId));
    records.log(
        jobId,
        "LAUNCH_START",
        Map.of(
            "sourceServerID",
            serverId,
            "targetInstanceID",
            instanceId,
            "rawError",
            "promoted the test instance launched by "
                + testLaunch.path("jobID").asText()
                + " from the snapshot taken at "
                + testLaunch.path("snapshotTakenAt").asText("?")
                + ": changes the source made after that are not on it"));
    // The cutover's post-launch actions do not run: the instance's first boot is behind it.
    JsonNode launchConfig = settings.launchConfiguration(serverId);
    List<PostLaunchActions.Action> actions = settings.actions(serverId, launchConfig, false);
    if (!actions.isEmpty()) {
      ObjectNode status =
          PostLaunchActions.status(
              actions,
              Map.of(),
              null,
              jobId + ":" + serverId,
              "not run for the cutover: the test instance was promoted, and its first boot (job "
                  + testLaunch.path("jobID").asText()
                  + ") ran the test's actions");
      records.participant(jobId, serverId, x -> x.set("postLaunchActionsStatus", status));
    }
  }

  /** TerminateTargetInstances: the server's launched test and cutover instances go, with images. */
  void terminateServer(String jobId, String serverId) throws Exception {
    List<JsonNode> launches = LaunchRecords.launches(records.server(serverId));
    if (launches.isEmpty()) {
      records.log(jobId, "CLEANUP_START", Map.of("sourceServerID", serverId));
      records.log(jobId, "CLEANUP_END", Map.of("sourceServerID", serverId));
    }
    cleanup(jobId, serverId, launches);
    records.updateServer(serverId, s -> s.remove("launchedInstance"));
    records.participant(
        jobId,
        serverId,
        x -> {
          x.put("launchStatus", "TERMINATED");
          if (!launches.isEmpty()) {
            x.put("launchedEc2InstanceID", launches.get(0).path("instanceId").asText());
          }
        });
  }

  /** Terminates these launched instances and deletes their images, with CLEANUP_* events. */
  void cleanup(String jobId, String serverId, List<JsonNode> launches) throws LaunchFailure {
    if (launches.isEmpty()) {
      return;
    }
    records.log(jobId, "CLEANUP_START", Map.of("sourceServerID", serverId));
    try {
      List<String> gone = new ArrayList<>();
      for (JsonNode p : launches) {
        cloud.instances().terminate(p.path("instanceId").asText());
        cloud.images().deregister(p.path("imageId").asText());
        gone.add(p.path("instanceId").asText());
      }
      records.updateServer(
          serverId,
          s -> {
            for (String kind : List.of("testLaunch", "cutoverLaunch")) {
              if (gone.contains(LaunchRecords.priv(s).path(kind).path("instanceId").asText())) {
                LaunchRecords.priv(s).remove(kind);
              }
            }
            if (gone.contains(s.path("launchedInstance").path("ec2InstanceID").asText())) {
              s.remove("launchedInstance");
            }
          });
    } catch (Exception e) {
      throw new LaunchFailure("CLEANUP_FAIL", "removing the previous launch: " + e.getMessage());
    }
    records.log(jobId, "CLEANUP_END", Map.of("sourceServerID", serverId));
  }
}
