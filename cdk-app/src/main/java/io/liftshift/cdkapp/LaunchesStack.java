package io.liftshift.cdkapp;

import io.liftshift.constructs.LaunchKind;
import io.liftshift.constructs.LaunchSettings;
import io.liftshift.constructs.MigrationLaunch;
import io.liftshift.constructs.MigrationLaunchProps;
import io.liftshift.constructs.SourceServerLaunchSettings;
import io.liftshift.constructs.SourceServerLaunchSettingsProps;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnCondition;
import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ssm.StringParameter;
import software.constructs.Construct;

/**
 * Launch settings of the source servers, and a launch step: {@code test}, {@code cutover} or {@code
 * finalize} for a list of servers or a wave.
 *
 * <p>Each of the step's settings comes from CDK context when given there ({@code -c
 * launch=test|cutover|finalize}, {@code -c sourceServers=s-...,s-...} or {@code -c wave=wave-...})
 * and otherwise from a CloudFormation parameter ({@value #LAUNCH_STEP}, {@value
 * #SOURCE_SERVER_IDS}, {@value #WAVE_ID}), so that one synthesized template deploys every step from
 * a pipeline with parameter overrides. With the parameter, {@code LaunchStep=none} (its default)
 * leaves the launch out of the stack.
 */
public final class LaunchesStack extends Stack {
  /** The parameter naming the step when the context does not. */
  public static final String LAUNCH_STEP = "LaunchStep";

  /** The parameter naming the servers when the context names neither servers nor a wave. */
  public static final String SOURCE_SERVER_IDS = "SourceServerIds";

  /** The parameter naming a wave when the context names neither servers nor a wave. */
  public static final String WAVE_ID = "WaveId";

  /** {@value #LAUNCH_STEP}'s default: no launch. */
  public static final String NO_LAUNCH = "none";

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
    CfnParameter stepParameter = null;
    if (launch == null || launch.isEmpty()) {
      stepParameter =
          CfnParameter.Builder.create(this, LAUNCH_STEP)
              .type("String")
              .allowedValues(
                  List.of(
                      NO_LAUNCH,
                      LaunchKind.TEST.propertyValue(),
                      LaunchKind.CUTOVER.propertyValue(),
                      LaunchKind.FINALIZE.propertyValue()))
              .defaultValue(NO_LAUNCH)
              .description(
                  "The launch step to perform (none: no launch); -c launch=... at synth wins")
              .build();
      launch = stepParameter.getValueAsString();
    }
    String wave = config.string("wave");
    List<String> targets = servers;
    if (servers.isEmpty() && (wave == null || wave.isEmpty())) {
      targets =
          CfnParameter.Builder.create(this, SOURCE_SERVER_IDS)
              .type("CommaDelimitedList")
              .defaultValue("")
              .description(
                  "Source servers to launch (s-..., comma-separated), or leave empty and give"
                      + " WaveId; -c sourceServers=... or -c wave=... at synth wins")
              .build()
              .getValueAsList();
      wave =
          CfnParameter.Builder.create(this, WAVE_ID)
              .type("String")
              .defaultValue("")
              .allowedPattern("^(wave-[0-9a-zA-Z]{17})?$")
              .constraintDescription("a wave id: wave- and 17 letters or digits")
              .description("A wave whose servers to launch (wave-...), instead of SourceServerIds")
              .build()
              .getValueAsString();
    }
    // The fingerprint is read from SSM when the stack deploys: the control plane writes it there.
    String fingerprint =
        config.string(
            "caFingerprint",
            StringParameter.valueForStringParameter(
                this, staging.getControlPlane().getCaFingerprintParameterName()));
    MigrationLaunch step =
        new MigrationLaunch(
            this,
            "Launch",
            MigrationLaunchProps.builder()
                .endpoint(staging.getControlPlane().getEndpoint())
                .caFingerprint(fingerprint)
                .operatorKeySecret(staging.getControlPlane().getOperatorKeySecret())
                .staging(staging.getStaging())
                .launchStep(launch)
                .sourceServerIds(targets)
                .waveId(wave == null || wave.isEmpty() ? null : wave)
                .launchTemplates(settings.launchTemplateIds(servers))
                .build());
    if (stepParameter != null) {
      // The step resource exists only while a step is asked for; its removal launches nothing.
      CfnCondition launching =
          CfnCondition.Builder.create(this, "Launching")
              .expression(
                  Fn.conditionNot(Fn.conditionEquals(stepParameter.getValueAsString(), NO_LAUNCH)))
              .build();
      ((CfnResource) step.getResource().getNode().getDefaultChild())
          .getCfnOptions()
          .setCondition(launching);
    }
  }

  public SourceServerLaunchSettings getSettings() {
    return settings;
  }
}
