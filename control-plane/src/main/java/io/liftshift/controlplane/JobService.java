package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.Item;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Jobs and their logs: StartTest, StartCutover and TerminateTargetInstances create them (the launch
 * pipeline runs them once the creating transaction commits), DescribeJobs, DescribeJobLogItems and
 * DeleteJob read and remove them.
 */
final class JobService {
  static final String JOB = "job";
  static final String JOB_LOG = "job-log";

  /**
   * Why a server may not be cut over (a must-succeed post-launch action failed on its test
   * instance), or absent. A test whose actions pass clears it.
   */
  static final String CUTOVER_BLOCKED_BY = "cutoverBlockedBy";

  /** The reason a server goes to cutover without a test launch, logged by the cutover job. */
  static final String TEST_SKIPPED = "testSkipped";

  private static final Map<String, Set<String>> LAUNCHABLE_FROM =
      Map.of(
          "START_TEST", Set.of("READY_FOR_TEST", "TESTING", "READY_FOR_CUTOVER"),
          "START_CUTOVER", Set.of("READY_FOR_CUTOVER", "CUTTING_OVER"));

  private final Account account;
  private final SourceServerService servers;

  JobService(Account account, SourceServerService servers) {
    this.account = account;
    this.servers = servers;
  }

  /** Appends one event (MGN's JobLogEvent) to a job's log. */
  static void appendJobLog(StoreTransaction c, String jobId, String event, Map<String, String> data)
      throws StoreException {
    Optional<String> text = c.body(JOB_LOG, jobId);
    if (text.isEmpty()) {
      return;
    }
    ArrayNode items;
    try {
      items = (ArrayNode) Json.MAPPER.readTree(text.get());
    } catch (java.io.IOException e) {
      throw new StoreException("job log of " + jobId + " is not JSON", e);
    }
    ObjectNode item = items.addObject().put("logDateTime", Ids.now()).put("event", event);
    ObjectNode d = item.putObject("eventData");
    data.forEach(d::put);
    c.update(JOB_LOG, jobId, items.toString());
  }

  private ObjectNode newJob(
      StoreTransaction c,
      String type,
      String initiatedBy,
      ObjectNode request,
      List<String> serverIds)
      throws StoreException, ApiException {
    String jobId = Ids.newId("mgnjob-");
    ObjectNode job = Json.MAPPER.createObjectNode();
    job.put("jobID", jobId);
    job.put("arn", account.arn(c, "job", jobId));
    job.put("type", type);
    job.put("initiatedBy", initiatedBy);
    job.put("creationDateTime", Ids.now());
    // The launch itself belongs to the launch pipeline (conversion and boot); until it takes the
    // job, it stays PENDING and never claims that anything was launched.
    job.put("status", "PENDING");
    ArrayNode ps = job.putArray("participatingServers");
    for (String id : serverIds) {
      ps.addObject().put("sourceServerID", id).put("launchStatus", "PENDING");
    }
    job.set("tags", request.has("tags") ? request.get("tags") : Json.MAPPER.createObjectNode());
    c.insert(JOB, jobId, job.toString());
    ArrayNode log = Json.MAPPER.createArrayNode();
    log.addObject().put("logDateTime", Ids.now()).put("event", "JOB_START").putObject("eventData");
    c.insert(JOB_LOG, jobId, log.toString());
    return job;
  }

  /** StartTest: a launch job over the request's servers, which go to TESTING. */
  ObjectNode startTest(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    return startLaunch(c, request, "START_TEST");
  }

  /** StartCutover: a launch job over the request's servers, which go to CUTTING_OVER. */
  ObjectNode startCutover(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    return startLaunch(c, request, "START_CUTOVER");
  }

