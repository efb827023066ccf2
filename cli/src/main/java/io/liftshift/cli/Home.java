package io.liftshift.cli;

import java.nio.file.Path;

/** Default locations: {@code $LIFTSHIFT_HOME}, else {@code ~/.liftshift}. */
final class Home {
  private Home() {}

  static Path dir() {
    return io.liftshift.agent.command.AgentHome.liftshiftHome();
  }

  static Path caDir() {
    return dir().resolve("ca");
  }
}
