/**
 * The byte-level contract between the agent and the replicator on port 1500, step two of the flow
 * (source disk → agent → <b>1500</b> → replicator → staging volume).
 *
 * <p>{@code docs/protocol.md} is the specification; this package is its only implementation. It
 * knows frames, block encoding and the volume digest, and nothing about sockets, Vert.x or AWS, so
 * both ends (and fuzzers) can use it without dragging in a runtime.
 */
package io.liftshift.protocol;
