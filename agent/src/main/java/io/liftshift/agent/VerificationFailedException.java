package io.liftshift.agent;

/** The staging volume's digest differs from the source disk's: the replica is not identical. */
public final class VerificationFailedException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String diskKey;
  private final long firstDifferingBlock;
  private final long offsetBytes;

  public VerificationFailedException(
      String diskKey, long firstDifferingBlock, long offsetBytes, int leafBytes) {
    super(
        "verification FAILED for "
            + diskKey
            + ": the staging volume differs from the source; first differing block is #"
            + firstDifferingBlock
            + " (bytes "
            + offsetBytes
            + ".."
            + (offsetBytes + leafBytes - 1)
            + ", "
            + leafBytes
            + "-byte blocks)");
    this.diskKey = diskKey;
    this.firstDifferingBlock = firstDifferingBlock;
    this.offsetBytes = offsetBytes;
  }

  public String diskKey() {
    return diskKey;
  }

  public long firstDifferingBlock() {
    return firstDifferingBlock;
  }

  public long offsetBytes() {
    return offsetBytes;
  }
}
