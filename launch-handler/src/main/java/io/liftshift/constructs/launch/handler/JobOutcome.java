package io.liftshift.constructs.launch.handler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.mgn.model.Job;
import software.amazon.awssdk.services.mgn.model.JobLog;
import software.amazon.awssdk.services.mgn.model.ParticipatingServer;

/**
 * What a launch job's DescribeJobs answer means for the deployment. Plain functions of the SDK's
 * model, so that every path is testable without a running launch.
 *
 * @param state where the job is
 * @param launchedInstances source server id to launched EC2 instance id, once succeeded
 * @param reason why it failed, or what it is waiting for
 */
public record JobOutcome(State state, Map<String, String> launchedInstances, String reason) {
  /** Where a job is, from the deployment's point of view. */
  public enum State {
    RUNNING,
    SUCCEEDED,
    FAILED
  }

  public JobOutcome {
    launchedInstances = Map.copyOf(launchedInstances);
  }

  /**
   * Maps a job: COMPLETED with every participating server LAUNCHED is success; COMPLETED with any
   * other launch status, or a status FAILED, is failure; anything else still runs.
   */
  public static JobOutcome of(Job job) {
    String status = job.statusAsString();
    List<ParticipatingServer> servers = job.participatingServers();
    if ("FAILED".equals(status)) {
      return new JobOutcome(
          State.FAILED, Map.of(), "job " + job.jobID() + " FAILED" + summary(servers));
    }
    if (!"COMPLETED".equals(status)) {
      return new JobOutcome(
          State.RUNNING, Map.of(), "job " + job.jobID() + " is " + status + summary(servers));
    }
    Map<String, String> launched = new LinkedHashMap<>();
    List<String> notLaunched = new ArrayList<>();
    for (ParticipatingServer s : servers) {
      if ("LAUNCHED".equals(s.launchStatusAsString())) {
        launched.put(s.sourceServerID(), s.launchedEc2InstanceID());
      } else {
        notLaunched.add(s.sourceServerID() + " " + s.launchStatusAsString());
      }
    }
    if (servers.isEmpty() || !notLaunched.isEmpty()) {
      return new JobOutcome(
          State.FAILED,
          Map.of(),
          "job "
              + job.jobID()
              + " COMPLETED without launching "
              + (servers.isEmpty() ? "any server" : String.join(", ", notLaunched)));
    }
    return new JobOutcome(State.SUCCEEDED, launched, "job " + job.jobID() + " COMPLETED");
  }

  /** The message a failed deployment shows: the reason, then the job's log, oldest first. */
  public static String failureMessage(JobOutcome outcome, List<JobLog> log) {
    StringBuilder b = new StringBuilder(outcome.reason());
    if (!log.isEmpty()) {
      b.append(". Job log:");
      for (JobLog item : log) {
        b.append("\n  ").append(item.logDateTime()).append(' ').append(item.eventAsString());
        var data = item.eventData();
        if (data != null) {
          if (data.sourceServerID() != null) {
            b.append(' ').append(data.sourceServerID());
          }
          if (data.rawError() != null) {
            b.append(": ").append(data.rawError());
          }
        }
      }
    }
    return b.toString();
  }

  private static String summary(List<ParticipatingServer> servers) {
    if (servers.isEmpty()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    for (ParticipatingServer s : servers) {
      parts.add(s.sourceServerID() + " " + s.launchStatusAsString());
    }
    return " (" + String.join(", ", parts) + ")";
  }
}
