package io.liftshift.cli;

import io.liftshift.controlplane.ControlPlane;
import io.liftshift.replicator.Replicator;
import java.nio.file.Files;
import java.nio.file.Path;

/** The quickstart's steps 6 to 8: test launch, cutover launch and finalize, through the MGN API. */
final class QuickstartLaunches {
  private QuickstartLaunches() {}

  /**
   * Steps 6 to 8: a test launch (converted, booted as an NVMe virtual machine that reports its
   * first boot), the cutover launch (which replaces the test copy), and finalize (staging volumes
   * and snapshots deleted). All through the MGN API of the control plane.
   */
  static Integer run(
      Path work,
      Path source,
      ControlPlane cp,
      String id,
      Replicator replicator,
      RunningAgent replicating)
      throws Exception {
    Path launchDir = work.resolve("launch");
    if (Files.isDirectory(launchDir.resolve("instances"))) {
      // The previous run's migrated server is still running: it goes before its files do.
      var previous = InstancesCommand.open(launchDir);
      for (var i : previous.list(java.util.Map.of())) {
        previous.terminate(i.instanceId());
      }
    }
    SampleDisk.deleteTree(launchDir);
    String accel = BootableSample.accelerator(source, work.resolve("kvm-probe"));
    System.out.println(
        "[6/8] test launch (qemu "
            + (accel.equals("kvm") ? "with KVM" : "under TCG: KVM cannot boot Linux here")
            + "; about a minute under TCG)");
    cp.enableLaunches(
        new io.liftshift.cloud.local.LocalLaunchCloud(
            launchDir,
            ControlPlaneCommand.converterCommand(),
            java.net.URI.create("https://127.0.0.1:" + cp.port()),
            cp.caFingerprint(),
            accel),
        15 * 60_000L,
        5_000L);
    com.fasterxml.jackson.databind.ObjectMapper json = io.liftshift.contract.ContractJson.MAPPER;
    String servers = "{\"sourceServerIDs\":[\"" + id + "\"]}";
    if (!followJob(cp, json, json.readTree(cp.call("StartTest", servers)))) {
      return 3;
    }
    System.out.println("[7/8] cutover launch (replaces the test copy)");
    cp.call(
        "ChangeServerLifeCycleState",
        "{\"sourceServerID\":\"" + id + "\",\"lifeCycle\":{\"state\":\"READY_FOR_CUTOVER\"}}");
    if (!followJob(cp, json, json.readTree(cp.call("StartCutover", servers)))) {
      return 3;
    }
    System.out.println("[8/8] finalize the cutover");
    var after = json.readTree(cp.call("FinalizeCutover", "{\"sourceServerID\":\"" + id + "\"}"));
    System.out.println("  " + id + " is " + after.path("lifeCycle").path("state").asText());
    if (replicating instanceof InstalledAgent installed) {
      // Finalized: the control plane answers the agent's heartbeat with 410, and the agent
      // uninstalls itself by the installer's --uninstall, as on a server.
      boolean exited = installed.awaitExit(45_000);
      System.out.println(
          exited && !Files.exists(installed.optDir())
              ? "  the agent was told it is disconnected and uninstalled itself: "
                  + installed.optDir()
                  + " is gone"
              : "  the agent was still running 45 s after finalize: stopping it");
    }
    // Finalizing ends replication, so the agent stops here: left running, it kept its session
    // (and the staging volume) past the 60 s this step waits.
    replicating.close();
    long deadline = System.currentTimeMillis() + 60_000;
    while (!replicator.volumes().list().isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(500);
    }
    System.out.println(
        replicator.volumes().list().isEmpty()
                && replicator.snapshots().orElseThrow().list(id).isEmpty()
            ? "  the replicator deleted the staging volume and every snapshot of " + id
            : "  the staging volume is still there (the replicator deletes it at a heartbeat)");
    System.out.println(
        "  the migrated server keeps running; stop it with: liftshift instances terminate"
            + " --launch-dir "
            + launchDir
            + " INSTANCE");
    System.out.println(
        "  see the instance: liftshift instances list --launch-dir "
            + launchDir
            + "; its console: liftshift instances console --launch-dir "
            + launchDir
            + " INSTANCE");
    return 0;
  }

  private static boolean followJob(
      ControlPlane cp,
      com.fasterxml.jackson.databind.ObjectMapper json,
      com.fasterxml.jackson.databind.JsonNode started)
      throws Exception {
    String jobId = started.path("job").path("jobID").asText();
    System.out.println("  job " + jobId);
    int printed = 0;
    long deadline = System.currentTimeMillis() + 30 * 60_000L;
    while (System.currentTimeMillis() < deadline) {
      var log = json.readTree(cp.call("DescribeJobLogItems", "{\"jobID\":\"" + jobId + "\"}"));
      var items = log.path("items");
      for (; printed < items.size(); printed++) {
        var i = items.get(printed);
        System.out.println(
            "  "
                + i.path("logDateTime").asText()
                + "  "
                + i.path("event").asText()
                + "  "
                + i.path("eventData").path("targetInstanceID").asText("")
                + i.path("eventData").path("conversionServerID").asText("")
                + " "
                + i.path("eventData").path("rawError").asText(""));
      }
      var job =
          json.readTree(cp.call("DescribeJobs", "{\"filters\":{\"jobIDs\":[\"" + jobId + "\"]}}"))
              .path("items")
              .get(0);
      if (job.path("status").asText().equals("COMPLETED")) {
        var p = job.path("participatingServers").get(0);
        var server =
            json.readTree(
                    cp.call(
                        "DescribeSourceServers",
                        "{\"filters\":{\"sourceServerIDs\":[\""
                            + p.path("sourceServerID").asText()
                            + "\"]}}"))
                .path("items")
                .get(0);
        String firstBoot = server.path("launchedInstance").path("firstBoot").asText("");
        System.out.println(
            "  "
                + p.path("launchStatus").asText()
                + " "
                + p.path("launchedEc2InstanceID").asText("")
                + ", firstBoot "
                + firstBoot);
        return p.path("launchStatus").asText().equals("LAUNCHED") && firstBoot.equals("SUCCEEDED");
      }
      Thread.sleep(2000);
    }
    System.out.println("  the job did not finish in 30 minutes");
    return false;
  }
}
