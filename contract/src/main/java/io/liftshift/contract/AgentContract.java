package io.liftshift.contract;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * What an agent says to the control plane and hears back (docs/control-plane.md, "Agent API").
 * Register with an install token, then heartbeat and long-poll with the agent token it answers.
 *
 * <p>Members the sender leaves out are null here and absent on the wire; members a reader does not
 * know are ignored, so either side may grow first. The agent writes these bodies by hand (it
 * carries no JSON library); its tests read them with these records.
 */
public final class AgentContract {
  /** Install token: registers the machine, answers {@link Registered}. */
  public static final String REGISTER = "/agent/v1/register";

  /** Agent token: reports {@link Heartbeat}, answers {@link Instructions}. */
  public static final String HEARTBEAT = "/agent/v1/heartbeat";

  /** Agent token: long-polls with {@link InstructionsRequest}, answers {@link Instructions}. */
  public static final String INSTRUCTIONS = "/agent/v1/instructions";

  /** The answer to a heartbeat or instructions call for a server the operator disconnected. */
  public static final int DISCONNECTED_STATUS = 410;

  private AgentContract() {}

  /**
   * The machine's facts in MGN's SourceProperties shapes. The control plane stores {@code
   * identificationHints}, {@code disks}, {@code cpus} and {@code networkInterfaces} as sent.
   *
   * @param tags the installer's {@code --tags}, added to the source server's tags
   * @param firmware how the source booted: {@code UEFI} or {@code BIOS}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Registration(
      @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> tags,
      String machineId,
      IdentificationHints identificationHints,
      List<SourceDisk> disks,
      List<Cpu> cpus,
      Long ramBytes,
      String firmware,
      Os os,
      List<NetworkInterface> networkInterfaces) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record IdentificationHints(String fqdn, String hostname) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SourceDisk(String deviceName, Long bytes) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Cpu(Integer cores, String modelName) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Os(String fullString) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record NetworkInterface(
      String macAddress, List<String> ips, @JsonProperty("isPrimary") Boolean isPrimary) {}

  /**
   * @param reRegistered whether the machine was known (same machine id, else same FQDN)
   * @param replicationServer where to replicate to; absent until a replicator has room
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Registered(
      String sourceServerID,
      String agentToken,
      boolean reRegistered,
      ReplicationServer replicationServer) {}

  /** The replicator a source server is placed on (its CA is the installation's). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ReplicationServer(String replicationServerID, String host, int port) {}

  /**
   * Replication state and per-disk figures, every 5 s.
   *
   * @param etaSeconds absent while unknown
   * @param dataReplicationError absent when there is none
   * @param lastSnapshotEpochMillis absent before the first snapshot
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Heartbeat(
      String sourceServerID,
      String dataReplicationState,
      Long lagSeconds,
      Long etaSeconds,
      DataReplicationError dataReplicationError,
      String tracker,
      Long lastSnapshotEpochMillis,
      Long throughputBytesPerSecond,
      Long writeRateBytesPerSecond,
      List<ReplicatedDisk> replicatedDisks) {}

  /** MGN's DataReplicationError: a code and its detail. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DataReplicationError(String error, String rawError) {}

  /** MGN's replicated-disk members, plus the disk's own {@code state} and {@code error}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ReplicatedDisk(
      String deviceName,
      String state,
      Long totalStorageBytes,
      Long replicatedStorageBytes,
      Long backloggedStorageBytes,
      Long rescannedStorageBytes,
      String error) {}

  /**
   * @param knownVersion the {@code instructionsVersion} the agent holds; absent for "none yet"
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record InstructionsRequest(String sourceServerID, Long knownVersion) {}

  /**
   * The operator's wishes, applied without reconnecting.
   *
   * @param replication RUNNING, PAUSED or STOPPED
   * @param instructionsVersion changes whenever any of the wishes change
   * @param replicationServer only in a heartbeat's answer, once the server is placed
   *     <p>A heartbeat's answer also carries {@code "agentVersion"}, the agent version the control
   *     plane serves, added by its downloads (the agent's self-upgrade; docs/agent-install.md), and
   *     absent where no bundle is served.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Instructions(
      String sourceServerID,
      String replication,
      long bandwidthThrottlingMbps,
      long instructionsVersion,
      ReplicationServer replicationServer) {
    /** The same wishes with where to replicate to. */
    public Instructions placedOn(ReplicationServer where) {
      return new Instructions(
          sourceServerID, replication, bandwidthThrottlingMbps, instructionsVersion, where);
    }
  }
}
