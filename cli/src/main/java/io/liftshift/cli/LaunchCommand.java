package io.liftshift.cli;

import io.liftshift.controlplane.JobTags;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.Job;
import software.amazon.awssdk.services.mgn.model.JobLog;

/** Test and cutover launches through the control plane's MGN API, followed to their end. */
@Command(
    name = "launch",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a test or cutover launch (StartTest/StartCutover) or finalizes a cutover",
      "(FinalizeCutover) for source servers, then follows the job and prints its log.",
      "Credentials come from the AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ...)."
    })
final class LaunchCommand implements Callable<Integer> {
  @Mixin ControlPlaneClient controlPlane;

  @Parameters(index = "0", paramLabel = "test|cutover|finalize")
  String kind;

  @Parameters(index = "1..*", paramLabel = "SOURCE_SERVER", arity = "1..*")
  List<String> sourceServers;

  @Option(
      names = "--timeout-minutes",
      defaultValue = "30",
      description = "Give up following the job after this long (default: ${DEFAULT-VALUE}).")
  int timeoutMinutes;

  @Option(
      names = "--skip-test-reason",
      paramLabel = "WHY",
      description = {
        "cutover: cut over a server that was never tested (still READY_FOR_TEST);",
        "the reason goes into the cutover job's log."
      })
  String skipTestReason;

  @Option(
      names = "--promote-test-instance",
      description = {
        "cutover: the running test instance becomes the cutover instance, with no new launch.",
        "It holds the data of the test's snapshot, not what changed on the source since."
      })
  boolean promoteTestInstance;

  @Override
  public Integer call() throws Exception {
    if (!kind.equals("cutover") && (skipTestReason != null || promoteTestInstance)) {
      System.err.println(
          "liftshift launch: --skip-test-reason and --promote-test-instance are for a cutover");
      return 2;
    }
    Map<String, String> tags = new LinkedHashMap<>();
    if (skipTestReason != null) {
      tags.put(JobTags.SKIP_TEST_REASON, skipTestReason);
    }
    if (promoteTestInstance) {
      tags.put(JobTags.PROMOTE_TEST_INSTANCE, "true");
    }
    try (MgnClient mgn = controlPlane.open()) {
      switch (kind) {
        case "finalize" -> {
          for (String id : sourceServers) {
            var s = mgn.finalizeCutover(b -> b.sourceServerID(id));
            System.out.println(id + ": " + s.lifeCycle().stateAsString());
          }
          return 0;
        }
        case "test", "cutover" -> {
          Job job =
              kind.equals("test")
                  ? mgn.startTest(b -> b.sourceServerIDs(sourceServers)).job()
                  : mgn.startCutover(b -> b.sourceServerIDs(sourceServers).tags(tags)).job();
          System.out.println("job " + job.jobID() + " started");
          long deadline = System.currentTimeMillis() + timeoutMinutes * 60_000L;
          int printed = 0;
          while (true) {
            List<JobLog> log = mgn.describeJobLogItems(b -> b.jobID(job.jobID())).items();
            for (; printed < log.size(); printed++) {
              JobLog l = log.get(printed);
              System.out.println(
                  l.logDateTime()
                      + "  "
                      + l.eventAsString()
                      + (l.eventData() == null ? "" : "  " + describe(l)));
            }
            Job now = mgn.describeJobs(b -> b.filters(f -> f.jobIDs(job.jobID()))).items().get(0);
            if (now.statusAsString().equals("COMPLETED")) {
              boolean ok = true;
              for (var p : now.participatingServers()) {
                System.out.println(
                    p.sourceServerID()
                        + ": "
                        + p.launchStatusAsString()
                        + (p.launchedEc2InstanceID() == null
                            ? ""
                            : " instance " + p.launchedEc2InstanceID()));
                ok &= "LAUNCHED".equals(p.launchStatusAsString());
                if (p.postLaunchActionsStatus() != null) {
                  for (var a : p.postLaunchActionsStatus().postLaunchActionsLaunchStatusList()) {
                    System.out.println(
                        "  post-launch action "
                            + a.ssmDocument().actionName()
                            + ": "
                            + a.executionStatusAsString()
                            + (a.failureReason() == null ? "" : " (" + a.failureReason() + ")"));
                    // A must-succeed action that failed blocks the cutover: not a success.
                    ok &=
                        !(Boolean.TRUE.equals(a.ssmDocument().mustSucceedForCutover())
                            && "FAILED".equals(a.executionStatusAsString()));
                  }
                }
              }
              return ok ? 0 : 1;
            }
            if (System.currentTimeMillis() > deadline) {
              System.out.println("job " + job.jobID() + " still " + now.statusAsString());
              return 1;
            }
            Thread.sleep(2000);
          }
        }
        default -> {
          System.err.println("liftshift launch: test, cutover or finalize, not " + kind);
          return 2;
        }
      }
    }
  }

  private static String describe(JobLog l) {
    var d = l.eventData();
    StringBuilder b = new StringBuilder();
    if (d.sourceServerID() != null) {
      b.append(d.sourceServerID());
    }
    if (d.conversionServerID() != null) {
      b.append(" conversion server ").append(d.conversionServerID());
    }
    if (d.targetInstanceID() != null) {
      b.append(" instance ").append(d.targetInstanceID());
    }
    if (d.rawError() != null) {
      b.append(" ").append(d.rawError());
    }
    return b.toString().strip();
  }
}
