package io.liftshift.agent.tracking;

import java.io.IOException;

/**
 * Finds the blocks of source disks that change and marks them in each disk's {@link ChangeMap}.
 * Started before the initial sync reads anything, so that no write made during the sync is missed.
 */
public interface ChangeTracker extends AutoCloseable {
  /** What a tracker does when it learns it may have missed changes: a scan repairs them. */
  @FunctionalInterface
  interface LossListener {
    void onLoss(String reason);
  }

  /** "tracefs" or "scanning", as shown in state reports. */
  String kind();

  void start() throws IOException;

  /** Stops tracking. Never throws: a tracker that cannot stop cleanly only logs. */
  @Override
  void close();
}
