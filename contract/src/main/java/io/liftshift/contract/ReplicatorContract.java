package io.liftshift.contract;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What a replication server says to the control plane and hears back (docs/control-plane.md,
 * "Replicator API"): register and enrol for its 1500 certificate with a replication servers'
 * install token, then heartbeat with the replicator token it answers.
 */
public final class ReplicatorContract {
  /** Install token: {@link Registration}, answers {@link Registered}. */
  public static final String REGISTER = "/replicator/v1/register";

  /** Install token: {@link CertificateRequest}, answers {@link CertificateChain}. */
  public static final String CERTIFICATE = "/replicator/v1/certificate";

  /** Replicator token: {@link Heartbeat}, answers {@link HeartbeatAnswer}. */
  public static final String HEARTBEAT = "/replicator/v1/heartbeat";

  private ReplicatorContract() {}

  /**
   * @param host where agents reach it
   * @param maxDisks absent for the default (15)
   * @param localSnapshotsDir a local-cloud replicator's snapshots, which launches on the same
   *     machine read
   * @param replicationServerID the id it had, when it registers again after a restart
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Registration(
      String host,
      Integer port,
      Integer maxDisks,
      String localSnapshotsDir,
      String replicationServerID) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Registered(
      String replicationServerID, String replicatorToken, boolean reRegistered) {}

  /**
   * @param removedServers servers whose staging volumes and snapshots it deleted as asked
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Heartbeat(
      String replicationServerID, Integer activeDisks, List<String> removedServers) {}

  /**
   * @param removeServers servers no longer replicated whose staging it should delete
   * @param sourceServers the servers placed on it: it admits exactly their agents
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record HeartbeatAnswer(
      String replicationServerID,
      List<String> removeServers,
      List<PlacedServer> sourceServers,
      FleetNeed fleet) {}

  /**
   * @param agentTokenSha256 the digest of the agent's credential, hex
   * @param snapshotRequestedEpochMillis a launch's ask for a fresh snapshot; 0 for none
   * @param pitPolicy AWS's PITPolicyRule objects ({@code ruleID, units, interval,
   *     retentionDuration, enabled})
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record PlacedServer(
      String sourceServerID,
      String agentTokenSha256,
      int diskCount,
      long snapshotRequestedEpochMillis,
      List<Map<String, Object>> pitPolicy) {}

  /** What the fleet should be: the replicators its tracked disks need. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record FleetNeed(
      int trackedSourceServers,
      int trackedDisks,
      int unassignedDisks,
      int liveReplicators,
      int desiredReplicators,
      int disksPerReplicator) {}

  /**
   * @param certificateRequest a PEM PKCS#10 request, signed with the key it carries
   * @param subjectAltNames 1 to 20 DNS names or IP addresses
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CertificateRequest(String certificateRequest, List<String> subjectAltNames) {}

  /** The PEM leaf, then the installation CA. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CertificateChain(String certificateChain) {}
}
