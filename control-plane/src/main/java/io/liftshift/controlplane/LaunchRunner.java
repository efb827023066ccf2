package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.cloud.Images;
import io.liftshift.cloud.Instances;
import io.liftshift.cloud.LaunchCloud;
import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.Snapshots;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.VolumeSnapshot;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.StoreException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
import java.util.logging.Logger;

/**
 * Takes launch jobs (StartTest, StartCutover, TerminateTargetInstances) through MGN's steps, a
 * job's servers side by side, and logs each with MGN's events: cleanup of the previous launch
 * ({@link LaunchedInstances}), snapshot ({@link LaunchSnapshot}), the launch's own volumes,
 * conversion on a short-lived conversion server ({@link ConverterApi}), the image, the instance
 * ({@link LaunchSettings}), its first boot and its post-launch actions ({@link FirstBootWatch}).
 * What it reads and writes of jobs and servers goes through {@link LaunchRecords}; what a launch
 * has made and not yet handed over, through {@link LaunchesInFlight}.
 */
final class LaunchRunner implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LaunchRunner.class.getName());

  /** How long a launched instance may take to report its first boot before firstBoot is UNKNOWN. */
  static final long DEFAULT_FIRST_BOOT_TIMEOUT_MILLIS = 15 * 60_000L;

  /** How long a fresh snapshot may take before the latest one is used instead. */
  static final long DEFAULT_FRESH_SNAPSHOT_TIMEOUT_MILLIS = 120_000L;

  /** Timeouts of the launch steps. */
  record Settings(long firstBootTimeoutMillis, long freshSnapshotTimeoutMillis) {
    static Settings defaults() {
      return new Settings(DEFAULT_FIRST_BOOT_TIMEOUT_MILLIS, DEFAULT_FRESH_SNAPSHOT_TIMEOUT_MILLIS);
    }
  }

  private final ControlPlaneStore db;
  private final LaunchCloud cloud;
  private final LaunchRecords records;
  private final LaunchesInFlight inFlight;
  private final LaunchSettings settings;
  private final LaunchSnapshot freshSnapshot;
  private final ConverterApi converter;
  private final FirstBootWatch firstBootWatch;
  private final LaunchedInstances instances;

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
      ControlPlaneStore db,
      ServerConfigurations configurations,
      Path postLaunchScriptsDir,
      LaunchCloud cloud,
      Settings timeouts) {
    this.db = db;
    this.cloud = cloud;
    this.records = new LaunchRecords(db);
    this.inFlight = new LaunchesInFlight(db);
    this.settings = new LaunchSettings(db, configurations, postLaunchScriptsDir);
    this.freshSnapshot = new LaunchSnapshot(cloud, records, timeouts.freshSnapshotTimeoutMillis());
    this.converter = new ConverterApi(db, cloud);
    this.firstBootWatch = new FirstBootWatch(cloud, records, timeouts.firstBootTimeoutMillis());
    this.instances = new LaunchedInstances(cloud, records, settings);
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

  private void run(String jobId) {
    try {
      ObjectNode job = records.job(jobId);
      records.updateJob(jobId, j -> j.put("status", "STARTED"));
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
      records.log(jobId, "JOB_END", Map.of());
      records.updateJob(jobId, j -> j.put("status", "COMPLETED").put("endDateTime", Ids.now()));
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
        instances.terminateServer(jobId, serverId);
        return true;
      }
      if (!test) {
        // Checked again here: a test's post-launch actions may have failed while this waited.
        ObjectNode current = records.server(serverId);
        String refused = db.transaction(c -> JobService.cutoverRefusal(c, current));
        if (refused != null) {
          throw new LaunchFailure("LAUNCH_FAILED", "the cutover is refused: " + refused);
        }
        instances.logSkippedTest(jobId, serverId);
      }
      if (promote) {
        instances.promoteTestInstance(jobId, serverId);
      } else {
        launchServer(jobId, serverId, test);
      }
      return true;
    } catch (LaunchFailure f) {
      records.log(jobId, f.event, Map.of("sourceServerID", serverId, "rawError", f.getMessage()));
    } catch (Exception e) {
      LOG.warning("launch of " + serverId + " in " + jobId + ": " + e);
      records.log(
          jobId,
          "LAUNCH_FAILED",
          Map.of("sourceServerID", serverId, "rawError", String.valueOf(e.getMessage())));
    }
    try {
      records.participant(jobId, serverId, x -> x.put("launchStatus", "FAILED"));
    } catch (StoreException e) {
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
      } catch (StoreException e) {
        LOG.warning("job " + jobId + ": " + e.getMessage());
      }
    }
  }

  private void launchServer(String jobId, String serverId, boolean test) throws Exception {
    Optional<String> why = cloud.unavailable();
    if (why.isPresent()) {
      throw new LaunchFailure("LAUNCH_FAILED", "launches cannot run here: " + why.get());
    }
    ObjectNode server = records.server(serverId);
    // A relaunch replaces the previous copy: its instance is terminated and its image deleted.
    instances.cleanup(jobId, serverId, LaunchRecords.launches(server));

    // 1. The point-in-time snapshot, held for the whole launch so retention keeps it.
    String replicatorId = LaunchRecords.priv(server).path("replicationServerID").asText("");
    ObjectNode replicator =
        db.transaction(
            c ->
                c.body(ReplicationFleet.REPLICATION_SERVER, replicatorId)
                    .map(Json::parse)
                    .orElse(Json.MAPPER.createObjectNode()));
    LaunchCloud.ReplicatorRef ref =
        new LaunchCloud.ReplicatorRef(
            replicatorId, replicator.path("_private").path("localSnapshotsDir").asText(""));
    PointInTimeSnapshot snapshot = freshSnapshot.snapshot(jobId, serverId, ref);
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
      for (VolumeSnapshot vs : LaunchSnapshot.inDiskOrder(server, snapshot, deviceNames)) {
        StagingVolume made =
            snapshots.createVolume(vs, jobId + "-" + serverId + "-" + volumes.size());
        volumes.add(made);
        inFlight.change(
            jobId, serverId, r -> r.withArray("volumes").add(LaunchesInFlight.volume(made)));
      }
      records.participant(jobId, serverId, x -> x.put("launchStatus", "IN_PROGRESS"));

      // 3. Conversion on a short-lived conversion server.
      JsonNode launchConfig = settings.launchConfiguration(serverId);
      List<PostLaunchActions.Action> actions = settings.actions(serverId, launchConfig, test);
      String token = converter.open(jobId, serverId, volumes, deviceNames, actions);
      String conversionId = ConverterApi.conversionId(jobId, serverId);
      conversionServer = cloud.conversionServers().start(jobId, serverId, token, volumes);
      String started = conversionServer;
      inFlight.change(jobId, serverId, r -> r.put("conversionServerID", started));
      records.log(
          jobId,
          "CONVERSION_START",
          Map.of("sourceServerID", serverId, "conversionServerID", conversionServer));
      JsonNode report = converter.awaitConversion(conversionId, conversionServer);
      cloud.conversionServers().stop(conversionServer);
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
      records.log(
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
      Images.BootMode bootMode =
          LaunchSettings.bootMode(launchConfig, server, report.path("guest"));
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
      String[] template = LaunchSettings.launchTemplate(server, launchConfig);
      String launchTemplate = template == null ? null : template[0];
      String instanceType = LaunchSettings.instanceType(server, launchConfig, launchTemplate);
      Instances.Instance instance;
      try {
        instance =
            cloud
                .instances()
                .launch(
                    new Instances.LaunchSpec(
                        LaunchSettings.hostname(server),
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
      records.participant(
          jobId,
          serverId,
          x -> x.put("launchStatus", "LAUNCHED").put("launchedEc2InstanceID", instanceId));
      records.updateServer(
          serverId,
          s -> {
            ObjectNode li = s.putObject("launchedInstance");
            li.put("ec2InstanceID", instanceId).put("jobID", jobId).put("firstBoot", "WAITING");
            LaunchRecords.priv(s)
                .putObject(test ? "testLaunch" : "cutoverLaunch")
                .put("instanceId", instanceId)
                .put("imageId", image.imageId())
                .put("jobID", jobId)
                .put("snapshotSetId", snapshot.snapshotSetId())
                .put("snapshotTakenAt", snapshot.takenAt().toString());
          });
      // The server's launch record owns the instance and its image now.
      inFlight.change(jobId, serverId, r -> r.remove("imageId"));
      records.log(
          jobId,
          "LAUNCH_START",
          Map.of("sourceServerID", serverId, "targetInstanceID", instanceId));

      // 5. The first boot, as the converted guest reports it on its serial console.
      String firstBoot = firstBootWatch.awaitFirstBoot(instanceId);
      records.updateServer(
          serverId, s -> LaunchRecords.launchedInstance(s).put("firstBoot", firstBoot));

      // 6. The post-launch actions, which the first boot runs.
      firstBootWatch.awaitPostLaunchActions(jobId, serverId, instanceId, actions, firstBoot, test);

    } finally {
      // The conversion server goes first: its volumes can be deleted only once it lets go.
      if (conversionServer != null && !conversionStopped) {
        cloud.conversionServers().stop(conversionServer);
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

  @Override
  public void close() {
    jobs.shutdownNow();
    servers.shutdownNow();
  }
}
