package io.liftshift.controlplane.store;

/** The store could not do what was asked: its medium failed, or its data is not what it expects. */
public class StoreException extends Exception {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(Throwable cause) {
    super(cause);
  }
}
