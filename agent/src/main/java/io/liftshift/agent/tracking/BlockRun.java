package io.liftshift.agent.tracking;

/** Consecutive tracking blocks {@code [firstBlock, firstBlock + blockCount)}. */
public record BlockRun(long firstBlock, int blockCount) {
  public long offset(int blockBytes) {
    return firstBlock * blockBytes;
  }

  public long endBlock() {
    return firstBlock + blockCount;
  }
}
