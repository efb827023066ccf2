package io.liftshift.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamedLeavesTest {
  private static final int LEAF = 4096;

  @TempDir Path dir;

  /**
   * A range marked known-zero is not read back, a leaf it only touches is, and the root equals a
   * full hash of the volume; a write afterwards makes its leaf read again.
   */
  @Test
  void knownZeroLeavesAreNotReadAndTheRootMatchesAFullHash() throws Exception {
    long size = 10L * LEAF + 100; // a short last leaf
    byte[] content = new byte[(int) size];
    new SplittableRandom(7).nextBytes(content);
    java.util.Arrays.fill(content, 2 * LEAF + 10, (int) size, (byte) 0);
    Path p = dir.resolve("v");
    Files.write(p, content);
    StreamedLeaves leaves = new StreamedLeaves(size, LEAF);
    leaves.knownZero(2 * LEAF + 10, size);
    for (int i = 3; i < 11; i++) {
      assertThat(leaves.isValid(i)).as("leaf %d", i).isTrue();
    }
    assertThat(leaves.isValid(2)).as("leaf 2 is only partly in the range").isFalse();
    AtomicInteger reads = new AtomicInteger();
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      VolumeDigest streamed =
          leaves.complete(
              (i, buf) -> {
                reads.incrementAndGet();
                leaves.readLeaf(ch, i, buf);
              });
      assertThat(reads.get()).isEqualTo(3);
      assertThat(streamed.root()).isEqualTo(VolumeDigest.compute(ch, size, LEAF, 1).root());
    }
    leaves.invalidate(5L * LEAF, 5L * LEAF + 1);
    assertThat(leaves.isValid(5)).isFalse();
  }

  @Test
  void aZeroLeafFromAnyBufferHashesAsTheZeroLeaf() {
    StreamedLeaves leaves = new StreamedLeaves(4L * LEAF, LEAF);
    ByteBuffer zeros = ByteBuffer.allocateDirect(LEAF);
    ByteBuffer one = ByteBuffer.allocate(LEAF);
    one.put(LEAF - 1, (byte) 1);
    var sha = StreamedLeaves.sha256();
    assertThat(leaves.hash(sha, zeros)).isEqualTo(leaves.hash(sha, ByteBuffer.allocate(LEAF)));
    assertThat(leaves.hash(sha, one)).isNotEqualTo(leaves.hash(sha, zeros));
  }
}
