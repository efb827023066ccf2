package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.cloud.Instances;
import io.liftshift.cloud.LaunchCloud;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Watches a launched instance's first boot on its serial console: the converted guest's first-boot
 * line, then each post-launch action's outcome, recorded on the job as MGN's
 * postLaunchActionsStatus.
 */
final class FirstBootWatch {
  private static final Logger LOG = Logger.getLogger(FirstBootWatch.class.getName());

  /** The line a converted guest's first-boot unit writes on its serial console. */
  static final String FIRST_BOOT_MARKER = "liftshift-first-boot: SUCCEEDED";

  private final LaunchCloud cloud;
  private final LaunchRecords records;
  private final long timeoutMillis;

  /**
   * @param timeoutMillis how long the instance may take to report its first boot before firstBoot
   *     is UNKNOWN
   */
  FirstBootWatch(LaunchCloud cloud, LaunchRecords records, long timeoutMillis) {
    this.cloud = cloud;
    this.records = records;
    this.timeoutMillis = timeoutMillis;
  }

  String awaitFirstBoot(String instanceId) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      Optional<String> state = instanceState(instanceId);
      if (console(instanceId).contains(FIRST_BOOT_MARKER)) {
        return "SUCCEEDED";
      }
      if (state.isPresent() && !state.get().matches("pending|running")) {
        return "STOPPED";
      }
      Thread.sleep(1000);
    }
    return "UNKNOWN";
  }

  /**
   * The instance's state ("gone" once the cloud forgets it), or empty when it cannot be read now: a
   * throttled or failed call is asked again, never taken for the instance's end.
   */
  private Optional<String> instanceState(String instanceId) {
    try {
      return Optional.of(
          cloud.instances().describe(instanceId).map(Instances.Instance::state).orElse("gone"));
    } catch (IOException e) {
      LOG.fine("describing " + instanceId + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  /** What the instance's console shows so far ("" when it cannot be read now). */
  private String console(String instanceId) {
    try {
      return cloud.instances().consoleOutput(instanceId);
    } catch (IOException e) {
      LOG.fine("console of " + instanceId + ": " + e.getMessage());
      return "";
    }
  }

  /**
   * Waits for the first boot's report of each post-launch action and records MGN's
   * postLaunchActionsStatus on the job. A must-succeed action that fails on a test instance blocks
   * the cutover until a test passes.
   */
  void awaitPostLaunchActions(
      String jobId,
      String serverId,
      String instanceId,
      List<PostLaunchActions.Action> actions,
      String firstBoot,
      boolean test)
      throws Exception {
    if (actions.isEmpty()) {
      if (test) {
        records.updateServer(
            serverId, s -> LaunchRecords.priv(s).remove(JobService.CUTOVER_BLOCKED_BY));
      }
      return;
    }
    String discovered = firstBoot.equals("SUCCEEDED") ? Ids.now() : null;
    String prefix = jobId + ":" + serverId;
    Map<String, String[]> reported = Map.of();
    String finalWhy =
        discovered == null
            ? "not run: the instance did not report its first boot (firstBoot " + firstBoot + ")"
            : null;
    long deadline = System.currentTimeMillis() + 60_000L;
    for (PostLaunchActions.Action a : actions) {
      deadline += a.script() == null ? 0 : a.timeoutSeconds() * 1000L;
    }
    ObjectNode[] status = {
      PostLaunchActions.status(actions, reported, discovered, prefix, finalWhy)
    };
    records.participant(jobId, serverId, x -> x.set("postLaunchActionsStatus", status[0]));
    while (finalWhy == null && !PostLaunchActions.allReported(actions, reported)) {
      if (System.currentTimeMillis() > deadline) {
        finalWhy = "no outcome reported on the instance's console in time";
        break;
      }
      Thread.sleep(1000);
      Optional<String> state = instanceState(instanceId);
      String console = console(instanceId);
      if (!console.isEmpty()) {
        reported = PostLaunchActions.reported(console);
      }
      if (state.isPresent() && !state.get().matches("pending|running")) {
        finalWhy = "not run: the instance is " + state.get();
      }
      ObjectNode now = PostLaunchActions.status(actions, reported, discovered, prefix, null);
      // Written when it changes: every waiting server rewriting its job each second is waste.
      if (!now.equals(status[0])) {
        status[0] = now;
        records.participant(jobId, serverId, x -> x.set("postLaunchActionsStatus", now));
      }
    }
    ObjectNode done = PostLaunchActions.status(actions, reported, discovered, prefix, finalWhy);
    records.participant(jobId, serverId, x -> x.set("postLaunchActionsStatus", done));
    String blocking = PostLaunchActions.blockingFailure(done);
    if (test && blocking != null) {
      String why = blocking + " (test instance " + instanceId + ", job " + jobId + ")";
      records.updateServer(
          serverId, s -> LaunchRecords.priv(s).put(JobService.CUTOVER_BLOCKED_BY, why));
      LOG.warning(serverId + ": cutover blocked: " + why);
    } else if (test) {
      records.updateServer(
          serverId, s -> LaunchRecords.priv(s).remove(JobService.CUTOVER_BLOCKED_BY));
    }
  }
}
