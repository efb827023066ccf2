package io.liftshift.agent;

import io.liftshift.protocol.ErrorCode;
import java.io.IOException;

/** The replicator ended the session with an ERROR frame. */
public final class ReplicatorRejectedException extends IOException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public ReplicatorRejectedException(ErrorCode code, String message) {
    super("replicator refused: " + code + ": " + message);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
