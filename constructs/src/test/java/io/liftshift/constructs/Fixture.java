package io.liftshift.constructs;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/** A whole installation in one stack, as the tests' common ground. */
final class Fixture {
  static final String SOURCE_A = "192.0.2.0/24";
  static final String SOURCE_B = "198.51.100.0/24";
  static final String SERVER_1 = "s-0123456789abcdef0";
  static final String SERVER_2 = "s-0123456789abcdef1";
  static final String FINGERPRINT = "sha256:" + "ab".repeat(32);
  static final String CONVERTER_AMI = "ami-0c0c0c0c0c0c0c0c0";

  final App app;
  final Stack stack;
  final StagingArea staging;
  final SoftwareBucket bucket;
  final ControlPlane controlPlane;
  final ReplicationServerFleet fleet;
  final ConversionServer conversion;
  final SourceServerLaunchSettings launchSettings;
  final MigrationLaunch launch;

  Fixture(Path outdir) {
    app = newApp(outdir);
    stack = new Stack(app, "Installation");
    staging =
        new StagingArea(
            stack,
            "Staging",
            StagingAreaProps.builder()
                .installation("acme")
                .sourceCidrs(List.of(SOURCE_A, SOURCE_B))
                .build());
    bucket = new SoftwareBucket(stack, "Software", null);
    var image = DaemonImage.fromAmiId("ami-0123456789abcdef0");
    conversion =
        new ConversionServer(
            stack,
            "Conversion",
            ConversionServerProps.builder()
                .staging(staging)
                .machineImage(DaemonImage.fromAmiId(CONVERTER_AMI))
                .build());
    controlPlane =
        new ControlPlane(
            stack,
            "ControlPlane",
            ControlPlaneProps.builder()
                .staging(staging)
                .softwareBucket(bucket)
                .machineImage(image)
                .conversionServer(conversion)
                .build());
    fleet =
        new ReplicationServerFleet(
            stack,
            "Fleet",
            ReplicationServerFleetProps.builder()
                .staging(staging)
                .controlPlane(controlPlane)
                .softwareBucket(bucket)
                .machineImage(image)
                .maxCapacity(4)
                .build());
    launchSettings =
        new SourceServerLaunchSettings(
            stack,
            "LaunchSettings",
            SourceServerLaunchSettingsProps.builder()
                .vpc(staging.getVpc())
                .subnets(staging.getStagingSubnets())
                .sourceServers(
                    Map.of(
                        SERVER_1,
                        LaunchSettings.builder().instanceType("m5.large").build(),
                        SERVER_2,
                        LaunchSettings.builder().build()))
                .build());
    launch =
        new MigrationLaunch(
            stack,
            "Launch",
            MigrationLaunchProps.builder()
                .endpoint(controlPlane.getEndpoint())
                .caFingerprint(FINGERPRINT)
                .operatorKeySecret(controlPlane.getOperatorKeySecret())
                .staging(staging)
                .launch(LaunchKind.TEST)
                .sourceServerIds(List.of(SERVER_1, SERVER_2))
                .launchTemplates(launchSettings.launchTemplateIds(List.of(SERVER_1, SERVER_2)))
                .build());
  }

  static App newApp(Path outdir) {
    return new App(AppProps.builder().outdir(outdir.toString()).build());
  }

  Template template() {
    return Template.fromStack(stack);
  }
}
