package io.liftshift.protocol;

/**
 * Feature bits negotiated in HELLO/WELCOME. The replicator accepts the intersection of what both
 * sides support; a bit is only used once accepted. Bits are never reused.
 */
public final class Features {
  /** BLOCK_DATA frames may carry LZ4 block-compressed payloads. */
  public static final long LZ4 = 1L;

  /** All-zero ranges may travel as BLOCK_ZERO frames without payload. */
  public static final long ZERO_BLOCKS = 1L << 1;

  /** VERIFY_REQUEST and MERKLE_QUERY are served. */
  public static final long MERKLE_VERIFY = 1L << 2;

  /**
   * Continuous replication of changed blocks in any order: BARRIER and BARRIER_ACK mark and confirm
   * a durable consistency point per epoch.
   */
  public static final long CHANGED_BLOCKS = 1L << 3;

  /**
   * Point-in-time snapshots: SNAPSHOT_REQUEST, CONSISTENCY_POINT and SNAPSHOT_TAKEN (needs
   * CHANGED_BLOCKS).
   */
  public static final long POINT_IN_TIME = 1L << 4;

  /** Everything this implementation supports. */
  public static final long SUPPORTED =
      LZ4 | ZERO_BLOCKS | MERKLE_VERIFY | CHANGED_BLOCKS | POINT_IN_TIME;

  private Features() {}

  public static boolean has(long features, long bit) {
    return (features & bit) == bit;
  }
}
