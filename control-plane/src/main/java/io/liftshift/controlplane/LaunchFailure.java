package io.liftshift.controlplane;

/** A launch step failed; {@code event} is MGN's log event for it, the message its rawError. */
final class LaunchFailure extends Exception {
  private static final long serialVersionUID = 1L;
  final String event;

  LaunchFailure(String event, String message) {
    super(message);
    this.event = event;
  }
}
