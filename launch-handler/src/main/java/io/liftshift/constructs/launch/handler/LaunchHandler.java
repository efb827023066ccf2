package io.liftshift.constructs.launch.handler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.Job;
import software.amazon.awssdk.services.mgn.model.JobLog;
import software.amazon.awssdk.services.mgn.model.SourceServer;

/**
 * The Provider framework's two Lambda entry points: {@code onEvent} starts the step, {@code
 * isComplete} polls its job. An exception from either fails the deployment with its message.
 *
 * <p>Delete does nothing on the control plane: a launch that happened cannot be taken back by
 * removing it from a template, and cutover instances must never disappear with a stack. An Update
 * that keeps the step, its servers and the endpoint (only a timeout or a launch template changed)
 * starts nothing either.
 *
 * <p>Nor does a rollback, or an Update back to an older step: the handler starts a launch only
 * while its stack is being created or updated ({@link StackStatuses#FORWARD}, read with
 * DescribeStacks), and an Update whose step comes before the one it replaces (cutover to test,
 * finalize to cutover) for any of the same servers is answered with {@code Data.Unchanged} and a
 * {@code Data.Reason} that says why, which the Lambda's log also records.
 */
public final class LaunchHandler {
  /** The source-server tag that names the EC2 launch template its launches use. */
  public static final String LAUNCH_TEMPLATE_TAG = "liftshift:launch-template";

  private final MgnClients clients;
  private final StackStatuses stacks;
  private final Clock clock;

  /** The constructor Lambda uses. */
  public LaunchHandler() {
    this(MgnClients.fromSecretsManager(), StackStatuses.fromCloudFormation(), Clock.systemUTC());
  }

  public LaunchHandler(MgnClients clients, StackStatuses stacks, Clock clock) {
    this.clients = clients;
    this.stacks = stacks;
    this.clock = clock;
  }

