package io.liftshift.constructs.launch.handler;

import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.PinnedCaTrustManager;
import io.liftshift.trust.ServerRole;
import javax.net.ssl.TrustManager;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.protocols.jsoncore.JsonNodeParser;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** Opens an MGN client on the control plane a request names. */
@FunctionalInterface
public interface MgnClients {
  /** A client for the request's endpoint, trusting only the pinned installation CA. */
  MgnClient open(LaunchRequest request);

  /**
   * The Lambda's way: the operator key comes from the Secrets Manager secret the request names, as
   * JSON {@code {"accessKeyId": "...", "secretAccessKey": "..."}} (what the control plane writes
   * there at first boot).
   */
  static MgnClients fromSecretsManager() {
    return request -> {
      String json;
      try (SecretsManagerClient sm =
          SecretsManagerClient.builder().httpClient(ApacheHttpClient.create()).build()) {
        json = sm.getSecretValue(b -> b.secretId(request.operatorKeySecretArn())).secretString();
      }
      JsonNode key = JsonNodeParser.create().parse(json);
      return withKey(
          request,
          key.field("accessKeyId")
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "the operator key secret has no accessKeyId: write"
                              + " {\"accessKeyId\":...,\"secretAccessKey\":...} into it"))
              .text(),
          key.field("secretAccessKey")
              .orElseThrow(
                  () -> new IllegalStateException("the operator key secret has no secretAccessKey"))
              .text());
    };
  }

  /** A client signing with the given operator key. */
  static MgnClient withKey(LaunchRequest request, String accessKeyId, String secretAccessKey) {
    CaFingerprint pin = CaFingerprint.parse(request.caFingerprint());
    return MgnClient.builder()
        .endpointOverride(request.endpoint())
        .region(Region.of(request.signingRegion()))
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(accessKeyId, secretAccessKey)))
        .httpClient(
            ApacheHttpClient.builder()
                .tlsTrustManagersProvider(
                    () ->
                        new TrustManager[] {
                          new PinnedCaTrustManager(pin, ServerRole.CONTROL_PLANE)
                        })
                .build())
        .build();
  }
}
