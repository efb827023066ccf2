package io.liftshift.agent;

/** Receives progress of a run, for a progress line or a status report. */
public interface SyncListener {
  /** Called about twice a second while data moves. */
  default void onProgress(SyncProgress progress) {}

  /** The connection dropped; the agent retries after {@code backoffMillis}. */
  default void onReconnecting(String reason, long backoffMillis) {}

  /** Initial sync is durable; verification starts. */
  default void onVerifying() {}

  /** Continuous replication's state, about twice a second. */
  default void onStatus(ReplicationStatus status) {}

  SyncListener NONE = new SyncListener() {};
}
