package io.liftshift.agent.command;

import io.liftshift.agent.Agent;
import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.ControlPlaneLink;
import io.liftshift.agent.DisconnectedFromServiceException;
import io.liftshift.agent.DiskReport;
import io.liftshift.agent.HeartbeatReporter;
import io.liftshift.agent.ReplicationControl;
import io.liftshift.agent.SyncReport;
import io.liftshift.agent.VerificationFailedException;
import io.liftshift.trust.CaFingerprint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Replicates disks of this machine to a replicator. */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    versionProvider = AgentVersion.class,
    subcommands = {AgentInstallCommand.class, AgentUninstallCommand.class},
    description = {
      "Replicate disks of this machine (block devices or image files) to a replication server:",
      "initial sync over TLS 1.3, then a Merkle verification of every staging volume."
    })
public final class AgentCommand implements Callable<Integer> {
  @Option(
      names = "--replicator",
      description =
          "Replication server, HOST:PORT (default for an installed agent: the one the control plane assigns).")
  String replicator;

  @Option(names = "--token", description = "Replication credential (or LIFTSHIFT_AGENT_TOKEN).")
  String token;

  @Option(names = "--token-file", description = "File holding the replication credential.")
  Path tokenFile;

  @Option(
      names = "--ca-fingerprint",
      description =
          "The installation CA to trust (sha256:HEX, from 'liftshift ca init'; required).")
  String caFingerprint;

  @Option(
      names = "--disk",
      description = "A block device or image file to replicate (repeatable; at least one).")
  List<Path> disks = new java.util.ArrayList<>();

  @Option(
      names = "--state-dir",
      description =
          "Where 'agent install' left this server's identity (default: $LIFTSHIFT_HOME/agent); when present, progress is reported to the control plane.")
  Path stateDir;

  @Option(
      names = "--source-server-id",
      description = "Id of this source server (default: derived from /etc/machine-id).")
  String sourceServerId;

  @Option(
      names = "--window-mib",
      defaultValue = "96",
      description = "Unacknowledged MiB in flight at most (default: ${DEFAULT-VALUE}).")
  int windowMib;

  @Option(
      names = "--block-kib",
      defaultValue = "64",
      description = "Block size for zero detection and compression (default: ${DEFAULT-VALUE}).")
  int blockKib;

  @Option(names = "--no-verify", description = "Skip the Merkle verification after the sync.")
  boolean noVerify;

  @Option(
      names = "--sync-scope",
      description =
          "What the initial sync reads: ALL (default) copies every byte; USED reads only blocks"
              + " that a recognised file system (ext4, XFS, in LVM, MBR or GPT) uses and sends the"
              + " rest as zeros. Safe with --continuous (writes during the sync are tracked and"
              + " sent), or on an unmounted or frozen file system; docs/protocol.md note 9.",
      converter = SyncScopeConverter.class,
      defaultValue = "all")
  io.liftshift.agent.SyncScope syncScope;

  /** Accepts used/all in any case. */
  static final class SyncScopeConverter
      implements picocli.CommandLine.ITypeConverter<io.liftshift.agent.SyncScope> {
    @Override
    public io.liftshift.agent.SyncScope convert(String v) {
      return io.liftshift.agent.SyncScope.valueOf(v.trim().toUpperCase(Locale.ROOT));
    }
  }

  @Option(
      names = "--reconnect-timeout-seconds",
      defaultValue = "" + AgentOptions.DEFAULT_RECONNECT_TIMEOUT_SECONDS,
      description =
          "Give up after this long without progress, reconnecting meanwhile (default: ${DEFAULT-VALUE}).")
  int reconnectTimeoutSeconds;

  @Option(
      names = "--continuous",
      description =
          "After the initial sync, keep every staging volume in step with its disk (change tracking) until stopped.")
  boolean continuous;

  @Option(
      names = "--tracker",
      defaultValue = "AUTO",
      description =
          "Change tracker: AUTO (tracefs for block devices where possible, else scanning), TRACEFS or SCANNING (default: ${DEFAULT-VALUE}).")
  AgentOptions.TrackerMode tracker;

