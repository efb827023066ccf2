package io.liftshift.constructs.launch.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.LifeCycleState;

/** The handler against a real control plane on loopback, through the SDK it uses in Lambda. */
class LaunchHandlerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  ControlPlane cp;
  String keyId;
  String secret;
  MutableClock clock = new MutableClock(Instant.parse("2026-11-24T03:00:00Z"));
  StackStatusServer cloudFormation;
  LaunchHandler handler;

  static final String STACK_ID =
      "arn:aws:cloudformation:us-east-1:000000000000:stack/LiftshiftLaunches/"
          + "0b1c2d3e-0000-4000-8000-000000000000";

  @BeforeEach
  void start() throws Exception {
    cp = ControlPlane.startOnLoopback(dir);
    cloudFormation = new StackStatusServer();
    var key = cp.accessKeys().create();
    keyId = key.accessKeyId();
    secret = key.secretAccessKey();
    handler =
        new LaunchHandler(
            r -> MgnClients.withKey(r, keyId, secret), cloudFormation.statuses(), clock);
    try (MgnClient mgn = mgn()) {
      mgn.initializeService(b -> {});
    }
  }

  @AfterEach
  void stop() throws Exception {
    cp.close();
    cloudFormation.close();
  }

  private MgnClient mgn() {
    return MgnClients.withKey(
        LaunchRequest.parse(properties("test", List.of("s-0123456789abcdef0"))), keyId, secret);
  }

  private Map<String, Object> properties(String launch, List<String> servers) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("ServiceToken", "arn:aws:lambda:us-east-1:000000000000:function:provider");
    p.put("Endpoint", "https://localhost:" + cp.port());
    p.put("CaFingerprint", cp.caFingerprint().toString());
    p.put("Region", "us-east-1");
    p.put("OperatorKeySecretArn", "arn:aws:secretsmanager:us-east-1:000000000000:secret:key");
    p.put("Launch", launch);
    p.put("SourceServerIDs", servers);
    p.put("TimeoutSeconds", "600");
    return p;
  }

  private static Map<String, Object> event(String type, Map<String, Object> props) {
    Map<String, Object> e = new HashMap<>();
    e.put("RequestType", type);
    e.put("RequestId", "3c5f8b2a-0000-4000-8000-000000000000");
    e.put("StackId", STACK_ID);
    e.put("ResourceProperties", props);
    return e;
  }

  /** Registers an agent and reports its initial sync complete: ready for test. */
  private String readyServer() throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .sslContext(TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE))
            .build();
    String token = cp.createInstallToken();
    String registration =
        """
        {"machineId":"9f1c2d","identificationHints":{"fqdn":"app-01.corp.example","hostname":"app-01"},
         "disks":[{"deviceName":"/dev/sdb","bytes":1073741824}],
         "cpus":[{"cores":2,"modelName":"Intel Xeon"}],"ramBytes":4294967296,
         "os":{"fullString":"Debian GNU/Linux 12 (bookworm)"},
         "networkInterfaces":[{"macAddress":"02:00:00:00:00:01","ips":["10.0.0.5"],"isPrimary":true}]}
        """;
    JsonNode reg = JSON.readTree(post(http, "/agent/v1/register", token, registration));
    String id = reg.path("sourceServerID").asText();
    String heartbeat =
        """
        {"sourceServerID":"%s","dataReplicationState":"INITIAL_SYNC",
         "replicatedDisks":[{"deviceName":"/dev/sdb","totalStorageBytes":1073741824,
           "replicatedStorageBytes":1073741824,"backloggedStorageBytes":0,"rescannedStorageBytes":0}]}
        """
            .formatted(id);
    post(http, "/agent/v1/heartbeat", reg.path("agentToken").asText(), heartbeat);
    try (MgnClient mgn = mgn()) {
      mgn.changeServerLifeCycleState(
          b -> b.sourceServerID(id).lifeCycle(l -> l.state("READY_FOR_TEST")));
    }
    return id;
  }

  private String post(HttpClient http, String path, String bearer, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + cp.port() + path))
                .header("Authorization", "Bearer " + bearer)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  @Test
  @SuppressWarnings("unchecked")
  void createStartsATestJobAndTagsTheServerWithItsLaunchTemplate() throws Exception {
    String server = readyServer();
    Map<String, Object> props = properties("test", List.of(server));
    props.put("LaunchTemplates", Map.of(server, "lt-0123456789abcdef0"));
    Map<String, Object> out = handler.onEvent(event("Create", props));

    String jobId = (String) out.get("PhysicalResourceId");
    assertThat(jobId).matches("mgnjob-[0-9a-zA-Z]{17}");
    assertThat((Map<String, Object>) out.get("Data"))
        .containsEntry("JobID", jobId)
        .containsEntry("Launch", "test")
        .containsEntry("SourceServerIDs", server);
    try (MgnClient mgn = mgn()) {
      var s =
          mgn.describeSourceServers(b -> b.filters(f -> f.sourceServerIDs(server))).items().get(0);
      assertThat(s.lifeCycle().state()).isEqualTo(LifeCycleState.TESTING);
      assertThat(mgn.listTagsForResource(b -> b.resourceArn(s.arn())).tags())
          .containsEntry(LaunchHandler.LAUNCH_TEMPLATE_TAG, "lt-0123456789abcdef0");
    }
  }

  @Test
  void isCompleteAnswersNotYetWhileTheJobIsPending() throws Exception {
    String server = readyServer();
    Map<String, Object> props = properties("test", List.of(server));
    Map<String, Object> started = handler.onEvent(event("Create", props));
    Map<String, Object> poll = event("Create", props);
    poll.putAll(started);
    clock.advance(Duration.ofSeconds(30));
    assertThat(handler.isComplete(poll)).containsEntry("IsComplete", false);
  }

  @Test
  void aLaunchThatFailsOnTheControlPlaneFailsTheDeploymentWithTheJobsLog() throws Exception {
    // Launches run here, but this server has no replicator and so no snapshot: the job completes
    // with the server FAILED, as a real failed launch does.
    cp.enableLaunches(
        new io.liftshift.cloud.local.LocalLaunchCloud(
            dir.resolve("launch"),
            List.of("false"),
            URI.create("https://127.0.0.1:" + cp.port()),
            cp.caFingerprint(),
            "tcg"),
        60_000,
        1_000);
    String server = readyServer();
    Map<String, Object> props = properties("test", List.of(server));
    Map<String, Object> started = handler.onEvent(event("Create", props));
    Map<String, Object> poll = event("Create", props);
    poll.putAll(started);
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < 150; i++) {
                clock.advance(Duration.ofSeconds(1));
                if (Boolean.TRUE.equals(handler.isComplete(poll).get("IsComplete"))) {
                  return;
                }
                Thread.sleep(200);
              }
            })
        .isInstanceOf(LaunchFailedException.class)
        .hasMessageContaining("FAILED")
        .hasMessageContaining("LAUNCH_FAILED");
  }

  @Test
  void aJobStillPendingAfterTheTimeoutFailsWithItsLog() throws Exception {
    String server = readyServer();
    Map<String, Object> props = properties("test", List.of(server));
    Map<String, Object> started = handler.onEvent(event("Create", props));
    Map<String, Object> poll = event("Create", props);
    poll.putAll(started);
    clock.advance(Duration.ofSeconds(601));
    assertThatThrownBy(() -> handler.isComplete(poll))
        .isInstanceOf(LaunchFailedException.class)
        .hasMessageContaining("is PENDING")
        .hasMessageContaining("after 601 s, longer than the launch's timeout of 600 s")
        .hasMessageContaining("JOB_START");
  }

  @Test
  void updateToCutoverStartsACutoverJob() throws Exception {
    String server = readyServer();
    try (MgnClient mgn = mgn()) {
      mgn.changeServerLifeCycleState(
          b -> b.sourceServerID(server).lifeCycle(l -> l.state("READY_FOR_CUTOVER")));
    }
    Map<String, Object> update = event("Update", properties("cutover", List.of(server)));
    update.put("PhysicalResourceId", "mgnjob-00000000000000000");
    update.put("OldResourceProperties", properties("test", List.of(server)));
    Map<String, Object> out = handler.onEvent(update);
    assertThat((String) out.get("PhysicalResourceId"))
        .matches("mgnjob-[0-9a-zA-Z]{17}")
        .isNotEqualTo("mgnjob-00000000000000000");
    try (MgnClient mgn = mgn()) {
      var job =
          mgn.describeJobs(b -> b.filters(f -> f.jobIDs((String) out.get("PhysicalResourceId"))))
              .items()
              .get(0);
      assertThat(job.initiatedBy().toString()).isEqualTo("START_CUTOVER");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void finalizeAfterCutoverCompletesAtOnce() throws Exception {
    String server = readyServer();
    try (MgnClient mgn = mgn()) {
      mgn.changeServerLifeCycleState(
          b -> b.sourceServerID(server).lifeCycle(l -> l.state("READY_FOR_CUTOVER")));
      mgn.startCutover(b -> b.sourceServerIDs(server));
    }
    Map<String, Object> props = properties("finalize", List.of(server));
    Map<String, Object> out = handler.onEvent(event("Update", props));
    assertThat((String) out.get("PhysicalResourceId")).startsWith("finalize-");
    assertThat((Map<String, Object>) out.get("Data")).doesNotContainKey("JobID");
    Map<String, Object> poll = event("Update", props);
    poll.putAll(out);
    assertThat(handler.isComplete(poll)).containsEntry("IsComplete", true);
    try (MgnClient mgn = mgn()) {
      var s =
          mgn.describeSourceServers(b -> b.filters(f -> f.sourceServerIDs(server))).items().get(0);
      assertThat(s.lifeCycle().state()).isEqualTo(LifeCycleState.CUTOVER);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void aWaveLaunchesTheServersOfItsApplications() throws Exception {
    String server = readyServer();
    String wave;
    try (MgnClient mgn = mgn()) {
      wave = mgn.createWave(b -> b.name("wave 1")).waveID();
      String app = mgn.createApplication(b -> b.name("billing")).applicationID();
      mgn.associateApplications(b -> b.waveID(wave).applicationIDs(app));
      mgn.associateSourceServers(b -> b.applicationID(app).sourceServerIDs(server));
    }
    Map<String, Object> props = properties("test", List.of());
    props.remove("SourceServerIDs");
    props.put("WaveID", wave);
    Map<String, Object> out = handler.onEvent(event("Create", props));
    assertThat((Map<String, Object>) out.get("Data")).containsEntry("SourceServerIDs", server);
  }

  @Test
  void anUpdateThatKeepsTheStepStartsNothing() throws Exception {
    String server = readyServer();
    Map<String, Object> before = properties("test", List.of(server));
    Map<String, Object> after = properties("test", List.of(server));
    after.put("TimeoutSeconds", "900");
    Map<String, Object> update = event("Update", after);
    update.put("OldResourceProperties", before);
    update.put("PhysicalResourceId", "mgnjob-0123456789abcdefg");
    Map<String, Object> out = handler.onEvent(update);
    assertThat(out).containsEntry("PhysicalResourceId", "mgnjob-0123456789abcdefg");
    Map<String, Object> poll = event("Update", after);
    poll.putAll(out);
    assertThat(handler.isComplete(poll)).containsEntry("IsComplete", true);
    try (MgnClient mgn = mgn()) {
      assertThat(mgn.describeJobs(b -> {}).items()).isEmpty();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void aRollbackStartsNoLaunchAndSaysWhy() throws Exception {
    String server = readyServer();
    cloudFormation.status("UPDATE_ROLLBACK_IN_PROGRESS");
    // The rollback of an update that moved the test to other servers: back to the first ones.
    Map<String, Object> update = event("Update", properties("test", List.of(server)));
    update.put("OldResourceProperties", properties("test", List.of("s-0123456789abcdef9")));
    update.put("PhysicalResourceId", "mgnjob-0123456789abcdefg");
    Map<String, Object> out = handler.onEvent(update);
    assertThat(out).containsEntry("PhysicalResourceId", "mgnjob-0123456789abcdefg");
    assertThat((Map<String, Object>) out.get("Data"))
        .containsEntry("Unchanged", "true")
        .hasEntrySatisfying(
            "Reason", r -> assertThat((String) r).contains("UPDATE_ROLLBACK_IN_PROGRESS"));
    assertThat(cloudFormation.askedFor()).containsExactly(STACK_ID);
    Map<String, Object> poll = event("Update", properties("test", List.of(server)));
    poll.putAll(out);
    assertThat(handler.isComplete(poll)).containsEntry("IsComplete", true);
    try (MgnClient mgn = mgn()) {
      assertThat(mgn.describeJobs(b -> {}).items()).isEmpty();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void anUpdateBackToAnOlderStepForTheSameServersStartsNothing() throws Exception {
    String server = readyServer();
    Map<String, Object> update = event("Update", properties("test", List.of(server)));
    update.put("OldResourceProperties", properties("cutover", List.of(server)));
    update.put("PhysicalResourceId", "mgnjob-0123456789abcdefg");
    Map<String, Object> out = handler.onEvent(update);
    assertThat(out).containsEntry("PhysicalResourceId", "mgnjob-0123456789abcdefg");
    assertThat((Map<String, Object>) out.get("Data"))
        .containsEntry("Unchanged", "true")
        .hasEntrySatisfying(
            "Reason",
            r ->
                assertThat((String) r)
                    .contains("test comes before the recorded step cutover for " + server));
    try (MgnClient mgn = mgn()) {
      assertThat(mgn.describeJobs(b -> {}).items()).isEmpty();
    }
  }

  @Test
  void anOlderStepForOtherServersStillLaunches() throws Exception {
    String server = readyServer();
    Map<String, Object> update = event("Update", properties("test", List.of(server)));
    update.put("OldResourceProperties", properties("cutover", List.of("s-0123456789abcdef9")));
    update.put("PhysicalResourceId", "mgnjob-0123456789abcdefg");
    assertThat((String) handler.onEvent(update).get("PhysicalResourceId"))
        .matches("mgnjob-[0-9a-zA-Z]{17}")
        .isNotEqualTo("mgnjob-0123456789abcdefg");
  }

  @Test
  void anUnreadableStackStatusFailsTheStepInsteadOfLaunching() throws Exception {
    String server = readyServer();
    cloudFormation.close();
    assertThatThrownBy(() -> handler.onEvent(event("Create", properties("test", List.of(server)))))
        .isInstanceOf(software.amazon.awssdk.core.exception.SdkException.class);
    try (MgnClient mgn = mgn()) {
      assertThat(mgn.describeJobs(b -> {}).items()).isEmpty();
    }
  }

  @Test
  void anEmptyServerListParameterCountsAsNoServers() {
    Map<String, Object> props = properties("test", List.of(""));
    props.put("WaveID", "wave-0123456789abcdef0");
    LaunchRequest request = LaunchRequest.parse(props);
    assertThat(request.sourceServerIds()).isEmpty();
    assertThat(request.waveId()).isEqualTo("wave-0123456789abcdef0");
  }

  @Test
  void deleteLeavesTheControlPlaneAlone() throws Exception {
    String server = readyServer();
    Map<String, Object> delete = event("Delete", properties("test", List.of(server)));
    delete.put("PhysicalResourceId", "mgnjob-0123456789abcdefg");
    assertThat(handler.onEvent(delete))
        .containsEntry("PhysicalResourceId", "mgnjob-0123456789abcdefg");
    assertThat(handler.isComplete(delete)).containsEntry("IsComplete", true);
    try (MgnClient mgn = mgn()) {
      assertThat(mgn.describeJobs(b -> {}).items()).isEmpty();
    }
  }

  @Test
  void aRefusedStartFailsTheDeploymentWithTheControlPlanesReason() throws Exception {
    String server = readyServer();
    assertThatThrownBy(
            () -> handler.onEvent(event("Create", properties("cutover", List.of(server)))))
        .hasMessageContaining("READY_FOR_TEST");
  }

  @Test
  void missingPropertiesAndUnknownLaunchesAreRefusedBeforeAnyCall() {
    Map<String, Object> noEndpoint = properties("test", List.of("s-0123456789abcdef0"));
    noEndpoint.remove("Endpoint");
    assertThatThrownBy(() -> handler.onEvent(event("Create", noEndpoint)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Endpoint is missing");
    assertThatThrownBy(
            () ->
                handler.onEvent(
                    event("Create", properties("rollback", List.of("s-0123456789abcdef0")))))
        .hasMessageContaining("Launch must be one of test, cutover or finalize; got rollback");
    assertThatThrownBy(
            () -> handler.onEvent(event("Create", properties("test", List.of("web-01")))))
        .hasMessageContaining("web-01, which is not a source server id");
    assertThatThrownBy(() -> handler.onEvent(event("Replace", properties("test", List.of()))))
        .hasMessageContaining("RequestType must be Create, Update or Delete");
  }

  @Test
  void aControlPlaneWithAnotherCaIsNotTrusted() throws Exception {
    String server = readyServer();
    Map<String, Object> props = properties("test", List.of(server));
    props.put("CaFingerprint", "sha256:" + "00".repeat(32));
    assertThatThrownBy(() -> handler.onEvent(event("Create", props)))
        .hasStackTraceContaining("not issued by the pinned installation CA");
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
