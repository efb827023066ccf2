/**
 * The agent, step one of the flow (<b>source disk → agent</b> → 1500 → replicator). Installed on
 * the source server without a reboot, it reads each disk in large sequential chunks, drops all-zero
 * blocks to BLOCK_ZERO frames, LZ4-compresses the rest and streams it over TLS 1.3 with a bounded
 * in-flight window, resuming from the last acknowledged offset after any drop.
 */
package io.liftshift.agent;
