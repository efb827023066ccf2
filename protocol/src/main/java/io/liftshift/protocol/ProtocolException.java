package io.liftshift.protocol;

/** A violation of the wire contract, carrying the {@link ErrorCode} to send back to the peer. */
public final class ProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public ProtocolException(ErrorCode code, String message) {
    super(code + ": " + message);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  /** The message without the code prefix, as sent in an ERROR frame. */
  public String detail() {
    String m = getMessage();
    int i = m.indexOf(": ");
    return i < 0 ? m : m.substring(i + 2);
  }
}
