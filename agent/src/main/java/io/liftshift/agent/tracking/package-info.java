/**
 * Change tracking, the agent's half of continuous replication (<b>source disk → agent</b>): which
 * blocks of each source disk changed since they were replicated. {@link
 * io.liftshift.agent.tracking.ChangeMap} is the persisted, crash-safe set of blocks still to send
 * (kept on disk as a {@link io.liftshift.agent.tracking.ChangeSnapshot} and a {@link
 * io.liftshift.agent.tracking.ChangeJournal}, read back by {@link
 * io.liftshift.agent.tracking.ChangeRecovery}); {@link
 * io.liftshift.agent.tracking.TracefsChangeTracker} fills it in real time from the kernel's
 * block-layer tracepoints, {@link io.liftshift.agent.tracking.ScanningChangeTracker} by comparing
 * block fingerprints in paced passes.
 */
package io.liftshift.agent.tracking;
