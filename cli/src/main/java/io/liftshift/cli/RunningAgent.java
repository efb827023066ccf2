package io.liftshift.cli;

/**
 * The quickstart's agent in continuous replication: the installed agent's process ({@link
 * InstalledAgent}), or, where no agent bundle is built, an agent inside the quickstart's own
 * process ({@link InProcessAgent}).
 */
interface RunningAgent extends AutoCloseable {
  /** Whether it stopped by itself (an error, or the control plane disconnected it). */
  boolean ended();

  /** The change tracker it uses, for the quickstart's output. */
  String tracker();

  /** Stops it; its change state is saved. */
  @Override
  void close() throws InterruptedException;
}