  /** Create, Update or Delete: starts the step and returns its job in {@code Data}. */
  public Map<String, Object> onEvent(Map<String, Object> event) {
    String type = requestType(event);
    if ("Delete".equals(type)) {
      Map<String, Object> out = new HashMap<>();
      out.put("PhysicalResourceId", event.get("PhysicalResourceId"));
      return out;
    }
    LaunchRequest request = LaunchRequest.parse(properties(event));
    LaunchRequest before = "Update".equals(type) ? previous(event) : null;
    if (before != null && sameStep(request, before)) {
      // Only a new step or new servers launch anything: a cutover must never run twice because
      // a timeout or a launch template changed.
      return unchanged(event, request, "the step, its servers and the endpoint are unchanged");
    }
    Object stackId = event.get("StackId");
    if (stackId == null || stackId.toString().isBlank()) {
      throw new IllegalArgumentException(
          "the event has no StackId: a launch starts only once its stack's status is known");
    }
    String status = stacks.of(stackId.toString());
    if (!StackStatuses.FORWARD.contains(status)) {
      return unchanged(
          event,
          request,
          "the stack is "
              + status
              + ": a launch starts only while the stack is created or updated, never in a"
              + " rollback");
    }
    try (MgnClient mgn = clients.open(request)) {
      if (before != null && request.launch().compareTo(before.launch()) < 0) {
        List<String> again = new ArrayList<>(servers(mgn, request));
        again.retainAll(serversOrNone(mgn, before));
        if (!again.isEmpty()) {
          return unchanged(
              event,
              request,
              request.launch().propertyValue()
                  + " comes before the recorded step "
                  + before.launch().propertyValue()
                  + " for "
                  + String.join(",", again)
                  + ": an older step is never applied again; give new servers or a later step");
        }
      }
      List<String> servers = servers(mgn, request);
      tagLaunchTemplates(mgn, request, servers);
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("Launch", request.launch().propertyValue());
      data.put("SourceServerIDs", String.join(",", servers));
      data.put("StartedAtEpochSeconds", Long.toString(clock.instant().getEpochSecond()));
      String physicalId;
      switch (request.launch()) {
        case TEST -> {
          Job job = mgn.startTest(b -> b.sourceServerIDs(servers)).job();
          physicalId = job.jobID();
        }
        case CUTOVER -> {
          Job job = mgn.startCutover(b -> b.sourceServerIDs(servers)).job();
          physicalId = job.jobID();
        }
        case FINALIZE -> {
          for (String s : servers) {
            mgn.finalizeCutover(b -> b.sourceServerID(s));
          }
          physicalId = "finalize-" + digest(servers);
        }
        default -> throw new IllegalStateException("unhandled launch " + request.launch());
      }
      if (request.launch() != LaunchStep.FINALIZE) {
        data.put("JobID", physicalId);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("PhysicalResourceId", physicalId);
      out.put("Data", data);
      return out;
    }
  }

  /** Polled by the framework until it answers {@code IsComplete: true} or throws. */
  public Map<String, Object> isComplete(Map<String, Object> event) {
    String type = requestType(event);
    Map<String, Object> out = new LinkedHashMap<>();
    if ("Delete".equals(type)) {
      out.put("IsComplete", true);
      return out;
    }
    LaunchRequest request = LaunchRequest.parse(properties(event));
    Map<?, ?> data = event.get("Data") instanceof Map<?, ?> m ? m : Map.of();
    if (request.launch() == LaunchStep.FINALIZE || "true".equals(data.get("Unchanged"))) {
      out.put("IsComplete", true);
      return out;
    }
    Object jobId = data.get("JobID");
    Object started = data.get("StartedAtEpochSeconds");
    if (jobId == null || started == null) {
      throw new IllegalArgumentException(
          "isComplete needs Data.JobID and Data.StartedAtEpochSeconds from onEvent; got " + data);
    }
    try (MgnClient mgn = clients.open(request)) {
      List<Job> jobs = mgn.describeJobs(b -> b.filters(f -> f.jobIDs(jobId.toString()))).items();
      if (jobs.isEmpty()) {
        throw new IllegalStateException("job " + jobId + " is not known to the control plane");
      }
      JobOutcome outcome = JobOutcome.of(jobs.get(0));
      switch (outcome.state()) {
        case SUCCEEDED -> {
          Map<String, Object> result = new LinkedHashMap<>();
          result.put("JobID", jobId.toString());
          List<String> pairs = new ArrayList<>();
          outcome.launchedInstances().forEach((s, i) -> pairs.add(s + "=" + i));
          result.put("LaunchedInstances", String.join(",", pairs));
          out.put("IsComplete", true);
          out.put("Data", result);
          return out;
        }
        case FAILED ->
            throw new LaunchFailedException(
                JobOutcome.failureMessage(outcome, log(mgn, jobId.toString())));
        default -> {
          long elapsed = clock.instant().getEpochSecond() - Long.parseLong(started.toString());
          if (elapsed > request.timeoutSeconds()) {
            throw new LaunchFailedException(
                JobOutcome.failureMessage(
                    new JobOutcome(
                        JobOutcome.State.FAILED,
                        Map.of(),
                        outcome.reason()
                            + " after "
                            + elapsed
                            + " s, longer than the launch's timeout of "
                            + request.timeoutSeconds()
                            + " s"),
                    log(mgn, jobId.toString())));
          }
          out.put("IsComplete", false);
          return out;
        }
      }
    }
  }

  /**
   * An answer that starts nothing and keeps the resource's physical id; its reason goes to {@code
   * Data.Reason} and to the Lambda's log.
   */
  private static Map<String, Object> unchanged(
      Map<String, Object> event, LaunchRequest request, String reason) {
    System.out.println("liftshift MigrationLaunch: no launch started: " + reason);
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("Launch", request.launch().propertyValue());
    data.put("Unchanged", "true");
    data.put("Reason", reason);
    Object physicalId = event.get("PhysicalResourceId");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(
        "PhysicalResourceId",
        physicalId != null ? physicalId : "not-launched-" + event.get("RequestId"));
    out.put("Data", data);
    return out;
  }

  /** The step an Update replaces, or null when its old properties are not a step. */
  @SuppressWarnings("unchecked")
  private static LaunchRequest previous(Map<String, Object> event) {
    if (!(event.get("OldResourceProperties") instanceof Map<?, ?> old)) {
      return null;
    }
    try {
      return LaunchRequest.parse((Map<String, ?>) old);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The servers of a recorded step; none when its wave has none left. */
  private static List<String> serversOrNone(MgnClient mgn, LaunchRequest request) {
    try {
      return servers(mgn, request);
    } catch (IllegalArgumentException e) {
      return List.of();
    }
  }

  private static boolean sameStep(LaunchRequest request, LaunchRequest before) {
    return before.launch() == request.launch()
        && before.sourceServerIds().equals(request.sourceServerIds())
        && java.util.Objects.equals(before.waveId(), request.waveId())
        && before.endpoint().equals(request.endpoint());
  }

  private static List<JobLog> log(MgnClient mgn, String jobId) {
    List<JobLog> items = new ArrayList<>();
    mgn.describeJobLogItemsPaginator(b -> b.jobID(jobId)).items().forEach(items::add);
    return items;
  }

  private static List<String> servers(MgnClient mgn, LaunchRequest request) {
    if (request.waveId() == null) {
      return request.sourceServerIds();
    }
    List<String> apps = new ArrayList<>();
    mgn.listApplicationsPaginator(
            b -> b.filters(f -> f.waveIDs(request.waveId()).isArchived(false)))
        .items()
        .forEach(a -> apps.add(a.applicationID()));
    List<String> servers = new ArrayList<>();
    if (!apps.isEmpty()) {
      mgn.describeSourceServersPaginator(
              b -> b.filters(f -> f.applicationIDs(apps).isArchived(false)))
          .items()
          .forEach(s -> servers.add(s.sourceServerID()));
    }
    if (servers.isEmpty()) {
      throw new IllegalArgumentException(
          "wave "
              + request.waveId()
              + " holds no source servers: associate applications with it and servers with"
              + " them first");
    }
    return servers;
  }

  private static void tagLaunchTemplates(MgnClient mgn, LaunchRequest request, List<String> ids) {
    if (request.launchTemplates().isEmpty()) {
      return;
    }
    for (SourceServer s :
        mgn.describeSourceServersPaginator(b -> b.filters(f -> f.sourceServerIDs(ids))).items()) {
      String template = request.launchTemplates().get(s.sourceServerID());
      if (template != null) {
        mgn.tagResource(b -> b.resourceArn(s.arn()).tags(Map.of(LAUNCH_TEMPLATE_TAG, template)));
      }
    }
  }

  private static String requestType(Map<String, Object> event) {
    Object type = event.get("RequestType");
    if (!"Create".equals(type) && !"Update".equals(type) && !"Delete".equals(type)) {
      throw new IllegalArgumentException(
          "RequestType must be Create, Update or Delete; got " + type);
    }
    return type.toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ?> properties(Map<String, Object> event) {
    Object p = event.get("ResourceProperties");
    return p instanceof Map<?, ?> ? (Map<String, ?>) p : null;
  }

  private static String digest(List<String> servers) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest(String.join(",", servers).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
