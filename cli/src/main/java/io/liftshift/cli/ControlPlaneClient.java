package io.liftshift.cli;

import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.InstallationCa;
import io.liftshift.trust.PinnedCaTrustManager;
import io.liftshift.trust.ServerRole;
import java.net.URI;
import javax.net.ssl.TrustManager;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.mgn.MgnClient;

/**
 * How an operator command reaches the control plane: the official MGN client against its endpoint,
 * trusting only the installation CA; credentials from the usual AWS chain.
 */
final class ControlPlaneClient {
  @Option(
      names = "--endpoint",
      defaultValue = "https://localhost:443",
      description = "Control plane (default: ${DEFAULT-VALUE}).")
  String endpoint;

  @Option(
      names = "--ca-fingerprint",
      description = "Installation CA to trust (default: the local one in $LIFTSHIFT_HOME/ca).")
  String caFingerprint;

  @Option(
      names = "--region",
      defaultValue = "us-east-1",
      description = "(default: ${DEFAULT-VALUE})")
  String region;

  MgnClient open(ExecutionInterceptor... interceptors) throws Exception {
    CaFingerprint ca =
        caFingerprint != null
            ? CaFingerprint.parse(caFingerprint)
            : InstallationCa.loadOrCreate(Home.caDir()).fingerprint();
    return MgnClient.builder()
        .endpointOverride(URI.create(endpoint))
        .region(Region.of(region))
        .httpClient(
            ApacheHttpClient.builder()
                .tlsTrustManagersProvider(
                    () ->
                        new TrustManager[] {new PinnedCaTrustManager(ca, ServerRole.CONTROL_PLANE)})
                .build())
        .overrideConfiguration(
            o -> {
              for (ExecutionInterceptor i : interceptors) {
                o.addExecutionInterceptor(i);
              }
            })
        .build();
  }
}
