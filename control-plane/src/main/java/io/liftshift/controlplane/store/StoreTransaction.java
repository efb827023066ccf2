package io.liftshift.controlplane.store;

import java.util.List;
import java.util.Optional;

/**
 * What a transaction over the store offers: versioned items by type and id, queries by the indexed
 * attributes ({@link ControlPlaneStore#INDEXES}), the service-wide settings, and the access keys
 * and install tokens. Valid only inside the {@link ControlPlaneStore#transaction} that handed it
 * out, and only on that thread.
 */
public interface StoreTransaction {
  Optional<Item> get(String type, String id) throws StoreException;

  /** The item's body, when there is one; like {@link #get}, it counts as a read for update. */
  default Optional<String> body(String type, String id) throws StoreException {
    return get(type, id).map(Item::body);
  }

  /** The type's items, oldest first. */
  List<Item> list(String type) throws StoreException;

  /** The type's items whose indexed {@code attribute} has {@code value}, oldest first. */
  List<Item> query(String type, String attribute, String value) throws StoreException;

  /** Stores a new item at version 1; {@link StoreConflictException} when the id is taken. */
  Item insert(String type, String id, String body) throws StoreException;

  /**
   * Replaces the item's body if it is still at {@code expectedVersion}, and moves it to the next
   * version; {@link StoreConflictException} when it changed or went since.
   */
  Item put(String type, String id, String body, long expectedVersion) throws StoreException;

  /**
   * {@link #put} conditional on the version this transaction last read or wrote of the item
   * (through get, list, query, insert or put); an item it never read is a programming error ({@link
   * IllegalStateException}): a blind write could lose someone else's change.
   */
  Item update(String type, String id, String body) throws StoreException;

  /** Removes the item whatever its version; false when there was none. */
  boolean delete(String type, String id) throws StoreException;

  Optional<String> setting(String name) throws StoreException;

  void setSetting(String name, String value) throws StoreException;

  /** Stores an operator's access key with its secret sealed by the caller. */
  void insertAccessKey(String accessKeyId, byte[] sealedSecret, long createdAtEpochMillis)
      throws StoreException;

  /** The sealed secret of an access key that is not revoked. */
  Optional<byte[]> activeAccessKey(String accessKeyId) throws StoreException;

  boolean revokeAccessKey(String accessKeyId) throws StoreException;

  /** Stores an install token as its SHA-256 digest, with the role it admits. */
  void insertInstallToken(String tokenSha256, String role, long createdAtEpochMillis)
      throws StoreException;

  /** The role of an install token that is not revoked. */
  Optional<String> activeInstallTokenRole(String tokenSha256) throws StoreException;

  boolean revokeInstallToken(String tokenSha256) throws StoreException;
}
