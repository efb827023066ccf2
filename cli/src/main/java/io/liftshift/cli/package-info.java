/**
 * The {@code liftshift} command: one jar that runs every role of the flow (agent, replicator), the
 * installation CA, the local quickstart and the benchmarks.
 */
package io.liftshift.cli;
