package io.liftshift.controlplane;

import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.StoreConflictException;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;

/**
 * Runs API work in one transaction: an API error rolls it back and reaches the caller as is, and a
 * write that lost a race to another writer (the store's conflict) reaches it as MGN's
 * ConflictException, to retry.
 */
final class ApiTransaction {
  /** Work that may refuse with an API error. */
  @FunctionalInterface
  interface Work<T> {
    T run(StoreTransaction c) throws StoreException, ApiException;
  }

  private ApiTransaction() {}

  static <T> T run(ControlPlaneStore db, Work<T> work) throws StoreException, ApiException {
    try {
      return db.transaction(
          c -> {
            try {
              return work.run(c);
            } catch (ApiException e) {
              throw new Wrapped(e);
            }
          });
    } catch (Wrapped w) {
      throw w.api;
    } catch (StoreConflictException e) {
      throw new ApiException(
          "ConflictException",
          409,
          "changed concurrently, nothing was applied; retry: " + e.getMessage());
    }
  }

  /** Carries an API error out of a transaction, which it rolls back. */
  private static final class Wrapped extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient ApiException api;

    Wrapped(ApiException api) {
      super(api.getMessage(), null, false, false);
      this.api = api;
    }
  }
}
