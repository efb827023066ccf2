/**
 * The replication server, step three of the flow (agent → 1500 → <b>replicator</b> → staging
 * volume). A Vert.x daemon: the event loop only decrypts and splits frames; checksums, LZ4 and
 * every disk write run on a worker pool, one ordered queue per staging volume.
 *
 * <p>One agent connection is an {@link io.liftshift.replicator.AgentSession}: its states, the
 * admission of HELLO, disk opening and how it ends. {@link
 * io.liftshift.replicator.HelloNegotiation} sets the session's version and features, {@link
 * io.liftshift.replicator.SessionWatchdog} its handshake and idle deadlines; {@link
 * io.liftshift.replicator.DiskRequests} serves what an admitted agent asks of its disks (blocks,
 * zeros, flushes, barriers, verification, consistency points), checked against {@link
 * io.liftshift.replicator.SessionDisks} and queued by {@link io.liftshift.replicator.VolumeWork},
 * which pauses reading while too much is queued. Staging volumes are {@link
 * io.liftshift.replicator.StagingWriter}s, attached to sessions by {@link
 * io.liftshift.replicator.StagingRegistry}.
 */
package io.liftshift.replicator;
