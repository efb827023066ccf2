package io.liftshift.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.trust.PinnedCaTrustManager;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.DataReplicationErrorString;
import software.amazon.awssdk.services.mgn.model.DataReplicationState;
import software.amazon.awssdk.services.mgn.model.LifeCycleState;
import software.amazon.awssdk.services.mgn.model.SourceServer;

/** Agents register and report over the private API; operators see them through the MGN API. */
class AgentRegistrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  ControlPlane cp;
  MgnClient mgn;
  HttpClient http;
  String installToken;

  @BeforeEach
  void start() throws Exception {
    cp =
        ControlPlane.start(
            dir.resolve("cp"),
            dir.resolve("ca"),
            "127.0.0.1",
            0,
            "us-east-1",
            List.of("localhost", "127.0.0.1"),
            1500);
    var key = cp.accessKeys().create();
    mgn =
        MgnClient.builder()
            .endpointOverride(URI.create("https://localhost:" + cp.port()))
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey())))
            .httpClient(
                ApacheHttpClient.builder()
                    .tlsTrustManagersProvider(
                        () ->
                            new TrustManager[] {
                              new PinnedCaTrustManager(cp.caFingerprint(), ServerRole.CONTROL_PLANE)
                            })
                    .build())
            .build();
    mgn.initializeService(b -> {});
    installToken = cp.createInstallToken();
    http =
        HttpClient.newBuilder()
            .sslContext(TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE))
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    mgn.close();
    cp.close();
  }

  private HttpResponse<String> post(String path, String bearer, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("https://localhost:" + cp.port() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String registration(String mac) {
    return """
        {"machineId":"9f1c2d","identificationHints":{"fqdn":"app-01.corp.example","hostname":"app-01"},
         "disks":[{"deviceName":"/dev/sda","bytes":107374182400},{"deviceName":"/dev/sdb","bytes":1073741824}],
         "cpus":[{"cores":4,"modelName":"Intel Xeon"}],"ramBytes":17179869184,
         "os":{"fullString":"Debian GNU/Linux 12 (bookworm)"},
         "networkInterfaces":[{"macAddress":"%s","ips":["10.0.0.5"],"isPrimary":true}]}
        """
        .formatted(mac);
  }

  private SourceServer only() {
    List<SourceServer> all = mgn.describeSourceServers(b -> {}).items();
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  @Test
  void aRegisteredAgentIsASourceServerWithItsProperties() throws Exception {
    HttpResponse<String> r =
        post("/agent/v1/register", installToken, registration("02:00:00:00:00:01"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode reg = JSON.readTree(r.body());
    SourceServer s = only();
    assertThat(s.sourceServerID())
        .isEqualTo(reg.path("sourceServerID").asText())
        .matches("s-[0-9a-f]{17}");
    assertThat(s.lifeCycle().state()).isEqualTo(LifeCycleState.NOT_READY);
    assertThat(s.dataReplicationInfo().dataReplicationState())
        .isEqualTo(DataReplicationState.INITIATING);
    assertThat(s.sourceProperties().disks())
        .extracting(d -> d.deviceName())
        .containsExactly("/dev/sda", "/dev/sdb");
    assertThat(s.sourceProperties().ramBytes()).isEqualTo(17179869184L);
    assertThat(s.sourceProperties().identificationHints().fqdn()).isEqualTo("app-01.corp.example");
  }

  @Test
  void aNewNetworkCardIsTheSameServerAndTheOldAgentTokenStopsWorking() throws Exception {
    JsonNode first =
        JSON.readTree(
            post("/agent/v1/register", installToken, registration("02:00:00:00:00:01")).body());
    JsonNode again =
        JSON.readTree(
            post("/agent/v1/register", installToken, registration("02:aa:bb:cc:dd:ee")).body());
    assertThat(again.path("sourceServerID").asText())
        .isEqualTo(first.path("sourceServerID").asText());
    assertThat(again.path("reRegistered").asBoolean()).isTrue();
    assertThat(only().sourceProperties().networkInterfaces().get(0).macAddress())
        .isEqualTo("02:aa:bb:cc:dd:ee");
    String hb = "{\"sourceServerID\":\"" + first.path("sourceServerID").asText() + "\"}";
    assertThat(post("/agent/v1/heartbeat", first.path("agentToken").asText(), hb).statusCode())
        .isEqualTo(401);
    assertThat(post("/agent/v1/heartbeat", again.path("agentToken").asText(), hb).statusCode())
        .isEqualTo(200);
  }

  @Test
  void heartbeatsShowProgressAndSilenceShowsAgentNotSeen() throws Exception {
    JsonNode reg =
        JSON.readTree(
            post("/agent/v1/register", installToken, registration("02:00:00:00:00:01")).body());
    String id = reg.path("sourceServerID").asText();
    String hb =
        """
        {"sourceServerID":"%s","dataReplicationState":"INITIAL_SYNC","lagSeconds":3,
         "replicatedDisks":[{"deviceName":"/dev/sda","totalStorageBytes":107374182400,
           "replicatedStorageBytes":53687091200,"backloggedStorageBytes":0,"rescannedStorageBytes":0}]}
        """
            .formatted(id);
    assertThat(post("/agent/v1/heartbeat", reg.path("agentToken").asText(), hb).statusCode())
        .isEqualTo(200);
    SourceServer s = only();
    assertThat(s.dataReplicationInfo().dataReplicationState())
        .isEqualTo(DataReplicationState.INITIAL_SYNC);
    assertThat(s.dataReplicationInfo().replicatedDisks().get(0).replicatedStorageBytes())
        .isEqualTo(53687091200L);
    assertThat(s.dataReplicationInfo().lagDuration()).isEqualTo("PT3S");
    Thread.sleep(1800);
    SourceServer silent = only();
    assertThat(silent.dataReplicationInfo().dataReplicationState())
        .isEqualTo(DataReplicationState.DISCONNECTED);
    assertThat(silent.dataReplicationInfo().dataReplicationError().error())
        .isEqualTo(DataReplicationErrorString.AGENT_NOT_SEEN);
  }

  @Test
  void tokensOnlyOpenTheirOwnDoor() throws Exception {
    assertThat(
            post("/agent/v1/register", "lsit-wrong", registration("02:00:00:00:00:01"))
                .statusCode())
        .isEqualTo(401);
    assertThat(post("/agent/v1/register", null, registration("02:00:00:00:00:01")).statusCode())
        .isEqualTo(401);
    JsonNode reg =
        JSON.readTree(
            post("/agent/v1/register", installToken, registration("02:00:00:00:00:01")).body());
    // An agent token is no credential for the operators' API.
    HttpResponse<String> op = post("/DescribeSourceServers", reg.path("agentToken").asText(), "{}");
    assertThat(op.statusCode()).isEqualTo(403);
    assertThat(op.headers().firstValue("x-amzn-ErrorType"))
        .contains("IncompleteSignatureException");
    // And an install token cannot send heartbeats.
    String hb = "{\"sourceServerID\":\"" + reg.path("sourceServerID").asText() + "\"}";
    assertThat(post("/agent/v1/heartbeat", installToken, hb).statusCode()).isEqualTo(401);
  }

  private String registerAndSync(boolean complete) throws Exception {
    JsonNode reg =
        JSON.readTree(
            post("/agent/v1/register", installToken, registration("02:00:00:00:00:01")).body());
    String id = reg.path("sourceServerID").asText();
    long done = complete ? 1073741824L : 1024;
    String hb =
        """
        {"sourceServerID":"%s","dataReplicationState":"INITIAL_SYNC",
         "replicatedDisks":[{"deviceName":"/dev/sdb","totalStorageBytes":1073741824,
           "replicatedStorageBytes":%d,"backloggedStorageBytes":0,"rescannedStorageBytes":0}]}
        """
            .formatted(id, done);
    assertThat(post("/agent/v1/heartbeat", reg.path("agentToken").asText(), hb).statusCode())
        .isEqualTo(200);
    return id;
  }

  @Test
  void replicationAndLaunchConfigurationComeFromTheDefaultTemplatesAndUpdate() throws Exception {
    String id = registerAndSync(false);
    var rc = mgn.getReplicationConfiguration(b -> b.sourceServerID(id));
    assertThat(rc.replicationServerInstanceType()).isEqualTo("t3.small");
    assertThat(rc.replicatedDisks())
        .extracting(d -> d.deviceName())
        .containsExactly("/dev/sda", "/dev/sdb");
    assertThat(rc.name()).isEqualTo("app-01");
    var updated =
        mgn.updateReplicationConfiguration(b -> b.sourceServerID(id).bandwidthThrottling(50L));
    assertThat(updated.bandwidthThrottling()).isEqualTo(50L);
    assertThat(mgn.getReplicationConfiguration(b -> b.sourceServerID(id)).bandwidthThrottling())
        .isEqualTo(50L);
    var lc = mgn.getLaunchConfiguration(b -> b.sourceServerID(id));
    assertThat(lc.bootModeAsString()).isEqualTo("USE_SOURCE");
    assertThat(
            mgn.updateLaunchConfiguration(b -> b.sourceServerID(id).copyPrivateIp(true))
                .copyPrivateIp())
        .isTrue();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> mgn.getReplicationConfiguration(b -> b.sourceServerID("s-00000000000000000")))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ResourceNotFoundException.class);
  }

  @Test
  void lifecycleTransitionsFollowMgnAndForbiddenOnesNameTheState() throws Exception {
    String notSynced = registerAndSync(false);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                mgn.changeServerLifeCycleState(
                    b -> b.sourceServerID(notSynced).lifeCycle(l -> l.state("READY_FOR_TEST"))))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ConflictException.class)
        .hasMessageContaining("NOT_READY");
    String id = registerAndSync(true);
    assertThat(
            mgn.changeServerLifeCycleState(
                    b -> b.sourceServerID(id).lifeCycle(l -> l.state("READY_FOR_TEST")))
                .lifeCycle()
                .state())
        .isEqualTo(LifeCycleState.READY_FOR_TEST);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                mgn.changeServerLifeCycleState(
                    b -> b.sourceServerID(id).lifeCycle(l -> l.state("CUTOVER"))))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ConflictException.class)
        .hasMessageContaining("READY_FOR_TEST");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> mgn.markAsArchived(b -> b.sourceServerID(id)))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ConflictException.class)
        .hasMessageContaining("only DISCONNECTED or CUTOVER");
    var disconnected = mgn.disconnectFromService(b -> b.sourceServerID(id));
    assertThat(disconnected.lifeCycle().state()).isEqualTo(LifeCycleState.DISCONNECTED);
    assertThat(disconnected.dataReplicationInfo().dataReplicationState())
        .isEqualTo(DataReplicationState.DISCONNECTED);
    assertThat(disconnected.dataReplicationInfo().replicatedDisks().get(0).totalStorageBytes())
        .isZero();
    assertThat(mgn.markAsArchived(b -> b.sourceServerID(id)).isArchived()).isTrue();
    assertThat(mgn.describeSourceServers(b -> b.filters(f -> f.isArchived(true))).items())
        .hasSize(1);
  }

  @Test
  void aWholeWalkFromRegistrationToArchiveWithJobsThatStayPending() throws Exception {
    String id = registerAndSync(true);
    mgn.changeServerLifeCycleState(
        b -> b.sourceServerID(id).lifeCycle(l -> l.state("READY_FOR_TEST")));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> mgn.startCutover(b -> b.sourceServerIDs(id)))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ConflictException.class)
        .hasMessageContaining("READY_FOR_TEST");
    var test = mgn.startTest(b -> b.sourceServerIDs(id)).job();
    assertThat(test.jobID()).matches("mgnjob-[0-9a-zA-Z]{17}");
    assertThat(test.statusAsString()).isEqualTo("PENDING");
    assertThat(test.initiatedByAsString()).isEqualTo("START_TEST");
    assertThat(test.participatingServers().get(0).launchStatusAsString()).isEqualTo("PENDING");
    assertThat(only().lifeCycle().state()).isEqualTo(LifeCycleState.TESTING);
    assertThat(only().lifeCycle().lastTest().initiated().jobID()).isEqualTo(test.jobID());
    assertThat(mgn.describeJobLogItems(b -> b.jobID(test.jobID())).items())
        .extracting(i -> i.eventAsString())
        .containsExactly("JOB_START");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> mgn.finalizeCutover(b -> b.sourceServerID(id)))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ConflictException.class)
        .hasMessageContaining("TESTING");
    mgn.changeServerLifeCycleState(
        b -> b.sourceServerID(id).lifeCycle(l -> l.state("READY_FOR_CUTOVER")));
    var cutover = mgn.startCutover(b -> b.sourceServerIDs(id)).job();
    assertThat(only().lifeCycle().state()).isEqualTo(LifeCycleState.CUTTING_OVER);
    assertThat(mgn.describeJobs(b -> {}).items())
        .extracting(j -> j.jobID())
        .containsExactly(test.jobID(), cutover.jobID());
    var finalized = mgn.finalizeCutover(b -> b.sourceServerID(id));
    assertThat(finalized.lifeCycle().state()).isEqualTo(LifeCycleState.CUTOVER);
    assertThat(finalized.dataReplicationInfo().dataReplicationState())
        .isEqualTo(DataReplicationState.DISCONNECTED);
    assertThat(mgn.markAsArchived(b -> b.sourceServerID(id)).isArchived()).isTrue();
    var terminate = mgn.terminateTargetInstances(b -> b.sourceServerIDs(id)).job();
    assertThat(terminate.typeAsString()).isEqualTo("TERMINATE");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> mgn.describeJobLogItems(b -> b.jobID("mgnjob-00000000000000000")))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ResourceNotFoundException.class);
  }

  @Test
  void pauseResumeStopStartAreTheServicesRecordAndReachTheAgentInItsNextHeartbeat()
      throws Exception {
    JsonNode reg =
        JSON.readTree(
            post("/agent/v1/register", installToken, registration("02:00:00:00:00:01")).body());
    String id = reg.path("sourceServerID").asText();
    String token = reg.path("agentToken").asText();
    String hb = "{\"sourceServerID\":\"" + id + "\",\"dataReplicationState\":\"INITIAL_SYNC\"}";
    post("/agent/v1/heartbeat", token, hb);
    assertThat(
            mgn.pauseReplication(b -> b.sourceServerID(id))
                .dataReplicationInfo()
                .dataReplicationState())
        .isEqualTo(DataReplicationState.PAUSED);
    JsonNode answer = JSON.readTree(post("/agent/v1/heartbeat", token, hb).body());
    assertThat(answer.path("replication").asText()).isEqualTo("PAUSED");
    assertThat(only().dataReplicationInfo().dataReplicationState())
        .isEqualTo(DataReplicationState.PAUSED);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> mgn.pauseReplication(b -> b.sourceServerID(id)))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ConflictException.class)
        .hasMessageContaining("PAUSED");
    assertThat(
            mgn.resumeReplication(b -> b.sourceServerID(id))
                .dataReplicationInfo()
                .dataReplicationState())
        .isEqualTo(DataReplicationState.INITIAL_SYNC);
    assertThat(
            mgn.stopReplication(b -> b.sourceServerID(id))
                .dataReplicationInfo()
                .dataReplicationState())
        .isEqualTo(DataReplicationState.STOPPED);
    assertThat(
            JSON.readTree(post("/agent/v1/heartbeat", token, hb).body())
                .path("replication")
                .asText())
        .isEqualTo("STOPPED");
    assertThat(
            mgn.startReplication(b -> b.sourceServerID(id))
                .dataReplicationInfo()
                .dataReplicationState())
        .isEqualTo(DataReplicationState.INITIATING);
    mgn.updateReplicationConfiguration(b -> b.sourceServerID(id).bandwidthThrottling(40L));
    assertThat(
            JSON.readTree(post("/agent/v1/heartbeat", token, hb).body())
                .path("bandwidthThrottlingMbps")
                .asLong())
        .isEqualTo(40L);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> mgn.retryDataReplication(b -> b.sourceServerID(id)))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ConflictException.class);
  }

  @Test
  void wavesApplicationsServersAndPostLaunchActions() throws Exception {
    String id = registerAndSync(true);
    var wave = mgn.createWave(b -> b.name("wave 1"));
    var app = mgn.createApplication(b -> b.name("erp"));
    mgn.associateApplications(b -> b.waveID(wave.waveID()).applicationIDs(app.applicationID()));
    mgn.associateSourceServers(b -> b.applicationID(app.applicationID()).sourceServerIDs(id));
    assertThat(mgn.listApplications(b -> b.filters(f -> f.waveIDs(wave.waveID()))).items())
        .hasSize(1);
    assertThat(
            mgn.describeSourceServers(b -> b.filters(f -> f.applicationIDs(app.applicationID())))
                .items())
        .hasSize(1);
    mgn.disassociateSourceServers(b -> b.applicationID(app.applicationID()).sourceServerIDs(id));
    assertThat(only().applicationID()).isNull();

    mgn.putSourceServerAction(
        b ->
            b.sourceServerID(id)
                .actionID("a1")
                .actionName("install-cw-agent")
                .documentIdentifier("AWS-ConfigureAWSPackage")
                .order(1002));
    mgn.putSourceServerAction(
        b ->
            b.sourceServerID(id)
                .actionID("a0")
                .actionName("hostname")
                .documentIdentifier("AWS-RunShellScript")
                .order(1001));
    assertThat(mgn.listSourceServerActions(b -> b.sourceServerID(id)).items())
        .extracting(a -> a.actionID())
        .containsExactly("a0", "a1");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                mgn.putSourceServerAction(
                    b ->
                        b.sourceServerID(id)
                            .actionID("a2")
                            .actionName("x")
                            .documentIdentifier("AWS-RunShellScript")
                            .order(1001)))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ValidationException.class)
        .hasMessageContaining("order");
    mgn.removeSourceServerAction(b -> b.sourceServerID(id).actionID("a0"));
    assertThat(mgn.listSourceServerActions(b -> b.sourceServerID(id)).items()).hasSize(1);

    String lct =
        mgn.describeLaunchConfigurationTemplates(b -> {})
            .items()
            .get(0)
            .launchConfigurationTemplateID();
    mgn.putTemplateAction(
        b ->
            b.launchConfigurationTemplateID(lct)
                .actionID("t1")
                .actionName("patch")
                .documentIdentifier("AWS-RunPatchBaseline")
                .order(1001));
    assertThat(mgn.listTemplateActions(b -> b.launchConfigurationTemplateID(lct)).items())
        .hasSize(1);

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> mgn.deleteSourceServer(b -> b.sourceServerID(id)))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ConflictException.class)
        .hasMessageContaining("disconnect it");
    mgn.disconnectFromService(b -> b.sourceServerID(id));
    mgn.deleteSourceServer(b -> b.sourceServerID(id));
    assertThat(mgn.describeSourceServers(b -> {}).items()).isEmpty();
    assertThat(mgn.listManagedAccounts(b -> {}).items()).hasSize(1);
    assertThat(mgn.describeVcenterClients(b -> {}).items()).isEmpty();
  }

  @Test
  void featuresLiftshiftCannotHonourAreClearTypedErrors() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> mgn.listConnectors(b -> {}))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ValidationException.class)
        .hasMessageContaining("connectors")
        .hasMessageContaining("liftshift agent install");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> mgn.listImports(b -> {}))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ValidationException.class)
        .hasMessageContaining("bulk import");
  }

  @Test
  void replicationTypeIsAgentBasedAndAgentlessIsRefused() throws Exception {
    String id =
        JSON.readTree(
                post("/agent/v1/register", installToken, registration("02:00:00:00:00:01")).body())
            .path("sourceServerID")
            .asText();
    assertThat(
            mgn.updateSourceServerReplicationType(
                    b -> b.sourceServerID(id).replicationType("AGENT_BASED"))
                .replicationType())
        .isEqualTo(software.amazon.awssdk.services.mgn.model.ReplicationType.AGENT_BASED);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                mgn.updateSourceServerReplicationType(
                    b -> b.sourceServerID(id).replicationType("SNAPSHOT_SHIPPING")))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ValidationException.class)
        .hasMessageContaining("agentless");
    assertThat(only().replicationType())
        .isEqualTo(software.amazon.awssdk.services.mgn.model.ReplicationType.AGENT_BASED);
  }

  @Test
  void launchTemplatesJobsAndApplicationsRoundTrip() throws Exception {
    var t =
        mgn.createLaunchConfigurationTemplate(
            b -> b.copyPrivateIp(true).launchDisposition("STOPPED").bootMode("UEFI"));
    assertThat(t.launchConfigurationTemplateID()).matches("lct-[0-9a-zA-Z]{17}");
    var u =
        mgn.updateLaunchConfigurationTemplate(
            b -> b.launchConfigurationTemplateID(t.launchConfigurationTemplateID()).copyTags(true));
    assertThat(u.copyTags()).isTrue();
    assertThat(u.copyPrivateIp()).isTrue();
    mgn.deleteLaunchConfigurationTemplate(
        b -> b.launchConfigurationTemplateID(t.launchConfigurationTemplateID()));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                mgn.deleteLaunchConfigurationTemplate(
                    b -> b.launchConfigurationTemplateID(t.launchConfigurationTemplateID())))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ResourceNotFoundException.class);

    var app = mgn.createApplication(b -> b.name("billing"));
    mgn.archiveApplication(b -> b.applicationID(app.applicationID()));
    assertThat(mgn.unarchiveApplication(b -> b.applicationID(app.applicationID())).isArchived())
        .isFalse();

    String id = registerAndSync(true);
    mgn.changeServerLifeCycleState(
        b -> b.sourceServerID(id).lifeCycle(l -> l.state("READY_FOR_TEST")));
    var job = mgn.startTest(b -> b.sourceServerIDs(id)).job();
    var terminate = mgn.terminateTargetInstances(b -> b.sourceServerIDs(id)).job();
    mgn.deleteJob(b -> b.jobID(job.jobID()));
    assertThat(mgn.describeJobs(b -> {}).items())
        .extracting(j -> j.jobID())
        .containsExactly(terminate.jobID());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> mgn.deleteJob(b -> b.jobID(job.jobID())))
        .isInstanceOf(software.amazon.awssdk.services.mgn.model.ResourceNotFoundException.class);
  }
}
