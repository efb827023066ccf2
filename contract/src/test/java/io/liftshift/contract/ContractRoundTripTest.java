package io.liftshift.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every body of the private API, as today's agents, replicators, converters and control plane write
 * it, reads into its record and writes back byte for byte: the records are the wire.
 */
class ContractRoundTripTest {
  record Sample(Class<?> type, String json) {
    @Override
    public String toString() {
      return type.getSimpleName();
    }
  }

  static Sample[] samples() {
    return new Sample[] {
      // The agent's registration (ControlPlaneLink.registration), with and without tags.
      new Sample(
          AgentContract.Registration.class,
          "{\"tags\":{\"env\":\"prod\",\"team\":\"a \\\"b\\\"\"},\"machineId\":\"0f3c\","
              + "\"identificationHints\":{\"fqdn\":\"web1.example.com\",\"hostname\":\"web1\"},"
              + "\"disks\":[{\"deviceName\":\"/dev/sda\",\"bytes\":10737418240}],"
              + "\"cpus\":[{\"cores\":4,\"modelName\":\"Intel(R) Xeon(R)\"}],"
              + "\"ramBytes\":8589934592,\"firmware\":\"UEFI\","
              + "\"os\":{\"fullString\":\"Ubuntu 22.04.4 LTS\"},"
              + "\"networkInterfaces\":[{\"macAddress\":\"52:54:00:12:34:56\","
              + "\"ips\":[\"10.0.0.5\",\"fe80::1\"],\"isPrimary\":true},"
              + "{\"macAddress\":\"52:54:00:12:34:57\",\"ips\":[],\"isPrimary\":false}]}"),
      new Sample(
          AgentContract.Registration.class,
          "{\"machineId\":\"\",\"identificationHints\":{\"fqdn\":\"h\",\"hostname\":\"h\"},"
              + "\"disks\":[],\"cpus\":[{\"cores\":1,\"modelName\":\"\"}],\"ramBytes\":0,"
              + "\"firmware\":\"BIOS\",\"os\":{\"fullString\":\"Linux\"},\"networkInterfaces\":[]}"),
      // The control plane's answers to registration.
      new Sample(
          AgentContract.Registered.class,
          "{\"sourceServerID\":\"s-0123456789abcdef0\",\"agentToken\":\"lsat-ab\","
              + "\"reRegistered\":false}"),
      new Sample(
          AgentContract.Registered.class,
          "{\"sourceServerID\":\"s-1\",\"agentToken\":\"lsat-ab\",\"reRegistered\":true,"
              + "\"replicationServer\":{\"replicationServerID\":\"rs-1\",\"host\":\"10.0.0.9\","
              + "\"port\":1500}}"),
      // The agent's heartbeats (ControlPlaneLink.report): full, and the first, bare one.
      new Sample(
          AgentContract.Heartbeat.class,
          "{\"sourceServerID\":\"s-1\",\"dataReplicationState\":\"CONTINUOUS\",\"lagSeconds\":3,"
              + "\"etaSeconds\":0,\"dataReplicationError\":{\"error\":\"AGENT_NOT_SEEN\","
              + "\"rawError\":\"x\"},\"tracker\":\"mmap\",\"lastSnapshotEpochMillis\":1700000000000,"
              + "\"throughputBytesPerSecond\":1048576,\"writeRateBytesPerSecond\":4096,"
              + "\"replicatedDisks\":[{\"deviceName\":\"/dev/sda\",\"state\":\"CONTINUOUS\","
              + "\"totalStorageBytes\":100,\"replicatedStorageBytes\":100,"
              + "\"backloggedStorageBytes\":0,\"rescannedStorageBytes\":0,\"error\":\"\"}]}"),
      new Sample(
          AgentContract.Heartbeat.class,
          "{\"sourceServerID\":\"s-1\",\"dataReplicationState\":\"INITIATING\",\"lagSeconds\":0,"
              + "\"tracker\":\"none\",\"throughputBytesPerSecond\":0,"
              + "\"writeRateBytesPerSecond\":0,\"replicatedDisks\":[]}"),
      new Sample(
          AgentContract.InstructionsRequest.class,
          "{\"sourceServerID\":\"s-1\",\"knownVersion\":-1}"),
      new Sample(
          AgentContract.Instructions.class,
          "{\"sourceServerID\":\"s-1\",\"replication\":\"RUNNING\",\"bandwidthThrottlingMbps\":0,"
              + "\"instructionsVersion\":1550596542}"),
      new Sample(
          AgentContract.Instructions.class,
          "{\"sourceServerID\":\"s-1\",\"replication\":\"PAUSED\",\"bandwidthThrottlingMbps\":50,"
              + "\"instructionsVersion\":7,\"replicationServer\":{\"replicationServerID\":\"rs-1\","
              + "\"host\":\"127.0.0.1\",\"port\":41500}}"),
      // The replicator's bodies (ControlPlaneRegistration, CertificateEnrolment) and answers.
      new Sample(
          ReplicatorContract.Registration.class,
          "{\"host\":\"10.0.0.9\",\"port\":1500,\"maxDisks\":15,"
              + "\"localSnapshotsDir\":\"/var/lib/x\",\"replicationServerID\":\"rs-1\"}"),
      new Sample(
          ReplicatorContract.Registration.class,
          "{\"host\":\"10.0.0.9\",\"port\":1500,\"maxDisks\":15}"),
      new Sample(
          ReplicatorContract.Registered.class,
          "{\"replicationServerID\":\"rs-1\",\"replicatorToken\":\"lsrt-ab\","
              + "\"reRegistered\":false}"),
      new Sample(
          ReplicatorContract.Heartbeat.class,
          "{\"replicationServerID\":\"rs-1\",\"activeDisks\":2,\"removedServers\":[\"s-9\"]}"),
      new Sample(
          ReplicatorContract.HeartbeatAnswer.class,
          "{\"replicationServerID\":\"rs-1\",\"removeServers\":[\"s-9\"],"
              + "\"sourceServers\":[{\"sourceServerID\":\"s-1\",\"agentTokenSha256\":\"ab\","
              + "\"diskCount\":1,\"snapshotRequestedEpochMillis\":0,\"pitPolicy\":[{\"ruleID\":1,"
              + "\"units\":\"MINUTE\",\"interval\":10,\"retentionDuration\":60,"
              + "\"enabled\":true}]}],\"fleet\":{\"trackedSourceServers\":1,\"trackedDisks\":1,"
              + "\"unassignedDisks\":0,\"liveReplicators\":1,\"desiredReplicators\":1,"
              + "\"disksPerReplicator\":15}}"),
      new Sample(
          ReplicatorContract.CertificateRequest.class,
          "{\"certificateRequest\":\"-----BEGIN CERTIFICATE REQUEST-----\\nMII\\n\","
              + "\"subjectAltNames\":[\"10.0.1.5\",\"ip-10-0-1-5.ec2.internal\"]}"),
      new Sample(
          ReplicatorContract.CertificateChain.class,
          "{\"certificateChain\":\"-----BEGIN CERTIFICATE-----\\n\"}"),
      // The converter's job (as the control plane stores it) and report.
      new Sample(
          ConverterContract.Job.class,
          "{\"jobID\":\"mgnjob-1\",\"sourceServerID\":\"s-1\",\"volumes\":[{\"path\":\"/v/a.img\","
              + "\"sourceDeviceName\":\"/dev/sda\"},{\"volumeId\":\"vol-1\",\"sourceDeviceName\":\"\"}],"
              + "\"postLaunchActions\":[{\"id\":\"a1\",\"name\":\"hello\",\"script\":\"echo hi\","
              + "\"timeoutSeconds\":600}]}"),
      new Sample(
          ConverterContract.Report.class,
          "{\"jobID\":\"mgnjob-1\",\"plan\":{\"steps\":[]},\"report\":{\"bootMode\":\"BIOS\"}}"),
      new Sample(ConverterContract.Accepted.class, "{\"accepted\":true}"),
    };
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void recordsRoundTripTheWireByteForByte(Sample s) throws Exception {
    Object read = ContractJson.read(s.json(), s.type());
    assertThat(ContractJson.write(read)).isEqualTo(s.json());
  }

  @Test
  void readersIgnoreMembersTheyDoNotKnowSoEitherSideMayGrowFirst() throws Exception {
    AgentContract.Instructions i =
        ContractJson.read(
            "{\"sourceServerID\":\"s-1\",\"replication\":\"RUNNING\",\"newWish\":{\"x\":1}}",
            AgentContract.Instructions.class);
    assertThat(i.replication()).isEqualTo("RUNNING");
    assertThat(i.replicationServer()).isNull();
  }

  @Test
  void theAgentsKnownVersionIsAbsentNotZeroWhenItHoldsNone() throws Exception {
    assertThat(
            ContractJson.read(
                    "{\"sourceServerID\":\"s-1\"}", AgentContract.InstructionsRequest.class)
                .knownVersion())
        .isNull();
  }
}
