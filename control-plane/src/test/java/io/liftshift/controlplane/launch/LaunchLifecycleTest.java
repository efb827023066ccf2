package io.liftshift.controlplane.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.controlplane.JobTags;
import io.liftshift.controlplane.api.ApiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launch lifecycle beyond a plain test and cutover: skipping the test with a reason, promoting
 * the tested instance to cutover, post-launch actions, and the launch template's instance type.
 * Launches go to EC2 through the contract fake ({@link AwsLaunchHarness}).
 */
class LaunchLifecycleTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private static String readyForCutover(AwsLaunchHarness h, String id) throws Exception {
    return h.cp.call(
        "ChangeServerLifeCycleState",
        "{\"sourceServerID\":\"" + id + "\",\"lifeCycle\":{\"state\":\"READY_FOR_CUTOVER\"}}");
  }

  private static String defaultLaunchTemplate(AwsLaunchHarness h) throws Exception {
    return JSON.readTree(h.cp.call("DescribeLaunchConfigurationTemplates", "{}"))
        .path("items")
        .get(0)
        .path("launchConfigurationTemplateID")
        .asText();
  }

  @Test
  void aCutoverWithoutATestNeedsAReasonAndItsJobLogsIt() throws Exception {
    try (AwsLaunchHarness h = new AwsLaunchHarness(dir)) {
      String id = h.syncedSourceServer("app-01");
      h.enableLaunches();
      assertThat(h.server(id).path("lifeCycle").path("state").asText()).isEqualTo("READY_FOR_TEST");

      assertThatThrownBy(() -> h.start("StartCutover", "{\"sourceServerIDs\":[\"" + id + "\"]}"))
          .isInstanceOf(ApiException.class)
          .hasMessageContaining("READY_FOR_TEST")
          .hasMessageContaining(JobTags.SKIP_TEST_REASON);

      String job =
          h.start(
              "StartCutover",
              "{\"sourceServerIDs\":[\""
                  + id
                  + "\"],\"tags\":{\""
                  + JobTags.SKIP_TEST_REASON
                  + "\":\"stateless web tier, tested as a golden image\"}}");
      h.convert(h.awaitInstance(0));
      h.console(h.awaitInstance(1), "liftshift-first-boot: SUCCEEDED ip=10.0.0.10");
      h.awaitJob(job);
      assertThat(h.jobLog(job))
          .contains("\"TEST_SKIPPED\"")
          .contains("stateless web tier, tested as a golden image");
      assertThat(h.server(id).path("lifeCycle").path("state").asText()).isEqualTo("CUTTING_OVER");
    }
  }

  @Test
  void aTestedInstanceIsPromotedToCutoverWithoutANewLaunch() throws Exception {
    try (AwsLaunchHarness h = new AwsLaunchHarness(dir)) {
      String id = h.syncedSourceServer("app-01");
      h.enableLaunches();
      AwsLaunchHarness.Launched tested = h.bootedTestLaunch(id);
      String test = tested.jobId();
      String instance = tested.instanceId();
      int launched = h.fake.instanceIds().size();

      String cutover =
          h.start(
              "StartCutover",
              "{\"sourceServerIDs\":[\""
                  + id
                  + "\"],\"tags\":{\""
                  + JobTags.PROMOTE_TEST_INSTANCE
                  + "\":\"true\"}}");
      JsonNode done = h.awaitJob(cutover);

      JsonNode p = done.path("participatingServers").get(0);
      assertThat(p.path("launchStatus").asText()).isEqualTo("LAUNCHED");
      assertThat(p.path("launchedEc2InstanceID").asText()).isEqualTo(instance);
      assertThat(h.fake.instanceIds()).as("no new instance").hasSize(launched);
      assertThat(h.jobLog(cutover))
          .contains("\"LAUNCH_START\"")
          .contains("promoted the test instance launched by " + test)
          .doesNotContain("CLEANUP_START");
      var tags =
          h.ec2
              .describeInstances(b -> b.instanceIds(instance))
              .reservations()
              .get(0)
              .instances()
              .get(0)
              .tags();
      assertThat(tags)
          .anySatisfy(
              t -> {
                assertThat(t.key()).isEqualTo("liftshift:launch");
                assertThat(t.value()).isEqualTo("cutover");
              });
      JsonNode server = h.server(id);
      assertThat(server.path("launchedInstance").path("ec2InstanceID").asText())
          .isEqualTo(instance);
      assertThat(server.path("launchedInstance").path("firstBoot").asText()).isEqualTo("SUCCEEDED");
      assertThat(
              h.cp
                  .call("FinalizeCutover", "{\"sourceServerID\":\"" + id + "\"}")
                  .contains("\"CUTOVER\""))
          .isTrue();
      assertThat(h.fake.rejectedByModel()).isZero();
    }
  }

  @Test
  void aWavesServersLaunchSideBySide() throws Exception {
    try (AwsLaunchHarness h = new AwsLaunchHarness(dir)) {
      String web = h.syncedSourceServer("web-01");
      String db = h.syncedSourceServer("db-01");
      h.enableLaunches();
      String job = h.start("StartTest", "{\"sourceServerIDs\":[\"" + web + "\",\"" + db + "\"]}");
      // Both conversion servers run before either reports: the second server does not wait.
      String first = h.awaitInstance(0);
      String second = h.awaitInstance(1);
      JsonNode a = h.convert(first);
      JsonNode b = h.convert(second);
      assertThat(List.of(a.path("sourceServerID").asText(), b.path("sourceServerID").asText()))
          .containsExactlyInAnyOrder(web, db);
      h.console(h.awaitInstance(2), "liftshift-first-boot: SUCCEEDED ip=10.0.0.10");
      h.console(h.awaitInstance(3), "liftshift-first-boot: SUCCEEDED ip=10.0.0.11");
      JsonNode done = h.awaitJob(job);
      assertThat(done.path("participatingServers"))
          .allSatisfy(p -> assertThat(p.path("launchStatus").asText()).isEqualTo("LAUNCHED"));
      assertThat(h.fake.rejectedByModel()).isZero();
    }
  }

  @Test
  void aReinstalledAgentLeavesTheServersLaunchedInstancesItsOwn() throws Exception {
    try (AwsLaunchHarness h = new AwsLaunchHarness(dir)) {
      String id = h.syncedSourceServer("app-01");
      h.enableLaunches();
      AwsLaunchHarness.Launched launched = h.bootedTestLaunch(id);
      String test = launched.jobId();
      String instance = launched.instanceId();

      JsonNode again =
          h.post(
              "/agent/v1/register",
              h.cp.createInstallToken(),
              "{\"machineId\":\"m-app-01\",\"identificationHints\":{\"hostname\":\"app-01\"},"
                  + "\"disks\":[{\"deviceName\":\"/dev/sda\",\"bytes\":1073741824}]}");
      assertThat(again.path("sourceServerID").asText()).isEqualTo(id);
      String terminate =
          h.start("TerminateTargetInstances", "{\"sourceServerIDs\":[\"" + id + "\"]}");
      assertThat(
              h.awaitJob(terminate)
                  .path("participatingServers")
                  .get(0)
                  .path("launchedEc2InstanceID")
                  .asText())
          .isEqualTo(instance);
    }
  }

  @Test
  void promotingNeedsATestInstance() throws Exception {
    try (AwsLaunchHarness h = new AwsLaunchHarness(dir)) {
      String id = h.syncedSourceServer("app-01");
      h.enableLaunches();
      readyForCutover(h, id);
      assertThatThrownBy(
              () ->
                  h.start(
                      "StartCutover",
                      "{\"sourceServerIDs\":[\""
                          + id
                          + "\"],\"tags\":{\""
                          + JobTags.PROMOTE_TEST_INSTANCE
                          + "\":\"true\"}}"))
          .isInstanceOf(ApiException.class)
          .hasMessageContaining("has no test instance to promote");
    }
  }

  @Test
  void postLaunchActionsRunAtFirstBootAndAFailedMustSucceedOneBlocksTheCutover() throws Exception {
    try (AwsLaunchHarness h = new AwsLaunchHarness(dir)) {
      String id = h.syncedSourceServer("app-01");
      Path smoke =
          Files.writeString(
              h.cp.postLaunchScriptsDir().resolve("smoke.sh"), "#!/bin/sh\ncurl -sf localhost\n");
      // Scripts come only from the control plane's post-launch scripts directory.
      assertThatThrownBy(
              () ->
                  h.cp.call(
                      "PutSourceServerAction",
                      "{\"sourceServerID\":\""
                          + id
                          + "\",\"actionID\":\"steal\",\"actionName\":\"steal\","
                          + "\"documentIdentifier\":\"file:///etc/passwd\",\"order\":1003}"))
          .isInstanceOf(ApiException.class)
          .hasMessageContaining("outside the control plane's post-launch scripts directory");
      Files.createSymbolicLink(
          h.cp.postLaunchScriptsDir().resolve("escape.sh"), Path.of("/etc/passwd"));
      h.cp.call(
          "PutSourceServerAction",
          "{\"sourceServerID\":\""
              + id
              + "\",\"actionID\":\"escape\",\"actionName\":\"escape\",\"documentIdentifier\":\""
              + h.cp.postLaunchScriptsDir().resolve("escape.sh").toUri()
              + "\",\"order\":1003,\"mustSucceedForCutover\":false}");
      h.cp.call(
          "PutSourceServerAction",
          "{\"sourceServerID\":\""
              + id
              + "\",\"actionID\":\"smoke\",\"actionName\":\"smoke test\",\"documentIdentifier\":\""
              + smoke.toUri()
              + "\",\"order\":1001,\"timeoutSeconds\":30,\"mustSucceedForCutover\":true}");
      h.cp.call(
          "PutSourceServerAction",
          "{\"sourceServerID\":\""
              + id
              + "\",\"actionID\":\"cw\",\"actionName\":\"cloudwatch agent\","
              + "\"documentIdentifier\":\"AmazonCloudWatch-ManageAgent\",\"order\":1002,"
              + "\"mustSucceedForCutover\":false}");
      h.enableLaunches();
      String test = h.start("StartTest", "{\"sourceServerIDs\":[\"" + id + "\"]}");
      JsonNode conversion = h.convert(h.awaitInstance(0));
      assertThat(conversion.path("postLaunchActions")).hasSize(1);
      assertThat(conversion.path("postLaunchActions").get(0).path("id").asText())
          .isEqualTo("01-smoke_test");
      assertThat(conversion.path("postLaunchActions").get(0).path("script").asText())
          .contains("curl -sf localhost");
      String instance = h.awaitInstance(1);
      h.console(instance, "liftshift-first-boot: SUCCEEDED ip=10.0.0.10");
      h.console(instance, "liftshift-post-launch: 01-smoke_test FAILED exit=7");
      JsonNode done = h.awaitJob(test);

      JsonNode status =
          done.path("participatingServers")
              .get(0)
              .path("postLaunchActionsStatus")
              .path("postLaunchActionsLaunchStatusList");
      assertThat(status).hasSize(3);
      assertThat(status.get(2).path("failureReason").asText()).contains("no such regular file");
      assertThat(status.get(0).path("executionStatus").asText()).isEqualTo("FAILED");
      assertThat(status.get(0).path("failureReason").asText()).contains("exit=7");
      assertThat(status.get(1).path("executionStatus").asText()).isEqualTo("FAILED");
      assertThat(status.get(1).path("failureReason").asText())
          .contains("AmazonCloudWatch-ManageAgent")
          .contains("no Systems Manager");
      assertThatThrownBy(() -> readyForCutover(h, id))
          .isInstanceOf(ApiException.class)
          .hasMessageContaining("'smoke test' must succeed for cutover");

      // Fixed and tested again: the action succeeds and the cutover is allowed.
      String retest = h.start("StartTest", "{\"sourceServerIDs\":[\"" + id + "\"]}");
      h.convert(h.awaitInstance(2));
      String again = h.awaitInstance(3);
      h.console(again, "liftshift-first-boot: SUCCEEDED ip=10.0.0.11");
      h.console(again, "liftshift-post-launch: 01-smoke_test SUCCEEDED");
      JsonNode passed = h.awaitJob(retest);
      assertThat(
              passed
                  .path("participatingServers")
                  .get(0)
                  .path("postLaunchActionsStatus")
                  .path("postLaunchActionsLaunchStatusList")
                  .get(0)
                  .path("executionStatus")
                  .asText())
          .isEqualTo("SUCCESS");
      assertThat(readyForCutover(h, id)).contains("READY_FOR_CUTOVER");
    }
  }

  @Test
  void aNewSourceServerGetsTheTemplatesPostLaunchActions() throws Exception {
    try (AwsLaunchHarness h = new AwsLaunchHarness(dir)) {
      String template = defaultLaunchTemplate(h);
      h.cp.call(
          "PutTemplateAction",
          "{\"launchConfigurationTemplateID\":\""
              + template
              + "\",\"actionID\":\"smoke\",\"actionName\":\"smoke test\","
              + "\"documentIdentifier\":\""
              + h.cp.postLaunchScriptsDir().resolve("smoke.sh").toUri()
              + "\",\"order\":1001}");
      String id = h.syncedSourceServer("app-01");
      assertThat(h.cp.call("ListSourceServerActions", "{\"sourceServerID\":\"" + id + "\"}"))
          .contains("\"actionID\":\"smoke\"")
          .contains("post-launch-scripts/smoke.sh");
    }
  }

  @Test
  void withoutRightSizingTheLaunchTemplateNamesTheInstanceType() throws Exception {
    try (AwsLaunchHarness h = new AwsLaunchHarness(dir)) {
      // Set on the default template: a launch takes the server's configuration as the template
      // makes it, even when nobody read it before.
      String template = defaultLaunchTemplate(h);
      h.cp.call(
          "UpdateLaunchConfigurationTemplate",
          "{\"launchConfigurationTemplateID\":\""
              + template
              + "\",\"targetInstanceTypeRightSizingMethod\":\"NONE\"}");
      String id = h.syncedSourceServer("app-01");
      h.enableLaunches();
      AwsLaunchHarness.Launched launched = h.bootedTestLaunch(id);
      String test = launched.jobId();
      String instance = launched.instanceId();
      assertThat(h.fake.launchRequest(instance))
          .containsEntry("LaunchTemplate.LaunchTemplateId", AwsLaunchHarness.TARGET_TEMPLATE)
          .doesNotContainKey("InstanceType");
    }
  }
}