  @Option(
      names = "--throttle-mbps",
      defaultValue = "0",
      description =
          "Bandwidth limit in Mbps, 0 = unlimited (default: ${DEFAULT-VALUE}; an installed agent follows its replication configuration).")
  long throttleMbps;

  @Option(
      names = "--scan-budget-mbps",
      defaultValue = "100",
      description =
          "Read budget of scanning passes in MB/s, 0 = unlimited (default: ${DEFAULT-VALUE}).")
  long scanBudgetMbps;

  @Option(
      names = "--scan-interval-seconds",
      defaultValue = "10",
      description = "Pause between scanning passes (default: ${DEFAULT-VALUE}).")
  long scanIntervalSeconds;

  @Option(
      names = "--verify-pass-hours",
      defaultValue = "24",
      description =
          "With the real-time tracker: a slow fingerprint pass this often as a safety net, 0 = off (default: ${DEFAULT-VALUE}).")
  long verifyPassHours;

  @Option(
      names = "--cipher-suite",
      defaultValue = "TLS_AES_256_GCM_SHA384",
      description = "TLS 1.3 suite (default: ${DEFAULT-VALUE}).")
  String cipherSuite;

  @Option(
      names = "--no-self-upgrade",
      description =
          "An installed agent upgrades itself to the version the control plane's heartbeat answers"
              + " name; this keeps the installed version.")
  boolean noSelfUpgrade;

  @Override
  public Integer call() throws Exception {
    String t = token;
    if (t == null && tokenFile != null) {
      t = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    }
    if (t == null) {
      t = System.getenv("LIFTSHIFT_AGENT_TOKEN");
    }
    java.util.Optional<ControlPlaneLink> registered =
        ControlPlaneLink.load(stateDir != null ? stateDir : AgentHome.stateDir());
    if (registered.isPresent() && Installation.home().isPresent() && !noSelfUpgrade) {
      registered.get().onAgentVersion(new UpgradeOnHeartbeat(AgentVersion.current()));
    }
    try {
      return replicate(t, registered);
    } catch (DisconnectedFromServiceException e) {
      // Also when the agent (re)starts after the operator disconnected it: no restart loop.
      return uninstallDisconnected();
    }
  }

  /**
   * Finalized, disconnected or archived: the agent uninstalls itself the way 'agent uninstall' does
   * (service, files, identity and change state go; the source disks are never touched).
   */
  private int uninstallDisconnected() throws java.io.IOException, InterruptedException {
    Path state = stateDir != null ? stateDir : AgentHome.stateDir();
    System.out.println("disconnected from the service: uninstalling the agent");
    System.out.println("removed " + Installation.uninstall(state));
    return 0;
  }

