package io.liftshift.cloud;

import java.io.IOException;

/** A staging volume exists under the name but has a different size. */
public final class VolumeSizeMismatchException extends IOException {
  private static final long serialVersionUID = 1L;

  public VolumeSizeMismatchException(String name, long existingBytes, long requestedBytes) {
    super(
        "staging volume "
            + name
            + " holds "
            + existingBytes
            + " bytes but the source disk has "
            + requestedBytes);
  }
}
