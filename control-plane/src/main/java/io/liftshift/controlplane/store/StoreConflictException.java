package io.liftshift.controlplane.store;

/**
 * A write lost a race: the item changed (or was deleted) since the version the writer read, or an
 * insert found the id taken. The transaction that raised it is rolled back, so nothing the writer
 * meant is half-applied; the caller may read again and retry, or report the conflict.
 */
public final class StoreConflictException extends StoreException {
  private static final long serialVersionUID = 1L;

  public StoreConflictException(String message) {
    super(message);
  }
}
