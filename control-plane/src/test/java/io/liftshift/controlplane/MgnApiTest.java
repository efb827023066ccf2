package io.liftshift.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.controlplane.auth.AccessKeys;
import io.liftshift.trust.PinnedCaTrustManager;
import io.liftshift.trust.ServerRole;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.ReplicationConfigurationDataPlaneRouting;
import software.amazon.awssdk.services.mgn.model.ReplicationConfigurationDefaultLargeStagingDiskType;
import software.amazon.awssdk.services.mgn.model.ReplicationConfigurationEbsEncryption;
import software.amazon.awssdk.services.mgn.model.ReplicationConfigurationTemplate;
import software.amazon.awssdk.services.mgn.model.ResourceNotFoundException;
import software.amazon.awssdk.services.mgn.model.UninitializedAccountException;
import software.amazon.awssdk.services.mgn.model.ValidationException;

/** The control plane through the official AWS SDK for Java v2 MGN client, unchanged. */
class MgnApiTest {
  @TempDir Path dir;
  ControlPlane cp;
  AccessKeys.NewKey key;

  @BeforeEach
  void start() throws Exception {
    cp = ControlPlane.startOnLoopback(dir);
    key = cp.accessKeys().create();
  }

  @AfterEach
  void stop() throws Exception {
    cp.close();
  }

