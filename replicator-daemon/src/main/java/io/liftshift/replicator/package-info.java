/**
 * The replication server, step three of the flow (agent → 1500 → <b>replicator</b> → staging
 * volume). A Vert.x daemon: the event loop only decrypts and splits frames; checksums, LZ4 and
 * every disk write run on a worker pool, one ordered queue per staging volume.
 */
package io.liftshift.replicator;
