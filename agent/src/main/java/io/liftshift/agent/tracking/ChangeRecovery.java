package io.liftshift.agent.tracking;

import io.liftshift.agent.tracking.ChangeMap.Opened;
import io.liftshift.agent.tracking.ChangeMap.Origin;
import java.io.IOException;

/**
 * Recovers a disk's change state when its {@link ChangeMap} opens: the snapshot, then the journal
 * written since, then whether that can be trusted (same boot, clean stop) or a fingerprint scan
 * must back it up. It exists apart from the map because recovery decides once, at open, what the
 * map's bitmaps start from; the map then only keeps them current.
 */
final class ChangeRecovery {
  /** What the map starts from: how it was found, its journal segment, and the sync's state. */
  record Recovered(Opened opened, long segment, boolean initialSyncComplete) {}

  private ChangeRecovery() {}

  /**
   * Fills {@code dirty} (and {@code marked}, for a resumed state) from the snapshot and journal; a
   * new or unreadable state leaves every one of {@code blocks} dirty.
   */
  static Recovered recover(
      ChangeSnapshot snapshot,
      ChangeJournal journal,
      String diskKey,
      long[] dirty,
      long[] marked,
      long blocks)
      throws IOException {
    Opened result;
    long segment = 0;
    boolean initialSyncComplete = false;
    if (!snapshot.exists()) {
      result = new Opened(Origin.NEW, "no change state for " + diskKey);
    } else {
      ChangeSnapshot.Read read = snapshot.read(dirty, segment);
      segment = read.segment();
      if (read.problem() != null) {
        java.util.Arrays.fill(dirty, 0);
        result = new Opened(Origin.RESCAN, read.problem());
      } else {
        initialSyncComplete = read.initialSyncComplete();
        ChangeJournal.Replay replay = journal.replay(segment, dirty, blocks);
        segment = replay.segment();
        result = bootProblem(read);
        if (replay.problem() != null && result.origin() == Origin.RESUMED) {
          result = new Opened(Origin.RESUMED_NEEDS_SCAN, replay.problem());
        }
      }
    }
    if (result.origin() == Origin.RESCAN || result.origin() == Origin.NEW) {
      // Nothing is known about the staging volume's content: every block goes.
      Bitmap.fill(dirty, blocks);
      initialSyncComplete = false;
    }
    if (result.origin() == Origin.RESUMED || result.origin() == Origin.RESUMED_NEEDS_SCAN) {
      // A saved mark cannot be told from a saved fill: every one is kept as a write's.
      System.arraycopy(dirty, 0, marked, 0, dirty.length);
    }
    return new Recovered(result, segment, initialSyncComplete);
  }

  private static Opened bootProblem(ChangeSnapshot.Read read) {
    if (!read.bootId().equals(ChangeSnapshot.bootId())) {
      return new Opened(
          Origin.RESUMED_NEEDS_SCAN,
          "the machine restarted since the state was saved: writes made before tracking"
              + " resumed are found by a fingerprint scan");
    }
    if (!read.cleanShutdown()) {
      // Events read from the kernel but not yet journaled when the agent died are lost.
      return new Opened(
          Origin.RESUMED_NEEDS_SCAN,
          "the agent did not stop cleanly: a fingerprint scan finds writes it had read from the"
              + " kernel trace but not yet recorded");
    }
    return new Opened(
        Origin.RESUMED, read.initialSyncComplete() ? "resumed" : "initial sync resumes");
  }
}
