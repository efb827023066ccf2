package io.liftshift.controlplane.store;

import java.util.List;

/**
 * The control plane's state, behind a port: versioned JSON items by type and id, a few indexed
 * attributes to query by, the service-wide settings, operator access keys and install tokens.
 * {@link SqliteStore} is the embedded default; a store shared by several control-plane nodes (such
 * as PostgreSQL) is a second implementation of this interface.
 *
 * <p>The contract every implementation honours (checked by {@code ControlPlaneStoreContract}):
 *
 * <ul>
 *   <li><b>Atomicity.</b> {@link #transaction} commits all of the work's writes, or none: any
 *       exception out of the work (checked or not) rolls it back and reaches the caller as is.
 *   <li><b>Durability.</b> Once {@link #transaction} returns, the writes survive a crash of the
 *       process and of the machine.
 *   <li><b>Isolation.</b> A transaction sees its own writes and only committed writes of others; it
 *       need not be serializable (read committed is enough), because every write of an item is
 *       conditional on the version read:
 *   <li><b>Conditional put.</b> An item carries a version, 1 at insert and one more at every put.
 *       {@link StoreTransaction#put} names the version the writer read and fails with {@link
 *       StoreConflictException} if the stored item is at another version or gone; {@link
 *       StoreTransaction#update} does the same with the version the transaction itself read. Two
 *       writers that read the same version can therefore never both succeed: one of them sees the
 *       conflict and its transaction rolls back. A conflict is never retried by the store (the work
 *       may have done things outside it); callers decide.
 *   <li><b>Inserts</b> of a taken id and writes that find the item deleted are conflicts too.
 *   <li><b>Order.</b> list and query return a type's items in creation order.
 *   <li><b>Indexes</b> ({@link #INDEXES}) follow every insert and put in the same transaction.
 *   <li><b>Settings, access keys, install tokens</b> are plain rows, last writer wins: each is
 *       written once and at most revoked.
 * </ul>
 *
 * No type of the medium (JDBC, SQL) crosses this port: bodies are JSON text, versions are longs,
 * and failures are {@link StoreException}s.
 */
public interface ControlPlaneStore extends AutoCloseable {
  /** The attributes the control plane queries items by. */
  List<Index> INDEXES =
      List.of(
          // Which source servers a replication server carries (its heartbeat lists them).
          Index.of("source-server", "replicationServerID", "_private", "replicationServerID"),
          // Jobs by status: a restart ends the STARTED ones.
          Index.of("job", "status", "status"),
          // A converter's bearer token, by digest, names its conversion.
          Index.of("conversion", "tokenSha256", "tokenSha256"));

  /** Work inside one transaction. */
  @FunctionalInterface
  interface Work<T> {
    T run(StoreTransaction tx) throws StoreException;
  }

  /** Runs {@code work} in one transaction: all of it is committed, or none of it. */
  <T> T transaction(Work<T> work) throws StoreException;

  /** The version of the persisted schema, for operators and upgrade tests. */
  int schemaVersion() throws StoreException;

  @Override
  void close() throws StoreException;
}
