package io.liftshift.cdkapp;

import java.nio.file.Path;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;

/** {@code cdk.json}'s entry point. */
public final class LiftshiftApp {
  private LiftshiftApp() {}

  public static void main(String[] args) {
    App app = new App();
    build(app, Path.of("liftshift.json"));
    app.synth();
  }

  /** An app for tests, writing its cloud assembly to {@code outdir}. */
  public static App create(Path outdir, java.util.Map<String, Object> context) {
    App app = new App(AppProps.builder().outdir(outdir.toString()).context(context).build());
    build(app, null);
    return app;
  }

  static Stacks build(App app, Path configFile) {
    AppConfig config = new AppConfig(app.getNode(), configFile);
    StagingStack staging = new StagingStack(app, "LiftshiftStaging", config);
    LaunchesStack launches = new LaunchesStack(app, "LiftshiftLaunches", staging, config);
    return new Stacks(staging, launches);
  }

  /** Both stacks, for tests. */
  record Stacks(StagingStack staging, LaunchesStack launches) {}
}
