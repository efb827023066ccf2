package io.liftshift.cli;

import io.liftshift.agent.Agent;
import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.ControlPlaneLink;
import io.liftshift.agent.DiskReport;
import io.liftshift.agent.HeartbeatReporter;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import io.liftshift.agent.VerificationFailedException;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.replicator.Replicator;
import io.liftshift.replicator.ReplicatorOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The local quickstart: a real ext4 disk replicated over TLS on this machine, then verified. */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    description = {
      "Replicate a sample disk on this machine end to end: make a 1 GiB ext4 image, start a",
      "replicator on 127.0.0.1:1500 (TLS 1.3), install the agent with the installer users run",
      "(into a directory standing for the server's root) and run it, and prove the staging",
      "volume is byte-identical to the source."
    })
final class QuickstartCommand implements Callable<Integer> {
  @Option(
      names = "--work-dir",
      description =
          "Where the sample disk, CA and staging volume go (default: $LIFTSHIFT_HOME/quickstart).")
  Path workDir;

  @Option(
      names = "--size-mib",
      defaultValue = "1024",
      description = "Size of the sample disk in MiB (default: ${DEFAULT-VALUE}).")
  long sizeMib;

  @Option(
      names = "--port",
      defaultValue = "1500",
      description =
          "Replication port on 127.0.0.1 (default: ${DEFAULT-VALUE}; a free one if taken).")
  int port;

  private boolean bootable;
  private String whyNoLaunch;

