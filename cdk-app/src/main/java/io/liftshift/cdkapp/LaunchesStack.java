package io.liftshift.cdkapp;

import io.liftshift.constructs.LaunchSettings;
import io.liftshift.constructs.MigrationLaunch;
import io.liftshift.constructs.MigrationLaunchProps;
import io.liftshift.constructs.SourceServerLaunchSettings;
import io.liftshift.constructs.SourceServerLaunchSettingsProps;
import io.liftshift.constructs.launch.handler.LaunchKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ssm.StringParameter;
import software.constructs.Construct;

/**
 * Launch settings of the source servers, and the launch step the context asks for: {@code -c
 * launch=test|cutover|finalize} with {@code -c sourceServers=s-...,s-...} or {@code -c
 * wave=wave-...}. Without {@code launch}, the stack holds only the launch templates.
 */
public final class LaunchesStack extends Stack {
  private final SourceServerLaunchSettings settings;

  LaunchesStack(Construct scope, String id, StagingStack staging, AppConfig config) {
    super(
        scope,
        id,
        StackProps.builder()
            .description("liftshift launches: launch templates and test/cutover/finalize steps")
            .build());
    List<String> servers = config.list("sourceServers");
    Map<String, LaunchSettings> perServer = new LinkedHashMap<>();
    String type = config.string("launchInstanceType");
    for (String s : servers) {
      perServer.put(s, LaunchSettings.builder().instanceType(type).build());
    }
    settings =
        new SourceServerLaunchSettings(
            this,
            "LaunchSettings",
            SourceServerLaunchSettingsProps.builder()
                .vpc(staging.getStaging().getVpc())
                .subnets(staging.getStaging().getStagingSubnets())
                .sourceServers(perServer)
                .build());
    String launch = config.string("launch");
    if (launch == null || launch.isEmpty()) {
      return;
    }
    String wave = config.string("wave");
    // The fingerprint is read from SSM when the stack deploys: the control plane writes it there.
    String fingerprint =
        config.string(
            "caFingerprint",
            StringParameter.valueForStringParameter(
                this, staging.getControlPlane().getCaFingerprintParameterName()));
    new MigrationLaunch(
        this,
        "Launch",
        MigrationLaunchProps.builder()
            .endpoint(staging.getControlPlane().getEndpoint())
            .caFingerprint(fingerprint)
            .operatorKeySecret(staging.getControlPlane().getOperatorKeySecret())
            .staging(staging.getStaging())
            .launch(LaunchKind.parse(launch))
            .sourceServerIds(servers)
            .waveId(wave == null || wave.isEmpty() ? null : wave)
            .launchTemplates(settings.launchTemplateIds(servers))
            .build());
  }

  public SourceServerLaunchSettings getSettings() {
    return settings;
  }
}
