package io.liftshift.agent;

/** What the initial sync reads of each disk. */
public enum SyncScope {
  /**
   * Only the blocks a recognised file system (ext4, XFS) or volume manager (LVM, inside an MBR or
   * GPT partition table) uses; the rest is sent as zeros. Anything not recognised is read whole.
   * The replica then equals the source with unused file-system blocks zeroed.
   */
  USED,
  /** Every byte: the replica equals the source byte for byte. */
  ALL;

  public static final SyncScope DEFAULT = USED;
}
