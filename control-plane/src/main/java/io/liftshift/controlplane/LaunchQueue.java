package io.liftshift.controlplane;

/**
 * Where started jobs go: the launch runner once launches are enabled ({@link
 * ControlPlane#enableLaunches}); until then a job stays PENDING and never claims that anything was
 * launched.
 */
final class LaunchQueue implements OperationRouter.JobQueue, AutoCloseable {
  private volatile LaunchRunner runner;

  /** Runs the jobs started from now on through {@code runner}. */
  void runThrough(LaunchRunner runner) {
    this.runner = runner;
  }

  /** Whether jobs run through a runner already. */
  boolean runs() {
    return runner != null;
  }

  @Override
  public void submit(String jobId) {
    LaunchRunner r = runner;
    if (r != null) {
      r.submit(jobId);
    }
  }

  @Override
  public void close() {
    LaunchRunner r = runner;
    if (r != null) {
      r.close();
    }
  }
}