  private ObjectNode startLaunch(StoreTransaction c, ObjectNode request, String initiatedBy)
      throws StoreException, ApiException {
    account.check(c, request);
    boolean test = initiatedBy.equals("START_TEST");
    JsonNode tags = request.path("tags");
    String skipReason = test ? "" : tags.path(JobTags.SKIP_TEST_REASON).asText("").strip();
    boolean promote =
        !test && tags.path(JobTags.PROMOTE_TEST_INSTANCE).asText("").equalsIgnoreCase("true");
    if (promote && !skipReason.isEmpty()) {
      throw ApiException.validation(
          "other",
          "tags: a cutover either promotes the test instance ("
              + JobTags.PROMOTE_TEST_INSTANCE
              + ") or skips the test ("
              + JobTags.SKIP_TEST_REASON
              + "), not both");
    }
    Set<String> allowed = new HashSet<>(LAUNCHABLE_FROM.get(initiatedBy));
    if (!skipReason.isEmpty()) {
      allowed.add("READY_FOR_TEST");
    }
    if (promote) {
      allowed.add("TESTING");
    }
    List<ObjectNode> launched = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (JsonNode n : request.path("sourceServerIDs")) {
      ObjectNode server = SourceServerService.load(c, n.asText());
      String state = server.path("lifeCycle").path("state").asText();
      boolean launchable = SourceServerService.launchable(server);
      if (server.path("isArchived").asBoolean() || !launchable || !allowed.contains(state)) {
        throw SourceServerService.conflict(
            server,
            "source server "
                + n.asText()
                + " is "
                + state
                + (launchable ? "" : " and its initial sync has not completed")
                + "; "
                + (test ? "a test" : "a cutover")
                + " launch needs "
                + LAUNCHABLE_FROM.get(initiatedBy)
                + (!test && state.equals("READY_FOR_TEST")
                    ? " (to cut over without a test, give the reason as the job tag "
                        + JobTags.SKIP_TEST_REASON
                        + ")"
                    : ""));
      }
      ObjectNode priv = (ObjectNode) server.path("_private");
      String refused = test ? null : cutoverRefusal(c, server);
      if (refused != null) {
        throw SourceServerService.conflict(
            server, "source server " + n.asText() + " cannot be cut over: " + refused);
      }
      if (promote && !priv.has("testLaunch")) {
        throw SourceServerService.conflict(
            server,
            "source server "
                + n.asText()
                + " has no test instance to promote; launch a test first, or cut over without "
                + JobTags.PROMOTE_TEST_INSTANCE);
      }
      if (test) {
        priv.remove(TEST_SKIPPED);
      } else if (!skipReason.isEmpty() && !server.path("lifeCycle").has("lastTest")) {
        priv.putObject(TEST_SKIPPED).put("reason", skipReason).put("dateTime", Ids.now());
      }
      launched.add(server);
      ids.add(n.asText());
    }
    ObjectNode job = newJob(c, "LAUNCH", initiatedBy, request, ids);
    for (ObjectNode server : launched) {
      ObjectNode life = (ObjectNode) server.path("lifeCycle");
      life.put("state", test ? "TESTING" : "CUTTING_OVER");
      ObjectNode last = life.putObject(test ? "lastTest" : "lastCutover");
      last.putObject("initiated")
          .put("apiCallDateTime", Ids.now())
          .put("jobID", job.path("jobID").asText());
      servers.save(c, server);
    }
    return job;
  }

  /** TerminateTargetInstances: a job that removes the servers' launched instances. */
  ObjectNode terminateTargetInstances(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    account.check(c, request);
    List<String> ids = new ArrayList<>();
    for (JsonNode n : request.path("sourceServerIDs")) {
      SourceServerService.load(c, n.asText());
      ids.add(n.asText());
    }
    return newJob(c, "TERMINATE", "TERMINATE", request, ids);
  }

  /**
   * Why the server may not go to cutover now, or null: a must-succeed post-launch action failed on
   * its last test instance, or its test launch (with its actions) has not finished.
   */
  static String cutoverRefusal(StoreTransaction c, ObjectNode server) throws StoreException {
    String blocked = server.path("_private").path(CUTOVER_BLOCKED_BY).asText("");
    if (!blocked.isEmpty()) {
      return blocked + " (launch a test again once it is fixed)";
    }
    String testJob =
        server.path("lifeCycle").path("lastTest").path("initiated").path("jobID").asText("");
    if (!testJob.isEmpty()) {
      String status =
          c.body(JOB, testJob).map(j -> Json.parse(j).path("status").asText()).orElse("COMPLETED");
      // PENDING is left alone: without a launch backend a job stays PENDING for good.
      if (status.equals("STARTED")) {
        return "its test launch "
            + testJob
            + " is "
            + status
            + "; wait for it (and its post-launch actions) to end";
      }
    }
    return null;
  }

  JsonNode describeJobs(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    account.check(c, request);
    JsonNode f = request.path("filters");
    Set<String> ids = new HashSet<>();
    f.path("jobIDs").forEach(n -> ids.add(n.asText()));
    String from = f.path("fromDate").asText("");
    String to = f.path("toDate").asText("");
    List<JsonNode> items = new ArrayList<>();
    for (Item r : c.list(JOB)) {
      ObjectNode job = Json.parse(r.body());
      String created = job.path("creationDateTime").asText();
      if ((ids.isEmpty() || ids.contains(r.id()))
          && (from.isEmpty() || created.compareTo(from) >= 0)
          && (to.isEmpty() || created.compareTo(to) <= 0)) {
        items.add(job);
      }
    }
    return Paging.page(items, request);
  }

  JsonNode describeJobLogItems(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    account.check(c, request);
    String id = request.path("jobID").asText();
    String log = c.body(JOB_LOG, id).orElseThrow(() -> ApiException.notFound("Job", id));
    List<JsonNode> items = new ArrayList<>();
    try {
      Json.MAPPER.readTree(log).forEach(items::add);
    } catch (java.io.IOException e) {
      throw new StoreException(e);
    }
    return Paging.page(items, request);
  }

  JsonNode deleteJob(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    account.check(c, request);
    String id = request.path("jobID").asText();
    ObjectNode job = Documents.load(c, JOB, "Job", id);
    if (job.path("status").asText().equals("STARTED")) {
      throw new ApiException(
          "ConflictException", 409, "job " + id + " is STARTED; it cannot be deleted");
    }
    c.delete(JOB, id);
    c.delete(JOB_LOG, id);
    return null;
  }
}