  private MgnClient client(String accessKeyId, String secret, String region) {
    return MgnClient.builder()
        .endpointOverride(URI.create("https://localhost:" + cp.port()))
        .region(Region.of(region))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secret)))
        .httpClient(
            ApacheHttpClient.builder()
                .tlsTrustManagersProvider(
                    () ->
                        new TrustManager[] {
                          new PinnedCaTrustManager(cp.caFingerprint(), ServerRole.CONTROL_PLANE)
                        })
                .build())
        .build();
  }

  private MgnClient client() {
    return client(key.accessKeyId(), key.secretAccessKey(), "us-east-1");
  }

  private static ReplicationConfigurationTemplate create(MgnClient mgn, long throttleMbps) {
    var r =
        mgn.createReplicationConfigurationTemplate(
            b ->
                b.stagingAreaSubnetId("subnet-0123456789abcdef0")
                    .associateDefaultSecurityGroup(true)
                    .replicationServersSecurityGroupsIDs(List.of())
                    .replicationServerInstanceType("t3.small")
                    .useDedicatedReplicationServer(false)
                    .defaultLargeStagingDiskType(
                        ReplicationConfigurationDefaultLargeStagingDiskType.GP3)
                    .ebsEncryption(ReplicationConfigurationEbsEncryption.DEFAULT)
                    .bandwidthThrottling(throttleMbps)
                    .dataPlaneRouting(ReplicationConfigurationDataPlaneRouting.PRIVATE_IP)
                    .createPublicIP(false)
                    .stagingAreaTags(Map.of("project", "liftshift")));
    return ReplicationConfigurationTemplate.builder()
        .replicationConfigurationTemplateID(r.replicationConfigurationTemplateID())
        .arn(r.arn())
        .bandwidthThrottling(r.bandwidthThrottling())
        .build();
  }

  @Test
  void beforeInitializeServiceTheAccountIsUninitialized() {
    try (MgnClient mgn = client()) {
      assertThatThrownBy(() -> mgn.describeSourceServers(b -> {}))
          .isInstanceOf(UninitializedAccountException.class);
    }
  }

  @Test
  void replicationConfigurationTemplatesLifecycle() {
    try (MgnClient mgn = client()) {
      mgn.initializeService(b -> {});
      ReplicationConfigurationTemplate t = create(mgn, 100);
      assertThat(t.replicationConfigurationTemplateID()).matches("rct-[0-9a-zA-Z]{17}");
      assertThat(t.arn())
          .startsWith("arn:aws:mgn:us-east-1:")
          .contains(":replication-configuration-template/");
      var updated =
          mgn.updateReplicationConfigurationTemplate(
              b ->
                  b.replicationConfigurationTemplateID(t.replicationConfigurationTemplateID())
                      .bandwidthThrottling(250L));
      assertThat(updated.bandwidthThrottling()).isEqualTo(250L);
      assertThat(updated.replicationServerInstanceType()).isEqualTo("t3.small");
      var described =
          mgn.describeReplicationConfigurationTemplates(
              b -> b.replicationConfigurationTemplateIDs(t.replicationConfigurationTemplateID()));
      assertThat(described.items()).hasSize(1);
      assertThat(described.items().get(0).stagingAreaTags()).containsEntry("project", "liftshift");
      mgn.deleteReplicationConfigurationTemplate(
          b -> b.replicationConfigurationTemplateID(t.replicationConfigurationTemplateID()));
      assertThatThrownBy(
              () ->
                  mgn.deleteReplicationConfigurationTemplate(
                      b ->
                          b.replicationConfigurationTemplateID(
                              t.replicationConfigurationTemplateID())))
          .isInstanceOf(ResourceNotFoundException.class);
    }
  }

  @Test
  void paginatorsWalkEveryPage() {
    try (MgnClient mgn = client()) {
      mgn.initializeService(b -> {});
      for (int i = 0; i < 5; i++) {
        create(mgn, i);
      }
      var pages =
          mgn.describeReplicationConfigurationTemplatesPaginator(b -> b.maxResults(2)).stream()
              .toList();
      // Five created here, plus the default template that InitializeService made.
      assertThat(pages).hasSize(3);
      assertThat(pages.stream().mapToInt(p -> p.items().size()).sum()).isEqualTo(6);
      assertThat(mgn.describeSourceServers(b -> {}).items()).isEmpty();
    }
  }

  @Test
  void badFieldsAreValidationExceptionsNamingTheFieldAndChangeNothing() {
    try (MgnClient mgn = client()) {
      mgn.initializeService(b -> {});
      assertThatThrownBy(
              () ->
                  mgn.createReplicationConfigurationTemplate(
                      b -> b.stagingAreaSubnetId("not-a-subnet").bandwidthThrottling(99_999L)))
          .isInstanceOf(ValidationException.class)
          .satisfies(
              e -> {
                var v = (ValidationException) e;
                assertThat(v.fieldList())
                    .extracting(f -> f.name())
                    .contains("stagingAreaSubnetId", "bandwidthThrottling", "ebsEncryption");
              });
      assertThatThrownBy(
              () -> mgn.describeReplicationConfigurationTemplates(b -> b.maxResults(5000)))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("maxResults");
      assertThat(mgn.describeReplicationConfigurationTemplates(b -> {}).items()).hasSize(1);
    }
  }

  @Test
  void unsignedWrongSecretWrongRegionAndRevokedKeysAreRefused() throws Exception {
    try (MgnClient wrongSecret =
        client(key.accessKeyId(), "x" + key.secretAccessKey(), "us-east-1")) {
      assertThatThrownBy(() -> wrongSecret.initializeService(b -> {}))
          .isInstanceOf(SdkServiceException.class)
          .satisfies(e -> assertThat(((SdkServiceException) e).statusCode()).isEqualTo(403))
          .hasMessageContaining("signature we calculated does not match");
    }
    try (MgnClient wrongRegion = client(key.accessKeyId(), key.secretAccessKey(), "eu-west-1")) {
      assertThatThrownBy(() -> wrongRegion.initializeService(b -> {}))
          .hasMessageContaining("scoped to a valid region");
    }
    try (MgnClient unknown = client("AKLSUNKNOWN000000000", "secret", "us-east-1")) {
      assertThatThrownBy(() -> unknown.initializeService(b -> {}))
          .hasMessageContaining("security token included in the request is invalid");
    }
    cp.accessKeys().revoke(key.accessKeyId());
    try (MgnClient revoked = client()) {
      assertThatThrownBy(() -> revoked.initializeService(b -> {}))
          .hasMessageContaining("security token included in the request is invalid");
    }
  }

  @Test
  void initializeServiceCreatesTheDefaultTemplatesOnce() {
    try (MgnClient mgn = client()) {
      mgn.initializeService(b -> {});
      mgn.initializeService(b -> {});
      var rct = mgn.describeReplicationConfigurationTemplates(b -> {}).items();
      assertThat(rct).hasSize(1);
      assertThat(rct.get(0).replicationServerInstanceType()).isEqualTo("t3.small");
      assertThat(rct.get(0).bandwidthThrottling()).isZero();
      var lct = mgn.describeLaunchConfigurationTemplates(b -> {}).items();
      assertThat(lct).hasSize(1);
      assertThat(lct.get(0).launchConfigurationTemplateID()).matches("lct-[0-9a-zA-Z]{17}");
      assertThat(lct.get(0).bootModeAsString()).isEqualTo("USE_SOURCE");
    }
  }

  @Test
  void applicationsAndWavesWithArchiveAndFilters() {
    try (MgnClient mgn = client()) {
      mgn.initializeService(b -> {});
      var app = mgn.createApplication(b -> b.name("billing").description("invoices"));
      assertThat(app.applicationID()).matches("app-[0-9a-zA-Z]{17}");
      assertThat(app.isArchived()).isFalse();
      assertThat(app.creationDateTime()).isNotBlank();
      var wave = mgn.createWave(b -> b.name("wave 1"));
      assertThat(wave.waveID()).matches("wave-[0-9a-zA-Z]{17}");
      mgn.createApplication(b -> b.name("crm"));
      var archived = mgn.archiveApplication(b -> b.applicationID(app.applicationID()));
      assertThat(archived.isArchived()).isTrue();
      assertThat(mgn.listApplications(b -> b.filters(f -> f.isArchived(false))).items())
          .extracting(a -> a.name())
          .containsExactly("crm");
      assertThat(
              mgn.listApplications(b -> b.filters(f -> f.applicationIDs(app.applicationID())))
                  .items())
          .hasSize(1);
      var renamed =
          mgn.updateApplication(b -> b.applicationID(app.applicationID()).name("billing-v2"));
      assertThat(renamed.name()).isEqualTo("billing-v2");
      assertThat(renamed.description()).isEqualTo("invoices");
      mgn.deleteWave(b -> b.waveID(wave.waveID()));
      assertThat(mgn.listWaves(b -> {}).items()).isEmpty();
      assertThatThrownBy(() -> mgn.deleteApplication(b -> b.applicationID("app-00000000000000000")))
          .isInstanceOf(ResourceNotFoundException.class);
      assertThatThrownBy(() -> mgn.createApplication(b -> b.name("x").accountID("999999999999")))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("managed accounts are not supported");
    }
  }

  @Test
  void stateSurvivesARestart() throws Exception {
    String id;
    try (MgnClient mgn = client()) {
      mgn.initializeService(b -> {});
      id = mgn.createWave(b -> b.name("kept")).waveID();
    }
    cp.close();
    cp = ControlPlane.startOnLoopback(dir);
    try (MgnClient mgn = client()) {
      assertThat(mgn.listWaves(b -> {}).items()).extracting(w -> w.waveID()).containsExactly(id);
    }
  }

  @Test
  void tagsByArnOnAnyResource() {
    try (MgnClient mgn = client()) {
      mgn.initializeService(b -> {});
      var app = mgn.createApplication(b -> b.name("erp").tags(Map.of("team", "finance")));
      mgn.tagResource(b -> b.resourceArn(app.arn()).tags(Map.of("wave", "1", "owner", "ops")));
      assertThat(mgn.listTagsForResource(b -> b.resourceArn(app.arn())).tags())
          .containsEntry("team", "finance")
          .containsEntry("wave", "1")
          .containsEntry("owner", "ops");
      mgn.untagResource(b -> b.resourceArn(app.arn()).tagKeys("wave", "owner"));
      assertThat(mgn.listTagsForResource(b -> b.resourceArn(app.arn())).tags())
          .containsOnlyKeys("team");
      assertThatThrownBy(
              () ->
                  mgn.listTagsForResource(
                      b ->
                          b.resourceArn(
                              app.arn().replace(app.applicationID(), "app-00000000000000000"))))
          .isInstanceOf(ResourceNotFoundException.class);
    }
  }

  @Test
  void wavesUpdateArchiveAndReleaseTheirApplications() {
    try (MgnClient mgn = client()) {
      mgn.initializeService(b -> {});
      var wave = mgn.createWave(b -> b.name("w1"));
      var app = mgn.createApplication(b -> b.name("a1"));
      mgn.associateApplications(b -> b.waveID(wave.waveID()).applicationIDs(app.applicationID()));
      assertThat(mgn.updateWave(b -> b.waveID(wave.waveID()).description("first")).description())
          .isEqualTo("first");
      assertThat(mgn.archiveWave(b -> b.waveID(wave.waveID())).isArchived()).isTrue();
      assertThat(mgn.listWaves(b -> b.filters(f -> f.isArchived(true))).items()).hasSize(1);
      assertThat(mgn.unarchiveWave(b -> b.waveID(wave.waveID())).isArchived()).isFalse();
      mgn.disassociateApplications(
          b -> b.waveID(wave.waveID()).applicationIDs(app.applicationID()));
      assertThat(mgn.listApplications(b -> b.filters(f -> f.waveIDs(wave.waveID()))).items())
          .isEmpty();
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
      mgn.removeTemplateAction(b -> b.launchConfigurationTemplateID(lct).actionID("t1"));
      assertThat(mgn.listTemplateActions(b -> b.launchConfigurationTemplateID(lct)).items())
          .isEmpty();
      assertThatThrownBy(
              () ->
                  mgn.removeTemplateAction(
                      b -> b.launchConfigurationTemplateID(lct).actionID("t1")))
          .isInstanceOf(ResourceNotFoundException.class);
    }
  }
}
