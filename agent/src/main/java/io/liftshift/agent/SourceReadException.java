package io.liftshift.agent;

import java.io.IOException;

/** Reading the source disk failed: reconnecting to the replicator cannot help. */
public final class SourceReadException extends IOException {
  private static final long serialVersionUID = 1L;

  public SourceReadException(IOException cause) {
    super("reading the source disk failed: " + cause.getMessage(), cause);
  }
}
