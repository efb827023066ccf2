/**
 * The control plane's state behind a port. {@link
 * io.liftshift.controlplane.store.ControlPlaneStore} runs work in a transaction over a {@link
 * io.liftshift.controlplane.store.StoreTransaction}: versioned JSON items by type and id (every put
 * conditional on the version read), queries by a few indexed attributes, settings, access keys and
 * install tokens. {@link io.liftshift.controlplane.store.SqliteStore} is the embedded adapter (one
 * SQLite file, schema versioned by migrations in {@code Database}); a shared store for several
 * nodes is a second adapter honouring the contract in the port's javadoc. Only this package speaks
 * SQL.
 */
package io.liftshift.controlplane.store;
