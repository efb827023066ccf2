package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.cloud.Images;
import io.liftshift.cloud.InstanceType;
import io.liftshift.cloud.Instances;
import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.VolumeNames;
import io.liftshift.cloud.VolumeSnapshot;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.launch.LaunchCloud;
import io.liftshift.controlplane.store.Database;
import io.liftshift.controlplane.store.Resources;
import java.io.IOException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Takes launch jobs (StartTest, StartCutover, TerminateTargetInstances) through MGN's steps, a
 * job's servers side by side, and logs each with MGN's events: cleanup of the previous launch,
 * snapshot, the launch's own volumes, conversion on a short-lived conversion server, the image, the
 * instance, its first boot and its post-launch actions. Also serves the conversion servers' API
 * (their job, their report).
 */
final class LaunchRunner implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LaunchRunner.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  static final String CONVERSION = "conversion";

  /** How long a launched instance may take to report its first boot before firstBoot is UNKNOWN. */
  static final long DEFAULT_FIRST_BOOT_TIMEOUT_MILLIS = 15 * 60_000L;

  /** How long a fresh snapshot may take before the latest one is used instead. */
  static final long DEFAULT_FRESH_SNAPSHOT_TIMEOUT_MILLIS = 120_000L;

  /** How long a conversion may take. */
  static final long DEFAULT_CONVERSION_TIMEOUT_MILLIS = 60 * 60_000L;

  /** The line a converted guest's first-boot unit writes on its serial console. */
  static final String FIRST_BOOT_MARKER = "liftshift-first-boot: SUCCEEDED";

  /** Timeouts of the launch steps. */
  record Settings(long firstBootTimeoutMillis, long freshSnapshotTimeoutMillis) {
    static Settings defaults() {
      return new Settings(DEFAULT_FIRST_BOOT_TIMEOUT_MILLIS, DEFAULT_FRESH_SNAPSHOT_TIMEOUT_MILLIS);
    }
  }

  private final Database db;
  private final ServerConfigurations configurations;
  private final java.nio.file.Path postLaunchScriptsDir;
  private final LaunchCloud cloud;
  private final Settings settings;
  private final LaunchesInFlight inFlight;

  /**
   * How many source servers launch at once, across jobs: a wave's servers convert and boot side by
   * side, as in MGN, rather than one after the other.
   */
  static final int DEFAULT_PARALLEL_LAUNCHES = 8;

  /** Jobs: each waits for its servers' launches, so jobs never wait for each other. */
  private final ExecutorService jobs = Executors.newCachedThreadPool(daemon("launch-job"));

  private final ExecutorService servers =
      Executors.newFixedThreadPool(DEFAULT_PARALLEL_LAUNCHES, daemon("launch"));

  /**
   * Each server's queue: one launch, promotion or termination of a server at a time, whichever job
   * asks, and a queued one takes a thread only when it can run (never one blocked on a lock).
   */
  private final Map<String, CompletableFuture<Boolean>> serverQueues = new ConcurrentHashMap<>();

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  LaunchRunner(
      Database db,
      ServerConfigurations configurations,
      java.nio.file.Path postLaunchScriptsDir,
      LaunchCloud cloud,
      Settings settings) {
    this.db = db;
    this.configurations = configurations;
    this.postLaunchScriptsDir = postLaunchScriptsDir;
    this.cloud = cloud;
    this.settings = settings;
    this.inFlight = new LaunchesInFlight(db);
  }

  /**
   * Ends the jobs a previous control-plane process left STARTED and releases what their launches
   * had made ({@link InterruptedLaunches}); run before any new job.
   */
  void endInterruptedJobs() {
    new InterruptedLaunches(db, cloud).endAll();
  }

  /** Runs the job after the transaction that created it has committed. */
  void submit(String jobId) {
    jobs.execute(() -> run(jobId));
  }

  // ---- job, log and server records ------------------------------------------------------------

  private ObjectNode job(String jobId) throws SQLException {
    return db.transaction(
        c -> AgentApi.parse(Resources.get(c, JobService.JOB, jobId).orElseThrow()));
  }

  private void updateJob(String jobId, Consumer<ObjectNode> change) throws SQLException {
    db.transaction(
        c -> {
          ObjectNode j = AgentApi.parse(Resources.get(c, JobService.JOB, jobId).orElseThrow());
          change.accept(j);
          Resources.update(c, JobService.JOB, jobId, j.toString());
          return null;
        });
  }

  private void participant(String jobId, String serverId, Consumer<ObjectNode> change)
      throws SQLException {
    updateJob(
        jobId,
        j -> {
          for (JsonNode p : j.path("participatingServers")) {
            if (p.path("sourceServerID").asText().equals(serverId)) {
              change.accept((ObjectNode) p);
            }
          }
        });
  }

  void log(String jobId, String event, Map<String, String> data) {
    try {
      db.transaction(
          c -> {
            JobService.appendJobLog(c, jobId, event, data);
            return null;
          });
    } catch (SQLException e) {
      LOG.warning("job log of " + jobId + ": " + e.getMessage());
    }
  }

  private ObjectNode server(String serverId) throws SQLException {
    return db.transaction(
        c -> AgentApi.parse(Resources.get(c, AgentApi.SOURCE_SERVER, serverId).orElseThrow()));
  }

  private void updateServer(String serverId, Consumer<ObjectNode> change) throws SQLException {
    db.transaction(
        c -> {
          ObjectNode s =
              AgentApi.parse(Resources.get(c, AgentApi.SOURCE_SERVER, serverId).orElseThrow());
          change.accept(s);
          Resources.update(c, AgentApi.SOURCE_SERVER, serverId, s.toString());
          return null;
        });
  }

  private static ObjectNode priv(ObjectNode server) {
    return server.has("_private")
        ? (ObjectNode) server.get("_private")
        : server.putObject("_private");
  }

  // ---- the launch -------------------------------------------------------------------------------

  private void run(String jobId) {
    try {
      ObjectNode job = job(jobId);
      updateJob(jobId, j -> j.put("status", "STARTED"));
      boolean test = job.path("initiatedBy").asText().equals("START_TEST");
      boolean terminate = job.path("type").asText().equals("TERMINATE");
      boolean promote =
          job.path("tags").path(JobTags.PROMOTE_TEST_INSTANCE).asText("").equalsIgnoreCase("true");
      List<CompletableFuture<Boolean>> launches = new ArrayList<>();
      for (JsonNode p : job.path("participatingServers")) {
        String serverId = p.path("sourceServerID").asText();
        launches.add(
            serverQueues.compute(
                serverId,
                (k, previous) ->
                    (previous == null ? CompletableFuture.completedFuture(true) : previous)
                        .handle((outcome, error) -> outcome)
                        .thenApplyAsync(
                            x -> runServerInFlight(jobId, serverId, test, terminate, promote),
                            servers)));
      }
      boolean anyFailed = false;
      for (CompletableFuture<Boolean> f : launches) {
        anyFailed |= !f.get();
      }
      log(jobId, "JOB_END", Map.of());
      updateJob(jobId, j -> j.put("status", "COMPLETED").put("endDateTime", Ids.now()));
      LOG.info("job " + jobId + " completed" + (anyFailed ? " with failures" : ""));
    } catch (Exception e) {
      LOG.warning("job " + jobId + ": " + e);
    }
  }

  /** One server's part of a job; false when it failed (logged, and its launch status FAILED). */
  private boolean runServer(
      String jobId, String serverId, boolean test, boolean terminate, boolean promote) {
    try {
      inFlight.begin(jobId, serverId);
      if (terminate) {
        terminateServer(jobId, serverId);
        return true;
      }
      if (!test) {
        // Checked again here: a test's post-launch actions may have failed while this waited.
        ObjectNode current = server(serverId);
        String refused = db.transaction(c -> JobService.cutoverRefusal(c, current));
        if (refused != null) {
          throw new LaunchFailure("LAUNCH_FAILED", "the cutover is refused: " + refused);
        }
        logSkippedTest(jobId, serverId);
      }
      if (promote) {
        promoteTestInstance(jobId, serverId);
      } else {
        launchServer(jobId, serverId, test);
      }
      return true;
    } catch (LaunchFailure f) {
      log(jobId, f.event, Map.of("sourceServerID", serverId, "rawError", f.getMessage()));
    } catch (Exception e) {
      LOG.warning("launch of " + serverId + " in " + jobId + ": " + e);
      log(
          jobId,
          "LAUNCH_FAILED",
          Map.of("sourceServerID", serverId, "rawError", String.valueOf(e.getMessage())));
    }
    try {
      participant(jobId, serverId, x -> x.put("launchStatus", "FAILED"));
    } catch (SQLException e) {
      LOG.warning("job " + jobId + ": " + e.getMessage());
    }
    return false;
  }

  /** One server's part of a job, its in-flight record ended whichever way it went. */
  private boolean runServerInFlight(
      String jobId, String serverId, boolean test, boolean terminate, boolean promote) {
    try {
      return runServer(jobId, serverId, test, terminate, promote);
    } finally {
      try {
        inFlight.end(jobId, serverId);
      } catch (SQLException e) {
        LOG.warning("job " + jobId + ": " + e.getMessage());
      }
    }
  }

  /** A step failed; {@code event} is MGN's log event for it. */
  private static final class LaunchFailure extends Exception {
    private static final long serialVersionUID = 1L;
    final String event;

    LaunchFailure(String event, String message) {
      super(message);
      this.event = event;
    }
  }

  private void launchServer(String jobId, String serverId, boolean test) throws Exception {
    Optional<String> why = cloud.unavailable();
    if (why.isPresent()) {
      throw new LaunchFailure("LAUNCH_FAILED", "launches cannot run here: " + why.get());
    }
    ObjectNode server = server(serverId);
    // A relaunch replaces the previous copy: its instance is terminated and its image deleted.
    cleanup(jobId, serverId, launches(server));

    // 1. The point-in-time snapshot, held for the whole launch so retention keeps it.
    String replicatorId = priv(server).path("replicationServerID").asText("");
    ObjectNode replicator =
        db.transaction(
            c ->
                Resources.get(c, ReplicationFleet.REPLICATION_SERVER, replicatorId)
                    .map(AgentApi::parse)
                    .orElse(JSON.createObjectNode()));
    LaunchCloud.ReplicatorRef ref =
        new LaunchCloud.ReplicatorRef(
            replicatorId, replicator.path("_private").path("localSnapshotsDir").asText(""));
    PointInTimeSnapshot snapshot = snapshot(jobId, serverId, ref);
    Snapshots snapshots = cloud.snapshots(ref);
    snapshots.hold(snapshot.snapshotSetId(), jobId);
    boolean held = true;
    inFlight.change(
        jobId,
        serverId,
        r ->
            r.put("replicationServerID", replicatorId)
                .put("localSnapshotsDir", ref.localSnapshotsDir())
                .put("snapshotSetId", snapshot.snapshotSetId()));
    List<StagingVolume> volumes = new ArrayList<>();
    String conversionServer = null;
    boolean conversionStopped = false;
    try {
      // 2. The launch's own volumes, in the source's disk order.
      List<String> deviceNames = new ArrayList<>();
      for (VolumeSnapshot vs : inDiskOrder(server, snapshot, deviceNames)) {
        StagingVolume made =
            snapshots.createVolume(vs, jobId + "-" + serverId + "-" + volumes.size());
        volumes.add(made);
        inFlight.change(
            jobId, serverId, r -> r.withArray("volumes").add(LaunchesInFlight.volume(made)));
      }
      participant(jobId, serverId, x -> x.put("launchStatus", "IN_PROGRESS"));

      // 3. Conversion on a short-lived conversion server.
      byte[] t = new byte[32];
      RANDOM.nextBytes(t);
      String token = "lsct-" + HexFormat.of().formatHex(t);
      ObjectNode conversion = JSON.createObjectNode();
      conversion.put("jobID", jobId).put("sourceServerID", serverId);
      conversion.put("tokenSha256", AgentApi.sha256(token));
      ArrayNode vols = conversion.putArray("volumes");
      for (int i = 0; i < volumes.size(); i++) {
        ObjectNode v = vols.addObject();
        if (volumes.get(i).devicePath() != null) {
          v.put("path", volumes.get(i).devicePath().toString());
        } else {
          v.put("volumeId", volumes.get(i).volumeId());
        }
        v.put("sourceDeviceName", i < deviceNames.size() ? deviceNames.get(i) : "");
      }
      JsonNode launchConfig = launchConfiguration(serverId);
      List<PostLaunchActions.Action> actions =
          PostLaunchActions.resolve(
              db.transaction(c -> PostLaunchActions.declared(c, serverId, launchConfig, test)),
              postLaunchScriptsDir);
      conversion.set("postLaunchActions", PostLaunchActions.forConversion(actions));
      String conversionId = jobId + "." + serverId;
      db.transaction(
          c -> {
            Resources.delete(c, CONVERSION, conversionId);
            Resources.insert(c, CONVERSION, conversionId, conversion.toString());
            return null;
          });
      conversionServer = cloud.startConversionServer(jobId, serverId, token, volumes);
      String started = conversionServer;
      inFlight.change(jobId, serverId, r -> r.put("conversionServerID", started));
      log(
          jobId,
          "CONVERSION_START",
          Map.of("sourceServerID", serverId, "conversionServerID", conversionServer));
      JsonNode report = awaitConversion(conversionId, conversionServer);
      cloud.stopConversionServer(conversionServer);
      conversionStopped = true;
      inFlight.change(jobId, serverId, r -> r.remove("conversionServerID"));
      if (!report.path("status").asText().equals("SUCCEEDED")) {
        throw new LaunchFailure(
            "CONVERSION_FAIL",
            "conversion server "
                + conversionServer
                + ": "
                + report.path("reason").asText("no report"));
      }
      log(
          jobId,
          "CONVERSION_END",
          Map.of(
              "sourceServerID",
              serverId,
              "conversionServerID",
              conversionServer,
              "conversionProperties",
              report.path("guest").path("prettyName").asText("")));

      // 4. The image and the instance, with the server's launch settings.
      Map<String, String> tags = new LinkedHashMap<>();
      tags.put("liftshift:source-server", serverId);
      tags.put("liftshift:job", jobId);
      tags.put("liftshift:launch", test ? "test" : "cutover");
      if (launchConfig.path("copyTags").asBoolean(false)) {
        server
            .path("tags")
            .fields()
            .forEachRemaining(e -> tags.putIfAbsent(e.getKey(), e.getValue().asText()));
      }
      Images.BootMode bootMode = bootMode(launchConfig, server, report.path("guest"));
      Images.Image image = cloud.images().register(serverId + "-" + jobId, volumes, bootMode, tags);
      volumes.clear(); // the image owns them now
      inFlight.change(
          jobId,
          serverId,
          r -> {
            r.remove("volumes");
            r.put("imageId", image.imageId());
          });
      // The image holds what the launch needs: retention may have the snapshot from here on,
      // however long the first boot and its actions take.
      snapshots.release(snapshot.snapshotSetId(), jobId);
      held = false;
      inFlight.change(jobId, serverId, r -> r.remove("snapshotSetId"));
      String[] template = launchTemplate(server, launchConfig);
      String launchTemplate = template == null ? null : template[0];
      String instanceType = instanceType(server, launchConfig, launchTemplate);
      Instances.Instance instance;
      try {
        instance =
            cloud
                .instances()
                .launch(
                    new Instances.LaunchSpec(
                        hostname(server),
                        image.imageId(),
                        instanceType,
                        launchTemplate,
                        template == null ? null : template[1],
                        null,
                        List.of(),
                        List.of(),
                        null,
                        tags));
      } catch (IOException e) {
        cloud.images().deregister(image.imageId());
        throw new LaunchFailure("LAUNCH_FAILED", e.getMessage());
      }
      String instanceId = instance.instanceId();
      participant(
          jobId,
          serverId,
          x -> x.put("launchStatus", "LAUNCHED").put("launchedEc2InstanceID", instanceId));
      updateServer(
          serverId,
          s -> {
            ObjectNode li = s.putObject("launchedInstance");
            li.put("ec2InstanceID", instanceId).put("jobID", jobId).put("firstBoot", "WAITING");
            priv(s)
                .putObject(test ? "testLaunch" : "cutoverLaunch")
                .put("instanceId", instanceId)
                .put("imageId", image.imageId())
                .put("jobID", jobId)
                .put("snapshotSetId", snapshot.snapshotSetId())
                .put("snapshotTakenAt", snapshot.takenAt().toString());
          });
      // The server's launch record owns the instance and its image now.
      inFlight.change(jobId, serverId, r -> r.remove("imageId"));
      log(
          jobId,
          "LAUNCH_START",
          Map.of("sourceServerID", serverId, "targetInstanceID", instanceId));

      // 5. The first boot, as the converted guest reports it on its serial console.
      String firstBoot = awaitFirstBoot(instanceId);
      updateServer(serverId, s -> launchedInstance(s).put("firstBoot", firstBoot));

      // 6. The post-launch actions, which the first boot runs.
      awaitPostLaunchActions(jobId, serverId, instanceId, actions, firstBoot, test);

    } finally {
      // The conversion server goes first: its volumes can be deleted only once it lets go.
      if (conversionServer != null && !conversionStopped) {
        cloud.stopConversionServer(conversionServer);
      }
      for (StagingVolume v : volumes) {
        try {
          cloud.deleteVolume(v);
        } catch (IOException e) {
          LOG.warning("deleting launch volume " + v.volumeId() + ": " + e.getMessage());
        }
      }
      if (held) {
        snapshots.release(snapshot.snapshotSetId(), jobId);
      }
    }
  }

  /**
   * The image's boot mode: the launch configuration's, or with USE_SOURCE (the default) how the
   * source booted as its agent saw it, else what the converter found on the disk (legacy BIOS when
   * it can, as every x86 instance type boots that).
   */
  static Images.BootMode bootMode(JsonNode launchConfig, JsonNode server, JsonNode guest) {
    String wanted = launchConfig.path("bootMode").asText("USE_SOURCE");
    String firmware = server.path("_private").path("sourceFirmware").asText("");
    if (!wanted.equals("USE_SOURCE") || !firmware.isEmpty()) {
      String mode = wanted.equals("USE_SOURCE") ? firmware : wanted;
      return mode.equals("UEFI") ? Images.BootMode.UEFI : Images.BootMode.LEGACY_BIOS;
    }
    List<String> onDisk = new ArrayList<>();
    guest.path("bootModes").forEach(m -> onDisk.add(m.asText()));
    return onDisk.contains("UEFI") && !onDisk.contains("LEGACY_BIOS")
        ? Images.BootMode.UEFI
        : Images.BootMode.LEGACY_BIOS;
  }

  /**
   * The EC2 launch template and its version: the one the CDK's SourceServerLaunchSettings made for
   * the server (its tag {@code liftshift:launch-template}, {@code lt-…:VERSION}: CloudFormation
   * never moves a template's default version, so the CDK names the version it deployed), else the
   * launch configuration's at its default version, as in MGN. Null when there is none.
   */
  static String[] launchTemplate(JsonNode server, JsonNode launchConfig) {
    String tagged = server.path("tags").path("liftshift:launch-template").asText("");
    if (!tagged.isEmpty()) {
      int colon = tagged.indexOf(':');
      return colon < 0
          ? new String[] {tagged, "$Default"}
          : new String[] {tagged.substring(0, colon), tagged.substring(colon + 1)};
    }
    String configured = launchConfig.path("ec2LaunchTemplateID").asText("");
    return configured.isEmpty() ? null : new String[] {configured, "$Default"};
  }

  private static String hostname(ObjectNode server) {
    return server
        .path("sourceProperties")
        .path("identificationHints")
        .path("hostname")
        .asText(server.path("sourceServerID").asText());
  }

  /**
   * The instance type: right-sized from the source's CPUs and RAM (MGN's BASIC, the default), or
   * the launch template's (NONE, when there is a template to name one).
   */
  private static String instanceType(
      ObjectNode server, JsonNode launchConfig, String launchTemplate) {
    if (launchConfig.path("targetInstanceTypeRightSizingMethod").asText("BASIC").equals("NONE")
        && launchTemplate != null) {
      return null;
    }
    JsonNode props = server.path("sourceProperties");
    int cpus = 0;
    for (JsonNode c : props.path("cpus")) {
      cpus += Math.max(1, c.path("cores").asInt(1));
    }
    return InstanceType.rightSized(Math.max(1, cpus), props.path("ramBytes").asLong(1L << 30))
        .name();
  }

  private JsonNode launchConfiguration(String serverId) throws SQLException {
    return db.transaction(
        c -> {
          try {
            return configurations.launchConfiguration(c, serverId);
          } catch (ApiException e) {
            throw new SQLException(e.getMessage(), e);
          }
        });
  }

  /**
   * A fresh snapshot (SNAPSHOT_START/END) asked of the replicator; the latest one
   * (USING_PREVIOUS_SNAPSHOT) when none comes in time.
   */
  private PointInTimeSnapshot snapshot(String jobId, String serverId, LaunchCloud.ReplicatorRef ref)
      throws Exception {
    Snapshots before = cloud.snapshots(ref);
    List<PointInTimeSnapshot> existing = before.list(serverId);
    Instant asked = Instant.now();
    updateServer(serverId, s -> priv(s).put("snapshotRequestedEpochMillis", asked.toEpochMilli()));
    log(jobId, "SNAPSHOT_START", Map.of("sourceServerID", serverId));
    long deadline = System.currentTimeMillis() + settings.freshSnapshotTimeoutMillis();
    while (System.currentTimeMillis() < deadline) {
      List<PointInTimeSnapshot> now = cloud.snapshots(ref).list(serverId);
      if (!now.isEmpty() && now.get(now.size() - 1).takenAt().isAfter(asked)) {
        PointInTimeSnapshot fresh = now.get(now.size() - 1);
        log(
            jobId,
            "SNAPSHOT_END",
            Map.of(
                "sourceServerID",
                serverId,
                "rawError",
                "fresh crash-consistent snapshot "
                    + fresh.snapshotSetId()
                    + ", taken "
                    + java.time.Duration.between(asked, fresh.takenAt()).toMillis()
                    + " ms after the launch asked for it"));
        return fresh;
      }
      Thread.sleep(500);
    }
    List<PointInTimeSnapshot> now = cloud.snapshots(ref).list(serverId);
    if (now.isEmpty() && existing.isEmpty()) {
      throw new LaunchFailure(
          "SNAPSHOT_FAIL",
          "no point-in-time snapshot of " + serverId + " exists yet, and none came");
    }
    PointInTimeSnapshot latest =
        (now.isEmpty() ? existing : now).get((now.isEmpty() ? existing : now).size() - 1);
    log(
        jobId,
        "USING_PREVIOUS_SNAPSHOT",
        Map.of(
            "sourceServerID",
            serverId,
            "rawError",
            "no fresh snapshot in "
                + settings.freshSnapshotTimeoutMillis() / 1000
                + " s (a fresh one needs the agent replicating: its consistency point makes it"
                + " crash-consistent); using "
                + latest.snapshotSetId()
                + " of "
                + latest.takenAt()));
    return latest;
  }

  /** The snapshot's volumes in the order of the source's disks (the order the guest names them). */
  private static List<VolumeSnapshot> inDiskOrder(
      ObjectNode server, PointInTimeSnapshot snapshot, List<String> deviceNamesOut) {
    String id = server.path("sourceServerID").asText();
    List<VolumeSnapshot> remaining = new ArrayList<>(snapshot.volumes());
    List<VolumeSnapshot> out = new ArrayList<>();
    for (JsonNode d : server.path("sourceProperties").path("disks")) {
      String name = VolumeNames.forDisk(id, d.path("deviceName").asText());
      for (VolumeSnapshot v : remaining) {
        if (v.volumeName().equals(name)) {
          out.add(v);
          deviceNamesOut.add(d.path("deviceName").asText());
          remaining.remove(v);
          break;
        }
      }
    }
    remaining.sort((a, b) -> a.volumeName().compareTo(b.volumeName()));
    for (VolumeSnapshot v : remaining) {
      out.add(v);
      deviceNamesOut.add("");
    }
    return out;
  }

  private JsonNode awaitConversion(String conversionId, String conversionServer) throws Exception {
    long deadline = System.currentTimeMillis() + DEFAULT_CONVERSION_TIMEOUT_MILLIS;
    boolean exited = false;
    while (System.currentTimeMillis() < deadline) {
      JsonNode c =
          db.transaction(
              x -> AgentApi.parse(Resources.get(x, CONVERSION, conversionId).orElseThrow()));
      if (c.has("report")) {
        return c.path("report");
      }
      if (exited) {
        throw new LaunchFailure(
            "CONVERSION_FAIL",
            "conversion server " + conversionServer + " stopped without a report");
      }
      // One more look after the server stopped: its report may have just landed.
      exited = !cloud.conversionServerRunning(conversionServer);
      Thread.sleep(500);
    }
    throw new LaunchFailure(
        "CONVERSION_FAIL", "conversion server " + conversionServer + " did not finish in time");
  }

  private String awaitFirstBoot(String instanceId) throws Exception {
    long deadline = System.currentTimeMillis() + settings.firstBootTimeoutMillis();
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
  private void awaitPostLaunchActions(
      String jobId,
      String serverId,
      String instanceId,
      List<PostLaunchActions.Action> actions,
      String firstBoot,
      boolean test)
      throws Exception {
    if (actions.isEmpty()) {
      if (test) {
        updateServer(serverId, s -> priv(s).remove(JobService.CUTOVER_BLOCKED_BY));
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
    participant(jobId, serverId, x -> x.set("postLaunchActionsStatus", status[0]));
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
        participant(jobId, serverId, x -> x.set("postLaunchActionsStatus", now));
      }
    }
    ObjectNode done = PostLaunchActions.status(actions, reported, discovered, prefix, finalWhy);
    participant(jobId, serverId, x -> x.set("postLaunchActionsStatus", done));
    String blocking = PostLaunchActions.blockingFailure(done);
    if (test && blocking != null) {
      String why = blocking + " (test instance " + instanceId + ", job " + jobId + ")";
      updateServer(serverId, s -> priv(s).put(JobService.CUTOVER_BLOCKED_BY, why));
      LOG.warning(serverId + ": cutover blocked: " + why);
    } else if (test) {
      updateServer(serverId, s -> priv(s).remove(JobService.CUTOVER_BLOCKED_BY));
    }
  }

  /** A cutover of a server that was never tested says so, with the reason given for it. */
  private void logSkippedTest(String jobId, String serverId) throws SQLException {
    JsonNode skipped = priv(server(serverId)).path(JobService.TEST_SKIPPED);
    if (skipped.isObject()) {
      log(
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
  private void promoteTestInstance(String jobId, String serverId) throws Exception {
    ObjectNode server = server(serverId);
    JsonNode testLaunch = priv(server).path("testLaunch");
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
    if (priv(server).has("cutoverLaunch")) {
      cleanup(jobId, serverId, List.of(priv(server).get("cutoverLaunch")));
    }
    cloud
        .instances()
        .tag(instanceId, Map.of("liftshift:launch", "cutover", "liftshift:job", jobId));
    updateServer(
        serverId,
        s -> {
          ObjectNode promoted = priv(s).path("testLaunch").deepCopy();
          promoted.put("jobID", jobId).put("promotedFromJobID", testLaunch.path("jobID").asText());
          priv(s).set("cutoverLaunch", promoted);
          priv(s).remove("testLaunch");
          launchedInstance(s).put("jobID", jobId);
        });
    participant(
        jobId,
        serverId,
        x -> x.put("launchStatus", "LAUNCHED").put("launchedEc2InstanceID", instanceId));
    log(
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
    JsonNode launchConfig = launchConfiguration(serverId);
    List<PostLaunchActions.Action> actions =
        PostLaunchActions.resolve(
            db.transaction(c -> PostLaunchActions.declared(c, serverId, launchConfig, false)),
            postLaunchScriptsDir);
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
      participant(jobId, serverId, x -> x.set("postLaunchActionsStatus", status));
    }
  }

  private static ObjectNode launchedInstance(ObjectNode server) {
    return server.has("launchedInstance")
        ? (ObjectNode) server.get("launchedInstance")
        : server.putObject("launchedInstance");
  }

  /** TerminateTargetInstances: the server's launched test and cutover instances go, with images. */
  private void terminateServer(String jobId, String serverId) throws Exception {
    List<JsonNode> launches = launches(server(serverId));
    if (launches.isEmpty()) {
      log(jobId, "CLEANUP_START", Map.of("sourceServerID", serverId));
      log(jobId, "CLEANUP_END", Map.of("sourceServerID", serverId));
    }
    cleanup(jobId, serverId, launches);
    updateServer(serverId, s -> s.remove("launchedInstance"));
    participant(
        jobId,
        serverId,
        x -> {
          x.put("launchStatus", "TERMINATED");
          if (!launches.isEmpty()) {
            x.put("launchedEc2InstanceID", launches.get(0).path("instanceId").asText());
          }
        });
  }

  /** The server's launched test and cutover instances. */
  private static List<JsonNode> launches(ObjectNode server) {
    List<JsonNode> out = new ArrayList<>();
    for (String kind : List.of("testLaunch", "cutoverLaunch")) {
      if (priv(server).has(kind)) {
        out.add(priv(server).get(kind));
      }
    }
    return out;
  }

  /** Terminates these launched instances and deletes their images, with CLEANUP_* events. */
  private void cleanup(String jobId, String serverId, List<JsonNode> launches)
      throws LaunchFailure {
    if (launches.isEmpty()) {
      return;
    }
    log(jobId, "CLEANUP_START", Map.of("sourceServerID", serverId));
    try {
      List<String> gone = new ArrayList<>();
      for (JsonNode p : launches) {
        cloud.instances().terminate(p.path("instanceId").asText());
        cloud.images().deregister(p.path("imageId").asText());
        gone.add(p.path("instanceId").asText());
      }
      updateServer(
          serverId,
          s -> {
            for (String kind : List.of("testLaunch", "cutoverLaunch")) {
              if (gone.contains(priv(s).path(kind).path("instanceId").asText())) {
                priv(s).remove(kind);
              }
            }
            if (gone.contains(s.path("launchedInstance").path("ec2InstanceID").asText())) {
              s.remove("launchedInstance");
            }
          });
    } catch (Exception e) {
      throw new LaunchFailure("CLEANUP_FAIL", "removing the previous launch: " + e.getMessage());
    }
    log(jobId, "CLEANUP_END", Map.of("sourceServerID", serverId));
  }

  // ---- conversion servers' API
  // -------------------------------------------------------------------

  private static ObjectNode conversionFor(Connection c, String bearer)
      throws SQLException, ApiException {
    if (bearer != null) {
      String digest = AgentApi.sha256(bearer);
      for (Resources.Row r : Resources.list(c, CONVERSION)) {
        ObjectNode conv = AgentApi.parse(r.body());
        if (java.security.MessageDigest.isEqual(
            digest.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            conv.path("tokenSha256")
                .asText()
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
          conv.put("_id", r.id());
          return conv;
        }
      }
    }
    throw AgentApi.unauthorized("the conversion job token is not valid");
  }

  static JsonNode converterJob(Connection c, String bearer) throws SQLException, ApiException {
    ObjectNode conv = conversionFor(c, bearer);
    if (conv.has("report")) {
      throw new ApiException(
          "ConflictException", 409, "job " + conv.path("jobID").asText() + " is already reported");
    }
    ObjectNode out = conv.deepCopy();
    out.remove("tokenSha256");
    out.remove("_id");
    return out;
  }

  static JsonNode converterReport(Connection c, String bearer, ObjectNode request)
      throws SQLException, ApiException {
    ObjectNode conv = conversionFor(c, bearer);
    String id = conv.remove("_id").asText();
    if (!request.path("report").isObject()) {
      throw ApiException.validation(
          "fieldValidationFailed", "report: the conversion report is required");
    }
    conv.set("report", request.get("report"));
    conv.set("plan", request.path("plan"));
    Resources.update(c, CONVERSION, id, conv.toString());
    return JSON.createObjectNode().put("accepted", true);
  }

  @Override
  public void close() {
    jobs.shutdownNow();
    servers.shutdownNow();
  }
}
