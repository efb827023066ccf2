/**
 * The port to the target cloud: where staging volumes (and, later, snapshots and instances) live.
 * The replicator writes through it (replicator → <b>staging volume</b> in the flow); the local
 * adapter in {@code io.liftshift.cloud.local} is the embedded default, an AWS adapter follows.
 */
package io.liftshift.cloud;