  private Integer replicate(String t, java.util.Optional<ControlPlaneLink> registered)
      throws Exception {
    String server =
        sourceServerId != null
            ? sourceServerId
            : registered
                .map(l -> l.identity().sourceServerId())
                .orElse(AgentHome.localSourceServerId());
    AgentOptions o = new AgentOptions();
    if (replicator != null) {
      o.replicator(replicator);
    } else if (registered.isPresent()) {
      // Installed: the control plane says which replication server this server is placed on,
      // and the credential it admits is the one registration issued.
      ControlPlaneLink link = registered.get();
      System.out.println("asking the control plane for a replication server...");
      ControlPlaneLink.Instructions where =
          link.awaitReplicationServer(reconnectTimeoutSeconds * 1000L, 2000);
      o.replicator(where.replicationServerHost(), where.replicationServerPort());
      o.caFingerprint(link.identity().ca());
      if (t == null) {
        t = link.identity().agentToken();
      }
      System.out.println(
          "replicating to " + where.replicationServerHost() + ":" + where.replicationServerPort());
    }
    if (caFingerprint != null) {
      o.caFingerprint(CaFingerprint.parse(caFingerprint));
    }
    o.token(t)
        .sourceServerId(server)
        .inFlightWindowBytes((long) windowMib << 20)
        .blockBytes(blockKib << 10)
        .verify(!noVerify)
        .syncScope(syncScope)
        .reconnectTimeoutSeconds(reconnectTimeoutSeconds)
        .cipherSuite(cipherSuite);
    disks.forEach(o::addDisk);
    if (continuous) {
      o.continuous(true)
          .stateDir(stateDir != null ? stateDir : AgentHome.stateDir())
          .tracker(tracker)
          .scanReadBudgetMBps(scanBudgetMbps)
          .scanPassIntervalMillis(scanIntervalSeconds * 1000)
          .verifyPassIntervalSeconds(verifyPassHours * 3600);
    }
    ReplicationControl control = new ReplicationControl(throttleMbps);
    ProgressPrinter progress = new ProgressPrinter(System.out);
    HeartbeatReporter heartbeats =
        registered
            .map(
                l ->
                    new HeartbeatReporter(
                        l, progress, HeartbeatReporter.DEFAULT_INTERVAL_MILLIS, control))
            .orElse(null);
    Agent agent = new Agent(o, heartbeats != null ? heartbeats : progress, control);
    Thread hook =
        new Thread(
            () -> {
              // SIGTERM/SIGINT: finish in-flight batches and save the change state.
              agent.stop();
              synchronized (this) {
                try {
                  wait(30_000);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            "agent-shutdown");
    if (continuous) {
      Runtime.getRuntime().addShutdownHook(hook);
    }
    try {
      SyncReport r = agent.run();
      progress.finishLine();
      print(r);
      if (control.desired() == ReplicationControl.Desired.DISCONNECTED) {
        return uninstallDisconnected();
      }
      if (heartbeats != null) {
        heartbeats.reportComplete(r);
      }
      return 0;
    } catch (VerificationFailedException e) {
      progress.finishLine();
      System.err.println("liftshift agent: " + e.getMessage());
      return 3;
    } finally {
      if (heartbeats != null) {
        heartbeats.close();
      }
      synchronized (this) {
        notifyAll();
      }
    }
  }

  public static void print(SyncReport r) {
    System.out.printf(
        Locale.ROOT,
        "initial sync: %s in %.2f s (%.0f MB/s), %s on the wire, %d reconnect(s), %s resent%n",
        Sizes.bytes(r.totalBytes()),
        r.syncNanos() / 1e9,
        r.syncMbPerSecond(),
        Sizes.bytes(r.wireBytes()),
        r.reconnects(),
        Sizes.bytes(r.resentBytes()));
    if (r.readNanos() > 0) {
      System.out.printf(
          Locale.ROOT,
          "  phases: read done at %.2f s (sending alongside), last acknowledgement at %.2f s%n",
          r.readNanos() / 1e9,
          r.syncNanos() / 1e9);
    }
    for (DiskReport d : r.disks()) {
      System.out.printf(
          Locale.ROOT,
          "  %s -> staging volume %s: %s data (%s after LZ4), %s zero%n",
          d.diskKey(),
          d.stagingVolumeId(),
          Sizes.bytes(d.dataBytesSent()),
          Sizes.bytes(d.payloadBytes()),
          Sizes.bytes(d.zeroBytes()));
      System.out.printf(
          Locale.ROOT,
          "    initial sync read %s; %s not read (unused)%s%n",
          d.syncScope(),
          Sizes.bytes(d.unusedBytesSkipped()),
          d.proofBytesReadBack() > 0
              ? "; proof read " + Sizes.bytes(d.proofBytesReadBack()) + " of the source again"
              : "; proof built while sending");
    }
    if (r.verified()) {
      System.out.printf(
          Locale.ROOT,
          "verification: OK, every staging volume is identical (%.2f s)%n",
          r.verifyNanos() / 1e9);
      for (DiskReport d : r.disks()) {
        System.out.println("  " + d.diskKey() + " merkle root " + d.digestRoot());
      }
    }
  }
}
