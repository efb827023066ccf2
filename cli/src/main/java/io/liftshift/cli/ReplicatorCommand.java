package io.liftshift.cli;

import io.liftshift.replicator.AgentTokens;
import io.liftshift.replicator.Replicator;
import io.liftshift.replicator.ReplicatorOptions;
import io.liftshift.trust.CaFingerprint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a replication server until stopped. */
@Command(
    name = "replicator",
    mixinStandardHelpOptions = true,
    description = {
      "Run a replication server: accept agents on port 1500 (TLS 1.3) and write each source disk",
      "into a staging volume of the same size. Stops cleanly on SIGTERM/SIGINT."
    })
final class ReplicatorCommand implements Callable<Integer> {
  @Option(
      names = "--listen",
      defaultValue = "0.0.0.0:1500",
      description = "Address and port to listen on (default: ${DEFAULT-VALUE}; port 0 = any).")
  String listen;

  @Option(
      names = "--data-dir",
      description =
          "Staging volumes, checkpoints and TLS identity (default: $LIFTSHIFT_HOME/replicator).")
  Path dataDir;

  @Option(
      names = "--ca-dir",
      description =
          "Installation CA directory (default: $LIFTSHIFT_HOME/ca). With ca.key there, the replicator"
              + " issues its own certificate; without a control plane the CA is created on first use.")
  Path caDir;

  @Option(
      names = "--ca-fingerprint",
      description =
          "The installation CA to pin (sha256:HEX, from 'liftshift ca show'). Used with"
              + " --control-plane when --ca-dir holds no ca.key: the replicator then asks the control"
              + " plane to certify its own key and never holds the CA key (how the AWS fleet runs).")
  String caFingerprint;

  @Option(names = "--agent-token", description = "An accepted agent token (repeatable).")
  List<String> agentTokens = new ArrayList<>();

  @Option(
      names = "--agent-token-file",
      description = "File of accepted tokens, one per line (a line sha256:HEX is a digest).")
  Path agentTokenFile;

  @Option(
      names = "--control-plane",
      description =
          "Register with this control plane (https://HOST:PORT): it places source servers here and says which agents to admit.")
  String controlPlane;

  @Option(
      names = "--install-token",
      description =
          "Install token for --control-plane, made with 'liftshift admin create-install-token"
              + " --for replication-servers' (or LIFTSHIFT_INSTALL_TOKEN).")
  String installToken;

  @Option(
      names = "--advertise",
      description = "Address agents use to reach this server (default: the first --san).")
  String advertise;

  @Option(
      names = "--san",
      description =
          "Name or IP that agents use for this server; goes into its certificate (repeatable; default: localhost, 127.0.0.1).")
  List<String> subjectAltNames = new ArrayList<>();

  @Option(
      names = "--max-disks",
      defaultValue = "" + ReplicatorOptions.DEFAULT_MAX_ACTIVE_DISKS,
      description = "Disks replicated at once (default: ${DEFAULT-VALUE}).")
  int maxDisks;

  @Option(
      names = "--fsync-batch-mib",
      defaultValue = "32",
      description = "MiB written to a volume between fsyncs (default: ${DEFAULT-VALUE}).")
  int fsyncBatchMib;

  @Option(
      names = "--fsync-interval-ms",
      defaultValue = "" + ReplicatorOptions.DEFAULT_FSYNC_INTERVAL_MILLIS,
      description =
          "Longest wait before written data is fsynced and acknowledged (default: ${DEFAULT-VALUE}).")
  int fsyncIntervalMillis;

  @Option(
      names = "--idle-timeout-seconds",
      defaultValue = "" + ReplicatorOptions.DEFAULT_IDLE_TIMEOUT_SECONDS,
      description = "Close a connection silent for this long (default: ${DEFAULT-VALUE}).")
  int idleTimeoutSeconds;

