package io.liftshift.agent;

/**
 * Stops trying LZ4 on a disk region that does not compress (encrypted or already-compressed data),
 * and probes again after a while. LZ4 on incompressible data costs CPU that the TLS layer needs,
 * for no saving on the wire.
 */
final class CompressionGovernor {
  private static final int MISSES_BEFORE_BACKOFF = 4;
  private static final int BLOCKS_TO_SKIP = 64;

  private int misses;
  private int skipRemaining;

  synchronized boolean shouldTry() {
    if (skipRemaining > 0) {
      skipRemaining--;
      return false;
    }
    return true;
  }

  synchronized void record(boolean compressed) {
    if (compressed) {
      misses = 0;
    } else if (++misses >= MISSES_BEFORE_BACKOFF) {
      misses = 0;
      skipRemaining = BLOCKS_TO_SKIP;
    }
  }
}
