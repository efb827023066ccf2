package io.liftshift.controlplane;

import static io.liftshift.controlplane.Documents.APPLICATION;
import static io.liftshift.controlplane.Documents.LAUNCH_TEMPLATE;
import static io.liftshift.controlplane.Documents.REPLICATION_TEMPLATE;
import static io.liftshift.controlplane.Documents.WAVE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;

/**
 * Maps the MGN operations this version serves to their services. Each runs in one transaction: a
 * request that fails changes nothing. An operation that starts a job hands it to the job queue once
 * the transaction that created it has committed.
 */
final class OperationRouter {
  /** An operation that answers. */
  @FunctionalInterface
  interface Handler {
    JsonNode handle(StoreTransaction c, ObjectNode request) throws StoreException, ApiException;
  }

  /** An operation that creates a job (launch or termination) and answers with it. */
  @FunctionalInterface
  interface JobStarter {
    ObjectNode start(StoreTransaction c, ObjectNode request) throws StoreException, ApiException;
  }

  /** Where started jobs go to run, after their transaction has committed. */
  @FunctionalInterface
  interface JobQueue {
    void submit(String jobId);
  }

  private sealed interface Route {}

  private record Answers(Handler handler) implements Route {}

  private record StartsJob(JobStarter starter) implements Route {}

  private final ControlPlaneStore db;
  private final JobQueue queue;
  private final Map<String, Route> routes;

  OperationRouter(ControlPlaneStore db, Services s, JobQueue queue) {
    this.db = db;
    this.queue = queue;
    TemplateService t = s.templates();
    ApplicationService a = s.applications();
    SourceServerService servers = s.servers();
    ServerConfigurations config = s.configurations();
    ReplicationControlService replication = s.replication();
    JobService jobs = s.jobs();
    PostLaunchActionService actions = s.actions();
    TagService tags = s.tags();
    this.routes =
        Map.ofEntries(
            answers("InitializeService", t::initializeService),
            answers(
                "CreateReplicationConfigurationTemplate",
                (c, r) -> t.create(c, REPLICATION_TEMPLATE, r)),
            answers(
                "DescribeReplicationConfigurationTemplates",
                (c, r) ->
                    t.describe(c, REPLICATION_TEMPLATE, r, "replicationConfigurationTemplateIDs")),
            answers(
                "UpdateReplicationConfigurationTemplate",
                (c, r) -> t.update(c, REPLICATION_TEMPLATE, r)),
            answers(
                "DeleteReplicationConfigurationTemplate",
                (c, r) -> t.delete(c, REPLICATION_TEMPLATE, r)),
            answers("CreateLaunchConfigurationTemplate", (c, r) -> t.create(c, LAUNCH_TEMPLATE, r)),
            answers(
                "DescribeLaunchConfigurationTemplates",
                (c, r) -> t.describe(c, LAUNCH_TEMPLATE, r, "launchConfigurationTemplateIDs")),
            answers("UpdateLaunchConfigurationTemplate", (c, r) -> t.update(c, LAUNCH_TEMPLATE, r)),
            answers("DeleteLaunchConfigurationTemplate", (c, r) -> t.delete(c, LAUNCH_TEMPLATE, r)),
            answers("CreateApplication", (c, r) -> a.create(c, APPLICATION, r)),
            answers("ListApplications", (c, r) -> a.list(c, APPLICATION, r, "applicationIDs")),
            answers("UpdateApplication", (c, r) -> a.update(c, APPLICATION, r)),
            answers("DeleteApplication", (c, r) -> a.delete(c, APPLICATION, r)),
            answers("ArchiveApplication", (c, r) -> a.archive(c, APPLICATION, r, true)),
            answers("UnarchiveApplication", (c, r) -> a.archive(c, APPLICATION, r, false)),
            answers("CreateWave", (c, r) -> a.create(c, WAVE, r)),
            answers("ListWaves", (c, r) -> a.list(c, WAVE, r, "waveIDs")),
            answers("UpdateWave", (c, r) -> a.update(c, WAVE, r)),
            answers("DeleteWave", (c, r) -> a.delete(c, WAVE, r)),
            answers("ArchiveWave", (c, r) -> a.archive(c, WAVE, r, true)),
            answers("UnarchiveWave", (c, r) -> a.archive(c, WAVE, r, false)),
            answers("AssociateApplications", (c, r) -> a.associateApplications(c, r, true)),
            answers("DisassociateApplications", (c, r) -> a.associateApplications(c, r, false)),
            answers("AssociateSourceServers", (c, r) -> a.associateServers(c, r, true)),
            answers("DisassociateSourceServers", (c, r) -> a.associateServers(c, r, false)),
            answers("DescribeSourceServers", servers::describe),
            answers("ChangeServerLifeCycleState", servers::changeLifeCycleState),
            answers("MarkAsArchived", servers::markAsArchived),
            answers("UpdateSourceServerReplicationType", servers::updateReplicationType),
            answers("DisconnectFromService", servers::disconnectFromService),
            answers("FinalizeCutover", servers::finalizeCutover),
            answers("DeleteSourceServer", servers::deleteSourceServer),
            answers("GetReplicationConfiguration", config::getReplication),
            answers("UpdateReplicationConfiguration", config::updateReplication),
            answers("GetLaunchConfiguration", config::getLaunch),
            answers("UpdateLaunchConfiguration", config::updateLaunch),
            answers("PauseReplication", replication::pause),
            answers("ResumeReplication", replication::resume),
            answers("StopReplication", replication::stop),
            answers("StartReplication", replication::start),
            answers("RetryDataReplication", replication::retry),
            startsJob("StartTest", jobs::startTest),
            startsJob("StartCutover", jobs::startCutover),
            startsJob("TerminateTargetInstances", jobs::terminateTargetInstances),
            answers("DescribeJobs", jobs::describeJobs),
            answers("DescribeJobLogItems", jobs::describeJobLogItems),
            answers("DeleteJob", jobs::deleteJob),
            answers("PutSourceServerAction", (c, r) -> actions.put(c, r, true)),
            answers("ListSourceServerActions", (c, r) -> actions.list(c, r, true)),
            answers("RemoveSourceServerAction", (c, r) -> actions.remove(c, r, true)),
            answers("PutTemplateAction", (c, r) -> actions.put(c, r, false)),
            answers("ListTemplateActions", (c, r) -> actions.list(c, r, false)),
            answers("RemoveTemplateAction", (c, r) -> actions.remove(c, r, false)),
            answers("TagResource", tags::tag),
            answers("UntagResource", tags::untag),
            answers("ListTagsForResource", tags::list),
            answers("ListManagedAccounts", s.account()::listManagedAccounts),
            answers("DescribeVcenterClients", (c, r) -> Paging.page(new ArrayList<>(), r)));
  }

