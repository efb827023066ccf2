package io.liftshift.constructs.launch.handler;

/** A launch that failed or ran out of time; its message is what the deployment shows. */
public final class LaunchFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LaunchFailedException(String message) {
    super(message);
  }
}
