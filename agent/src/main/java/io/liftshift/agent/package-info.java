/**
 * The agent, step one of the flow (<b>source disk → agent</b> → 1500 → replicator). Installed on
 * the source server without a reboot, it reads each disk in large sequential chunks, drops all-zero
 * blocks to BLOCK_ZERO frames, LZ4-compresses the rest and streams it over TLS 1.3 with a bounded
 * in-flight window, resuming from the last acknowledged offset after any drop. After the initial
 * sync, {@link io.liftshift.agent.ContinuousReplication} sends the blocks the tracker marks, and
 * {@link io.liftshift.agent.ReplicationStatusReport} names its state for the control plane.
 */
package io.liftshift.agent;
