/**
 * The control plane's state: one SQLite file, schema versioned by migrations, every write in a
 * transaction.
 */
package io.liftshift.controlplane.store;