  /** Why this machine cannot launch (and so the quickstart stops after the snapshot), or null. */
  private static String launchUnavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "launching needs root (loop devices, mount, chroot for the conversion)";
    }
    java.util.Optional<String> qemu = io.liftshift.cloud.local.LocalInstances.unavailable();
    if (qemu.isPresent()) {
      return qemu.get();
    }
    if (BootableSample.script().isEmpty()) {
      return "scripts/debian-fixture is not here (run from the repository)";
    }
    return null;
  }

  @Override
  public Integer call() throws Exception {
    Path work = (workDir != null ? workDir : Home.dir().resolve("quickstart")).toAbsolutePath();
    Files.createDirectories(work);
    System.out.println("liftshift quickstart in " + work);
    System.out.println("  source disk -> agent -> 1500 (TLS 1.3) -> replicator -> staging volume");

    System.out.println("[1/8] making the sample source disk");
    Path source = work.resolve("source-disk.img");
    Files.deleteIfExists(source);
    whyNoLaunch = launchUnavailable();
    if (whyNoLaunch == null) {
      try {
        Path image = BootableSample.image();
        io.liftshift.converter.inspect.Commands.run(
            600, "cp", "--sparse=always", image.toString(), source.toString());
        bootable = true;
        System.out.println(
            "  "
                + source
                + ": a bootable Debian 12 server as a virtio hypervisor had it (not Nitro-ready:"
                + " /dev/vda1, static eth0, virtio-only initramfs)");
      } catch (Exception e) {
        whyNoLaunch = "the bootable sample could not be built: " + e.getMessage();
      }
    }
    if (!bootable) {
      long size = sizeMib << 20;
      SampleDisk.ext4(source, size, Math.min(size / 8, 128L << 20));
      System.out.println(
          "  "
              + source
              + ": "
              + Sizes.bytes(size)
              + " sparse image, ext4 with logs, binaries and reports (not bootable: "
              + whyNoLaunch
              + ")");
    }

    System.out.println("[2/8] starting the control plane and the replicator");
    Path controlPlaneDir = work.resolve("control-plane");
    SampleDisk.deleteTree(controlPlaneDir);
    java.util.List<String> names = java.util.List.of("localhost", "127.0.0.1");
    ControlPlane controlPlane;
    try {
      controlPlane =
          ControlPlane.start(
              controlPlaneDir,
              work.resolve("ca"),
              "127.0.0.1",
              443,
              ControlPlane.DEFAULT_REGION,
              names);
    } catch (Exception e) {
      controlPlane =
          ControlPlane.start(
              controlPlaneDir,
              work.resolve("ca"),
              "127.0.0.1",
              0,
              ControlPlane.DEFAULT_REGION,
              names);
    }
    try (ControlPlane cp = controlPlane) {
      return run(work, source, cp);
    }
  }

  private Integer run(Path work, Path source, ControlPlane cp) throws Exception {
    cp.call("InitializeService", "{}");
    System.out.println(
        "  control plane (MGN API) on https://127.0.0.1:" + cp.port() + ", account initialized");
    // The web console, open while the quickstart runs (and afterwards with `liftshift
    // control-plane --data-dir` on the same state): signed in with this key.
    var consoleKey = cp.accessKeys().create();
    System.out.println(
        "  web console: https://127.0.0.1:"
            + cp.port()
            + "/console/ (the installation CA "
            + work.resolve("ca").resolve("ca.crt")
            + " signs its certificate)");
    System.out.println(
        "    sign in with access key "
            + consoleKey.accessKeyId()
            + " and secret "
            + consoleKey.secretAccessKey());
    System.out.println(
        "    afterwards: liftshift control-plane --data-dir "
            + work.resolve("control-plane")
            + " --ca-dir "
            + work.resolve("ca")
            + " --listen 127.0.0.1:443");
    java.util.Optional<String> noInstaller = InstalledAgent.unavailable();
    InstalledAgent installed = null;
    ControlPlaneLink registration;
    if (noInstaller.isEmpty()) {
      Path root = work.resolve("agent-root");
      System.out.println(
          "  installing the agent with the installer users run, into "
              + root
              + " (it stands for the server's /; no systemd here, so its service's command"
              + " runs as a process)");
      installed =
          InstalledAgent.install(
              root, cp, work.resolve("ca").resolve("ca.crt"), source, SERVICE_ARGS, System.out);
      registration = installed.link();
    } else {
      System.out.println("  the agent runs inside this process: " + noInstaller.get());
      registration =
          ControlPlaneLink.install(
              "https://localhost:" + cp.port(),
              cp.createInstallToken(),
              cp.caFingerprint(),
              java.util.List.of(source),
              work.resolve("agent"));
    }
    String sourceServerId = registration.identity().sourceServerId();
    System.out.println("  agent installed and registered: source server " + sourceServerId);
    Path replicatorDir = work.resolve("replicator");
    // A fresh staging area, so that the quickstart always shows a full initial sync.
    SampleDisk.deleteTree(replicatorDir);
    ReplicatorOptions ro =
        new ReplicatorOptions()
            .host("127.0.0.1")
            .port(port)
            .dataDir(replicatorDir)
            .caDir(work.resolve("ca"))
            .advertisedHost("127.0.0.1")
            .snapshotIntervalMillis(2000)
            .controlPlane("https://localhost:" + cp.port(), cp.createReplicationServerToken());
    Replicator replicator;
    try {
      replicator = Replicator.start(ro);
    } catch (Exception e) {
      System.out.println(
          "  port " + port + " is not available (" + e.getMessage() + "); using a free port");
      replicator = Replicator.start(ro.port(0));
    }
    try (Replicator r = replicator;
        InstalledAgent closeLast = installed) {
      System.out.println(
          "  listening on 127.0.0.1:" + r.port() + ", TLS 1.3 TLS_AES_256_GCM_SHA384");
      System.out.println("  installation CA " + r.caFingerprint());
      ControlPlaneLink.Instructions where = registration.awaitReplicationServer(30_000, 500);
      System.out.println(
          "  replicator registered as "
              + r.replicationServerId()
              + "; the control plane placed "
              + sourceServerId
              + " on it ("
              + where.replicationServerHost()
              + ":"
              + where.replicationServerPort()
              + ")");

      System.out.println("[3/8] agent: initial sync (change tracking from the first byte)");
      if (installed != null) {
        // The sample disk is not mounted, so its bitmaps are final: the file-system-aware sync
        // is safe here (a mounted source keeps the whole-disk default).
        int rc = installed.syncOnce("--sync-scope", "used", "--reconnect-timeout-seconds", "60");
        if (rc != 0) {
          System.out.println("[4/8] verification FAILED: the agent exited with " + rc);
          return 3;
        }
        java.util.List<StagingVolume> volumes = r.volumes().list();
        if (volumes.size() != 1) {
          throw new IOException("expected one staging volume, the replicator has " + volumes);
        }
        if (verify(work, source, cp, sourceServerId, volumes.get(0), "USED") != 0) {
          return 3;
        }
        try (RunningAgent replicating = installed.startService()) {
          return afterSync(work, source, cp, sourceServerId, r, replicating, volumes.get(0));
        }
      }
      AgentOptions ao =
          new AgentOptions()
              .replicator(where.replicationServerHost(), where.replicationServerPort())
              .token(registration.identity().agentToken())
              .caFingerprint(registration.identity().ca())
              .sourceServerId(sourceServerId)
              .addDisk(source)
              // The sample disk is not mounted, so its bitmaps are final: the file-system-aware
              // sync is safe here (a mounted source keeps the whole-disk default).
              .syncScope(io.liftshift.agent.SyncScope.USED)
              .stateDir(work.resolve("agent"))
              .reconnectTimeoutSeconds(60);
      SampleDisk.deleteTree(work.resolve("agent/changes"));
      var progress = new io.liftshift.agent.command.ProgressPrinter(System.out);
      SyncReport report;
      HeartbeatReporter heartbeats = new HeartbeatReporter(registration, progress, 1000);
      try {
        report = new Agent(ao, heartbeats).run();
        heartbeats.reportComplete(report);
      } catch (VerificationFailedException e) {
        progress.finishLine();
        System.out.println("[4/8] verification FAILED: " + e.getMessage());
        return 3;
      } finally {
        heartbeats.close();
      }
      progress.finishLine();
      io.liftshift.agent.command.AgentCommand.print(report);

      DiskReport disk = report.disks().get(0);
      StagingVolume volume =
          r.volumes().list().stream()
              .filter(v -> v.volumeId().equals(disk.stagingVolumeId()))
              .findFirst()
              .orElseThrow(
                  () -> new IOException("staging volume " + disk.stagingVolumeId() + " not found"));
      if (verify(work, source, cp, sourceServerId, volume, String.valueOf(disk.syncScope())) != 0) {
        return 3;
      }
      // Replication goes on through the launches, as MGN's does: each launch then gets a fresh,
      // crash-consistent snapshot (the agent's consistency point) of the latest replicated state.
      try (RunningAgent replicating =
          InProcessAgent.start(ao, new HeartbeatReporter(registration, SyncListener.NONE, 1000))) {
        return afterSync(work, source, cp, sourceServerId, r, replicating, volume);
      }
    }
  }

  /** The agent's command-line options in its service unit (the installer's --agent-args). */
  static final String SERVICE_ARGS =
      "--sync-scope used --no-verify --scan-interval-seconds 1 --scan-budget-mbps 0"
          + " --reconnect-timeout-seconds 60";

  /** Steps 5 to 8, with the agent replicating continuously. */
  private Integer afterSync(
      Path work,
      Path source,
      ControlPlane cp,
      String sourceServerId,
      Replicator r,
      RunningAgent replicating,
      StagingVolume volume)
      throws Exception {
    int snapshotResult =
        continuousAndSnapshot(
            work, source, r, sourceServerId, replicating, volume.devicePath(), bootable);
    if (snapshotResult != 0) {
      return snapshotResult;
    }
    if (!bootable) {
      System.out.println("[6/8] launches skipped: " + whyNoLaunch + " (never faked)");
      return 0;
    }
    return QuickstartLaunches.run(work, source, cp, sourceServerId, r, replicating);
  }

  /** Step 4: the staging volume against the source, hashed whole, and the control plane's view. */
  private static int verify(
      Path work,
      Path source,
      ControlPlane cp,
      String sourceServerId,
      StagingVolume volume,
      String scope)
      throws Exception {
    System.out.println("[4/8] result");
    {
      // A second, independent check: whole-file SHA-256 of both sides. A file-system-aware sync
      // zeroes the blocks no file system uses, so the source is hashed with those zeroed too.
      System.out.println("  initial sync read: " + scope);
      String a = sha256UsedBlocks(source);
      String b = sha256(volume.devicePath());
      System.out.println("  sha256 source  " + a);
      System.out.println("  sha256 staging " + b);
      if (!a.equals(b)) {
        System.out.println("  MISMATCH: the staging volume differs from the source");
        return 3;
      }
      System.out.println(
          "  VERIFIED: the staging volume is identical to the source disk"
              + " (blocks no file system uses read as zeros)");
      System.out.println("  staging volume: " + volume.devicePath());
      String described =
          cp.call(
              "DescribeSourceServers",
              "{\"filters\":{\"sourceServerIDs\":[\"" + sourceServerId + "\"]}}");
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("\"replicatedStorageBytes\":(\\d+)").matcher(described);
      System.out.println(
          "  control plane: DescribeSourceServers shows "
              + sourceServerId
              + (m.find() ? " with " + m.group(1) + " bytes replicated" : ""));
      return 0;
    }
  }

  /**
   * Step 5: the agent keeps the staging volume in step, a change on the source is replicated, and
   * the replicator's next point-in-time snapshot, exported, equals the changed source.
   */
  private static Integer continuousAndSnapshot(
      Path work,
      Path source,
      Replicator r,
      String sourceServerId,
      RunningAgent agent,
      Path staged,
      boolean bootable)
      throws Exception {
    System.out.println("[5/8] continuous replication and a point-in-time snapshot");
    // A change on the source disk: 64 KiB at its end (on the bootable sample, in the unused
    // gap between GRUB's core image and the first partition, so that it still boots).
    byte[] change = new byte[64 << 10];
    new SecureRandom().nextBytes(change);
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(source.toFile(), "rw")) {
      f.seek(bootable ? 768L << 10 : f.length() - change.length);
      f.write(change);
    }
    String want = sha256(source);
    long deadline = System.currentTimeMillis() + 60_000;
    while (!sha256(staged).equals(want)) {
      if (agent.ended() || System.currentTimeMillis() > deadline) {
        System.out.println("  the change did not reach the staging volume");
        return 3;
      }
      Thread.sleep(200);
    }
    // Any snapshot from now on holds the change: it is on the staging volume already.
    java.time.Instant inStepAt = java.time.Instant.now();
    System.out.println(
        "  a 64 KiB change on the source reached the staging volume ("
            + agent.tracker()
            + " tracker)");
    var snapshots = r.snapshots().orElseThrow();
    io.liftshift.cloud.PointInTimeSnapshot snap = null;
    Path exported = work.resolve("snapshot-export.img");
    while (snap == null) {
      for (var s : snapshots.list(sourceServerId)) {
        if (s.takenAt().isAfter(inStepAt)) {
          snap = s;
        }
      }
      if (snap != null) {
        Files.deleteIfExists(exported);
        try {
          snapshots.restore(snap.volumes().get(0), exported);
          break;
        } catch (IOException e) {
          // Snapshots come every 2 s and retention merges old ones: the one listed may be gone
          // by the time it is read. A later one holds the change too.
          snap = null;
        }
      }
      if (System.currentTimeMillis() > deadline) {
        System.out.println("  no point-in-time snapshot was taken");
        return 3;
      }
      Thread.sleep(200);
    }
    boolean same = sha256(exported).equals(want);
    System.out.println(
        "  point-in-time snapshot "
            + snap.snapshotSetId()
            + (snap.volumes().get(0).parentSnapshotId().isEmpty()
                ? " (full: " + Sizes.bytes(snap.storedBytes()) + " stored)"
                : " (" + Sizes.bytes(snap.changedBytes()) + " changed since the previous one)")
            + " exported to "
            + exported
            + ": "
            + (same ? "identical to the changed source" : "DIFFERENT"));
    System.out.println(
        "  list them with: liftshift snapshots list --data-dir "
            + work.resolve("replicator")
            + " "
            + sourceServerId);
    return same ? 0 : 3;
  }

  /** SHA-256 of a disk image with the blocks no recognised file system uses read as zeros. */
  static String sha256UsedBlocks(Path file) throws IOException {
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
      long size = ch.size();
      io.liftshift.agent.allocation.UsedRanges used =
          io.liftshift.agent.allocation.DiskLayout.read(ch, size).used();
      if (used == null) {
        return sha256(file);
      }
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 20);
      for (long off = 0; off < size; off += buf.capacity()) {
        int len = (int) Math.min(buf.capacity(), size - off);
        buf.clear().limit(len);
        while (buf.hasRemaining()) {
          if (ch.read(buf, off + buf.position()) < 0) {
            throw new IOException(file + " ended early");
          }
        }
        long at = off;
        used.forEachUnused(
            off,
            len,
            (o, l) ->
                java.util.Arrays.fill(buf.array(), (int) (o - at), (int) (o - at + l), (byte) 0));
        md.update(buf.array(), 0, len);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
