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

  /**
   * Whole disks by default: the allocation readers do not replay the ext4 journal or the XFS log,
   * so on a mounted file system a block allocated just before the agent started, whose bitmap
   * update is still only in the journal, would be sent as zeros. USED is for disks whose file
   * systems are unmounted or cleanly quiesced, until the journal is read.
   */
  public static final SyncScope DEFAULT = ALL;
}
