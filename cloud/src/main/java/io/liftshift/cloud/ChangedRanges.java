package io.liftshift.cloud;

/**
 * What changed on a staging volume since its last snapshot, as the replicator tracked it: a set of
 * fixed-size blocks. {@link #ALL} when unknown (after a restart), so that the snapshot compares
 * every block with its parent.
 */
public interface ChangedRanges {
  /** Block size of {@link #isChanged}. */
  int blockBytes();

  boolean isChanged(long block);

  /** Unknown: every block is compared. */
  ChangedRanges ALL =
      new ChangedRanges() {
        @Override
        public int blockBytes() {
          return 4096;
        }

        @Override
        public boolean isChanged(long block) {
          return true;
        }
      };
}
