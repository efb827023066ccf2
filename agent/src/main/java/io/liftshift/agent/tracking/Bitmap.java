package io.liftshift.agent.tracking;

/**
 * Bit operations on the {@code long[]} bitmaps of the change state (one bit per block), shared by
 * the {@link ChangeMap} and its {@link ChangeJournal} replay so that both address blocks alike.
 */
final class Bitmap {
  private Bitmap() {}

  static boolean get(long[] bits, long i) {
    return (bits[(int) (i >>> 6)] & (1L << i)) != 0;
  }

  static void setRange(long[] bits, long from, long to, boolean value) {
    for (long i = from; i < to; i++) {
      if (value) {
        bits[(int) (i >>> 6)] |= 1L << i;
      } else {
        bits[(int) (i >>> 6)] &= ~(1L << i);
      }
    }
  }

  static long count(long[] bits) {
    long n = 0;
    for (long w : bits) {
      n += Long.bitCount(w);
    }
    return n;
  }

  /** Sets the first {@code blocks} bits. */
  static void fill(long[] bits, long blocks) {
    java.util.Arrays.fill(bits, -1L);
    int tail = (int) (blocks % 64);
    if (tail != 0) {
      bits[bits.length - 1] = (1L << tail) - 1;
    }
  }
}