  private static Map.Entry<String, Route> answers(String operation, Handler handler) {
    return Map.entry(operation, new Answers(handler));
  }

  private static Map.Entry<String, Route> startsJob(String operation, JobStarter starter) {
    return Map.entry(operation, new StartsJob(starter));
  }

  boolean serves(String operation) {
    return routes.containsKey(operation);
  }

  /**
   * Why liftshift will not honour an operation of the MGN API, or empty. These are MGN features
   * that depend on AWS-only machinery (agentless vCenter discovery, connectors, Organizations, the
   * import/export and network-migration services), not work left to do.
   */
  static Optional<String> unsupported(String operation) {
    if (operation.contains("NetworkMigration")) {
      return Optional.of(
          "network migration (MGN's VPC and network mapping service) is not part of liftshift");
    }
    if (operation.contains("Connector") || operation.equals("UpdateSourceServer")) {
      return Optional.of(
          "connectors (MGN's remote execution of agent installs through SSM) are not supported;"
              + " install the agent with 'liftshift agent install'");
    }
    if (operation.equals("DeleteVcenterClient")) {
      return Optional.of(
          "agentless vCenter replication is not supported; liftshift replicates with its agent"
              + " (replication type AGENT_BASED)");
    }
    if (operation.contains("Import") || operation.contains("Export")) {
      return Optional.of(
          "bulk import and export through S3 files are not supported; use the API or the CDK app");
    }
    return Optional.empty();
  }

  /** Runs a served operation; the answer's JSON, or null for an empty one. */
  JsonNode run(String operation, ObjectNode request) throws StoreException, ApiException {
    Route route = routes.get(operation);
    if (route == null) {
      throw ApiException.validation(
          "other", operation + " is part of the MGN API but not served by this liftshift version");
    }
    if (route instanceof StartsJob s) {
      ObjectNode job = ApiTransaction.run(db, c -> s.starter().start(c, request));
      queue.submit(job.path("jobID").asText());
      ObjectNode out = Json.MAPPER.createObjectNode();
      out.set("job", job);
      return out;
    }
    Handler handler = ((Answers) route).handler();
    return ApiTransaction.run(db, c -> handler.handle(c, request));
  }
}
