package io.liftshift.cli;

/** Human-readable sizes and durations: the agent's formatting, shared by every command. */
final class Sizes {
  private Sizes() {}

  static String bytes(long b) {
    return io.liftshift.agent.command.Sizes.bytes(b);
  }

  static String seconds(long s) {
    return io.liftshift.agent.command.Sizes.seconds(s);
  }
}
