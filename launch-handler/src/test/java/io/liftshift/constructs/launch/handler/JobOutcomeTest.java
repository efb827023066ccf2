package io.liftshift.constructs.launch.handler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.mgn.model.Job;
import software.amazon.awssdk.services.mgn.model.JobLog;
import software.amazon.awssdk.services.mgn.model.JobLogEvent;
import software.amazon.awssdk.services.mgn.model.JobLogEventData;
import software.amazon.awssdk.services.mgn.model.JobStatus;
import software.amazon.awssdk.services.mgn.model.LaunchStatus;
import software.amazon.awssdk.services.mgn.model.ParticipatingServer;

/** DescribeJobs answers, as the SDK models them, mapped to what the deployment does. */
class JobOutcomeTest {
  private static ParticipatingServer server(String id, LaunchStatus status, String instance) {
    return ParticipatingServer.builder()
        .sourceServerID(id)
        .launchStatus(status)
        .launchedEc2InstanceID(instance)
        .build();
  }

  private static Job job(JobStatus status, ParticipatingServer... servers) {
    return Job.builder()
        .jobID("mgnjob-0123456789abcdef0")
        .status(status)
        .participatingServers(servers)
        .build();
  }

  @Test
  void completedWithEveryServerLaunchedSucceeds() {
    JobOutcome o =
        JobOutcome.of(
            job(
                JobStatus.COMPLETED,
                server("s-0123456789abcdef0", LaunchStatus.LAUNCHED, "i-0aaaaaaaaaaaaaaa0"),
                server("s-0123456789abcdef1", LaunchStatus.LAUNCHED, "i-0bbbbbbbbbbbbbbb0")));
    assertThat(o.state()).isEqualTo(JobOutcome.State.SUCCEEDED);
    assertThat(o.launchedInstances())
        .containsEntry("s-0123456789abcdef0", "i-0aaaaaaaaaaaaaaa0")
        .containsEntry("s-0123456789abcdef1", "i-0bbbbbbbbbbbbbbb0");
  }

  @Test
  void completedWithAFailedServerFailsNamingIt() {
    JobOutcome o =
        JobOutcome.of(
            job(
                JobStatus.COMPLETED,
                server("s-0123456789abcdef0", LaunchStatus.LAUNCHED, "i-0aaaaaaaaaaaaaaa0"),
                server("s-0123456789abcdef1", LaunchStatus.FAILED, null)));
    assertThat(o.state()).isEqualTo(JobOutcome.State.FAILED);
    assertThat(o.reason())
        .contains("s-0123456789abcdef1 FAILED")
        .doesNotContain("s-0123456789abcdef0");
  }

  @Test
  void aJobStatusFailedFails() {
    Job failed =
        Job.builder()
            .jobID("mgnjob-0123456789abcdef0")
            .status("FAILED")
            .participatingServers(server("s-0123456789abcdef0", LaunchStatus.FAILED, null))
            .build();
    assertThat(JobOutcome.of(failed).state()).isEqualTo(JobOutcome.State.FAILED);
  }

  @Test
  void pendingAndStartedJobsStillRun() {
    for (JobStatus s : List.of(JobStatus.PENDING, JobStatus.STARTED)) {
      JobOutcome o =
          JobOutcome.of(job(s, server("s-0123456789abcdef0", LaunchStatus.IN_PROGRESS, null)));
      assertThat(o.state()).isEqualTo(JobOutcome.State.RUNNING);
      assertThat(o.reason()).contains(s.toString()).contains("IN_PROGRESS");
    }
  }

  @Test
  void theFailureMessageCarriesTheJobLog() {
    JobOutcome o =
        JobOutcome.of(
            job(JobStatus.COMPLETED, server("s-0123456789abcdef1", LaunchStatus.FAILED, null)));
    String message =
        JobOutcome.failureMessage(
            o,
            List.of(
                JobLog.builder()
                    .logDateTime("2026-11-24T03:00:00Z")
                    .event(JobLogEvent.JOB_START)
                    .build(),
                JobLog.builder()
                    .logDateTime(Instant.parse("2026-11-24T03:05:00Z").toString())
                    .event(JobLogEvent.LAUNCH_FAILED)
                    .eventData(
                        JobLogEventData.builder()
                            .sourceServerID("s-0123456789abcdef1")
                            .rawError("InsufficientInstanceCapacity")
                            .build())
                    .build()));
    assertThat(message)
        .contains("s-0123456789abcdef1 FAILED")
        .contains("JOB_START")
        .contains("LAUNCH_FAILED s-0123456789abcdef1: InsufficientInstanceCapacity");
  }
}
