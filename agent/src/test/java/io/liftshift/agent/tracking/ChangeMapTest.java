package io.liftshift.agent.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The persisted change state: what leaves it, what survives a crash, what a damage costs. */
class ChangeMapTest {
  private static final long DISK = 64L << 20;

  @TempDir Path dir;

  private ChangeMap open() throws Exception {
    return ChangeMap.open(dir, "disk", "/dev/test", DISK, 4096);
  }

  /** A fresh map with the initial sync done and nothing pending. */
  private ChangeMap synced() throws Exception {
    ChangeMap m = open();
    assertThat(m.opened().origin()).isEqualTo(ChangeMap.Origin.NEW);
    m.clearBeforeRead(0, DISK);
    m.initialSyncCompleted();
    assertThat(m.pendingBlocks()).isZero();
    return m;
  }

  @Test
  void aBlockLeavesOnlyWhenItsBatchIsAcknowledgedAndNotChangedSince() throws Exception {
    ChangeMap m = synced();
    m.mark(8192, 100);
    ChangeMap.Batch b = m.take(1000);
    assertThat(b.blockCount()).isEqualTo(1);
    m.mark(8192, 1); // written again while in flight
    assertThat(m.take(1000).blockCount()).as("never in two batches").isZero();
    assertThat(m.ack(b)).isTrue();
    assertThat(m.pendingBlocks()).isEqualTo(1); // still dirty: the newer content goes
    ChangeMap.Batch again = m.take(1000);
    assertThat(m.ack(again)).isTrue();
    assertThat(m.pendingBlocks()).isZero();
  }

  @Test
  void aRangeSentAsZerosKeepsTheMarksOfWritesButNotTheFillOfANewMap() throws Exception {
    ChangeMap m = open();
    // Allocated and written after tracking started, before the initial sync reached it.
    m.mark(5 * 4096, 4096);
    m.clearBeforeSkip(0, 16 * 4096);
    assertThat(m.isDirty(5)).as("a write's mark survives the zero send").isTrue();
    assertThat(m.isDirty(4)).as("the fill of a new map is cleared").isFalse();
    // A range read clears the write's mark too: the read sends its bytes.
    m.mark(20 * 4096, 4096);
    m.clearBeforeRead(16 * 4096, 16 * 4096);
    assertThat(m.isDirty(20)).isFalse();
    m.clearBeforeRead(32 * 4096, DISK - 32 * 4096);
    assertThat(m.pendingBlocks()).isEqualTo(1);
    m.close();
    // Resumed: saved marks cannot be told from the saved fill, so none is dropped by a skip.
    ChangeMap again = open();
    again.clearBeforeSkip(0, 16 * 4096);
    assertThat(again.isDirty(5)).isTrue();
    again.close();
  }

  @Test
  void aLateAcknowledgementAfterARequeueChangesNothing() throws Exception {
    ChangeMap m = synced();
    m.mark(0, 4096);
    ChangeMap.Batch old = m.take(1000);
    m.requeueInflight(); // the link dropped: in flight goes again
    ChangeMap.Batch fresh = m.take(1000);
    assertThat(m.ack(old)).as("stale").isFalse();
    assertThat(m.pendingBlocks()).isEqualTo(1);
    assertThat(m.ack(fresh)).isTrue();
    assertThat(m.pendingBlocks()).isZero();
  }

  @Test
  void anUntakenBatchIsDirtyAgain() throws Exception {
    ChangeMap m = synced();
    m.mark(40960, 8192);
    ChangeMap.Batch b = m.take(1000);
    m.untake(b);
    assertThat(m.dirtyBlocks()).isEqualTo(2);
    assertThat(m.take(1000).blockCount()).isEqualTo(2);
  }

  @Test
  void pendingBlocksSurviveACrashAndAnUncleanStopAsksForAScan() throws Exception {
    ChangeMap m = synced();
    m.mark(4096 * 10, 4096);
    m.mark(4096 * 20, 4096);
    ChangeMap.Batch b = m.take(1); // one in flight, one dirty; then the process dies
    assertThat(b.blockCount()).isEqualTo(1);
    // No close(): the journal in the page cache is all there is.
    ChangeMap reopened = open();
    assertThat(reopened.opened().origin()).isEqualTo(ChangeMap.Origin.RESUMED_NEEDS_SCAN);
    assertThat(reopened.pendingBlocks()).isEqualTo(2);
    reopened.close();
    ChangeMap clean = open();
    assertThat(clean.opened().origin()).isEqualTo(ChangeMap.Origin.RESUMED);
    assertThat(clean.pendingBlocks()).isEqualTo(2);
  }

  @Test
  void aDamagedStateIsAFullRescanThatSaysWhy() throws Exception {
    ChangeMap m = synced();
    m.close();
    Path state = dir.resolve("disk.state");
    try (RandomAccessFile f = new RandomAccessFile(state.toFile(), "rw")) {
      f.seek(100);
      f.write(f.read() ^ 0x55);
    }
    ChangeMap damaged = open();
    assertThat(damaged.opened().origin()).isEqualTo(ChangeMap.Origin.RESCAN);
    assertThat(damaged.opened().reason()).contains("CRC-32C");
    assertThat(damaged.pendingBlocks()).isEqualTo(DISK / 4096);
    damaged.close();
    Files.delete(state);
    assertThat(open().opened().origin()).isEqualTo(ChangeMap.Origin.NEW);
  }
}
