package io.liftshift.converter.plan;

/**
 * The guest cannot be converted by this version; the message is the job's CONVERSION_FAIL reason.
 */
public final class UnsupportedGuestException extends Exception {
  private static final long serialVersionUID = 1L;

  public UnsupportedGuestException(String reason) {
    super(reason);
  }
}
