package io.liftshift.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeDigestTest {
  @TempDir Path dir;

  private Path volume(String name, byte[] content) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  private static VolumeDigest digest(Path p, int leaf) throws Exception {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      return VolumeDigest.compute(ch, ch.size(), leaf, 3);
    }
  }

  @Test
  void singleLeafRootIsTheDomainSeparatedLeafHash() throws Exception {
    byte[] data = "liftshift".getBytes();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update((byte) 0);
    sha.update(data);
    assertThat(HexFormat.of().formatHex(digest(volume("v", data), 4096).root()))
        .isEqualTo(HexFormat.of().formatHex(sha.digest()));
  }

  @Test
  void twoLeavesHashAsParentAndAnOddLeafIsPromoted() throws Exception {
    byte[] data = new byte[4096 * 3];
    new SplittableRandom(1).nextBytes(data);
    VolumeDigest d = digest(volume("v", data), 4096);
    assertThat(d.leafCount()).isEqualTo(3);
    assertThat(d.levelCount()).isEqualTo(3);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update((byte) 1);
    sha.update(d.node(0, 0));
    sha.update(d.node(0, 1));
    assertThat(d.node(1, 0)).isEqualTo(sha.digest());
    assertThat(d.node(1, 1)).isEqualTo(d.node(0, 2));
  }

  @Test
  void threadsAndZeroShortcutDoNotChangeTheDigest() throws Exception {
    byte[] data = new byte[4096 * 37 + 123];
    new SplittableRandom(2).nextBytes(data);
    java.util.Arrays.fill(data, 4096 * 5, 4096 * 20, (byte) 0);
    Path p = volume("v", data);
    byte[] leaves = new byte[38 * 32];
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < 38; i++) {
      sha.reset();
      sha.update((byte) 0);
      int len = Math.min(4096, data.length - i * 4096);
      sha.update(data, i * 4096, len);
      System.arraycopy(sha.digest(), 0, leaves, i * 32, 32);
    }
    VolumeDigest expected = VolumeDigest.fromLeaves(data.length, 4096, leaves);
    assertThat(digest(p, 4096).root()).isEqualTo(expected.root());
  }

  @Test
  void findsTheFirstDifferingLeaf() throws Exception {
    byte[] a = new byte[4096 * 100];
    new SplittableRandom(3).nextBytes(a);
    byte[] b = a.clone();
    b[4096 * 41 + 7] ^= 1;
    b[4096 * 77] ^= 1;
    VolumeDigest mine = digest(volume("a", a), 4096);
    VolumeDigest theirs = digest(volume("b", b), 4096);
    int[] roundTrips = {0};
    long first =
        mine.firstDifferingLeaf(
            theirs.root(),
            (level, f, count) -> {
              roundTrips[0]++;
              return theirs.nodes(level, f, count);
            });
    assertThat(first).isEqualTo(41);
    assertThat(roundTrips[0]).isEqualTo(mine.levelCount() - 1);
    assertThat(mine.firstDifferingLeaf(mine.root(), null)).isEqualTo(-1);
  }

  @Test
  void leafSizeMustBeAPowerOfTwoInRange() {
    for (int bad : new int[] {0, 1000, 3 * 4096, 1 << 30}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> VolumeDigest.checkLeafBytes(bad))
          .isInstanceOf(ProtocolException.class);
    }
  }
}