  @Option(
      names = "--snapshot-interval-seconds",
      defaultValue = "0",
      description =
          "Point-in-time snapshot interval; 0 = the PIT policy's (every 10 min, kept 1 h; hourly, kept 1 day; daily, kept 7 days).")
  long snapshotIntervalSeconds;

  @Option(names = "--no-snapshots", description = "Take no point-in-time snapshots.")
  boolean noSnapshots;

  @Option(
      names = "--cloud",
      defaultValue = "local",
      description =
          "Where staging volumes and snapshots live: local (files under --data-dir) or aws (EBS volumes attached to this instance, EBS snapshots; default: ${DEFAULT-VALUE}).")
  String cloud;

  @Option(
      names = "--installation",
      defaultValue = "liftshift",
      description = "With --cloud aws: the tag value that marks this installation's volumes.")
  String installation;

  @Option(
      names = "--ebs-kms-key-id",
      description =
          "With --cloud aws: KMS key for staging volumes (default: the account's EBS key).")
  String kmsKeyId;

  @Option(
      names = "--cipher-suite",
      defaultValue = "TLS_AES_256_GCM_SHA384",
      description = "TLS 1.3 suite (default: ${DEFAULT-VALUE}).")
  String cipherSuite;

  @Override
  public Integer call() throws Exception {
    int i = listen.lastIndexOf(':');
    if (i < 0) {
      throw new IllegalArgumentException("--listen must be HOST:PORT, got " + listen);
    }
    AgentTokens tokens = AgentTokens.of(agentTokens.toArray(new String[0]));
    if (agentTokenFile != null) {
      tokens = tokens.plus(AgentTokens.fromFile(agentTokenFile));
    }
    String envToken = System.getenv("LIFTSHIFT_AGENT_TOKEN");
    if (envToken != null && !envToken.isBlank()) {
      tokens = tokens.plus(AgentTokens.of(envToken));
    }
    ReplicatorOptions o =
        new ReplicatorOptions()
            .host(listen.substring(0, i))
            .port(Integer.parseInt(listen.substring(i + 1)))
            .dataDir(dataDir != null ? dataDir : Home.dir().resolve("replicator"))
            .caDir(caDir != null ? caDir : Home.caDir())
            .agentTokens(tokens)
            .maxActiveDisks(maxDisks)
            .fsyncBatchBytes((long) fsyncBatchMib << 20)
            .fsyncIntervalMillis(fsyncIntervalMillis)
            .idleTimeoutSeconds(idleTimeoutSeconds)
            .cipherSuite(cipherSuite);
    if (!subjectAltNames.isEmpty()) {
      o.subjectAltNames(subjectAltNames);
    }
    if (controlPlane != null) {
      String install =
          installToken != null ? installToken : System.getenv("LIFTSHIFT_INSTALL_TOKEN");
      if (install == null || install.isBlank()) {
        throw new IllegalArgumentException(
            "--control-plane needs --install-token (from 'liftshift admin create-install-token"
                + " --for replication-servers')");
      }
      o.controlPlane(controlPlane, install);
    }
    if (caFingerprint != null) {
      o.caFingerprint(CaFingerprint.parse(caFingerprint));
    }
    if (advertise != null) {
      o.advertisedHost(advertise);
    }
    if (noSnapshots) {
      o.pointInTimePolicy(null);
    }
    o.snapshotIntervalMillis(snapshotIntervalSeconds * 1000);
    Replicator r;
    if (cloud.equals("aws")) {
      var aws = io.liftshift.cloud.aws.AwsCloud.replicationOnThisInstance(installation, kmsKeyId);
      r = Replicator.start(null, o, aws.volumes(), aws.snapshots());
    } else if (cloud.equals("local")) {
      r = Replicator.start(o);
    } else {
      throw new IllegalArgumentException("--cloud must be local or aws, got " + cloud);
    }
    Daemon.runUntilStopped(
        "replicator",
        r,
        "READY port=" + r.port() + " ca=" + r.caFingerprint() + " data=" + o.dataDir());
    return 0;
  }
}
