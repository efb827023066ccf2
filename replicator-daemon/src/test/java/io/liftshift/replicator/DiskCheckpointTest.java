package io.liftshift.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskCheckpointTest {
  @TempDir Path dir;

  @Test
  void roundTripsThroughAnAtomicWrite() throws Exception {
    Path f = dir.resolve("v.ckpt");
    DiskCheckpoint cp = new DiskCheckpoint("s-1--sda-0a1b2c3d", 1L << 40, 1L << 20, 1L << 30);
    cp.write(f);
    assertThat(DiskCheckpoint.read(f)).contains(cp);
    assertThat(Files.exists(dir.resolve("v.ckpt.tmp"))).isFalse();
  }

  @Test
  void aFlippedBitIsDetectedNotTrusted() throws Exception {
    Path f = dir.resolve("v.ckpt");
    new DiskCheckpoint("v", 4096, 4096, 4096).write(f);
    byte[] b = Files.readAllBytes(f);
    b[20] ^= 1;
    Files.write(f, b);
    assertThatThrownBy(() -> DiskCheckpoint.read(f)).hasMessageContaining("checksum mismatch");
  }

  @Test
  void anUnknownFormatVersionIsRefused() throws Exception {
    Path f = dir.resolve("v.ckpt");
    new DiskCheckpoint("v", 4096, 0, 0).write(f);
    byte[] b = Files.readAllBytes(f);
    b[5] = 9;
    Files.write(f, b);
    assertThatThrownBy(() -> DiskCheckpoint.read(f)).hasMessageContaining("format 9");
  }

  @Test
  void aMissingCheckpointIsEmpty() throws Exception {
    assertThat(DiskCheckpoint.read(dir.resolve("none"))).isEmpty();
  }
}
