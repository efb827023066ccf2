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
  void theNewestSlotWins() throws Exception {
    Path f = dir.resolve("v.ckpt");
    try (DiskCheckpoint.Writer w = new DiskCheckpoint.Writer(f, 0)) {
      w.write(new DiskCheckpoint("s-1--sda-0a1b2c3d", 1L << 40, 1L << 20, 1L << 30));
      w.write(new DiskCheckpoint("s-1--sda-0a1b2c3d", 1L << 40, 2L << 20, 1L << 30));
    }
    assertThat(Files.size(f)).isEqualTo(2 * DiskCheckpoint.SLOT_BYTES);
    assertThat(DiskCheckpoint.read(f).orElseThrow().durableOffset()).isEqualTo(2L << 20);
  }

  @Test
  void aTornSlotFallsBackToThePreviousState() throws Exception {
    Path f = dir.resolve("v.ckpt");
    try (DiskCheckpoint.Writer w = new DiskCheckpoint.Writer(f, 0)) {
      w.write(new DiskCheckpoint("v", 1 << 20, 4096, 8192));
      w.write(new DiskCheckpoint("v", 1 << 20, 65536, 65536));
    }
    byte[] b = Files.readAllBytes(f);
    // Sequence 2 lives in slot 0: damage it as a torn write would.
    b[30] ^= 1;
    Files.write(f, b);
    assertThat(DiskCheckpoint.read(f).orElseThrow().durableOffset()).isEqualTo(4096);
  }

  @Test
  void twoDamagedSlotsAreReportedNotTrusted() throws Exception {
    Path f = dir.resolve("v.ckpt");
    try (DiskCheckpoint.Writer w = new DiskCheckpoint.Writer(f, 0)) {
      w.write(new DiskCheckpoint("v", 4096, 4096, 4096));
      w.write(new DiskCheckpoint("v", 4096, 4096, 4096));
    }
    byte[] b = Files.readAllBytes(f);
    b[20] ^= 1;
    b[DiskCheckpoint.SLOT_BYTES + 20] ^= 1;
    Files.write(f, b);
    assertThatThrownBy(() -> DiskCheckpoint.read(f)).hasMessageContaining("checksum mismatch");
  }

  @Test
  void anUnknownFormatVersionIsRefused() throws Exception {
    Path f = dir.resolve("v.ckpt");
    try (DiskCheckpoint.Writer w = new DiskCheckpoint.Writer(f, 0)) {
      w.write(new DiskCheckpoint("v", 4096, 0, 0));
    }
    byte[] b = Files.readAllBytes(f);
    b[DiskCheckpoint.SLOT_BYTES + 5] = 9;
    Files.write(f, b);
    assertThatThrownBy(() -> DiskCheckpoint.read(f)).hasMessageContaining("format 9");
  }

  @Test
  void aMissingCheckpointIsEmpty() throws Exception {
    assertThat(DiskCheckpoint.read(dir.resolve("none"))).isEmpty();
  }
}
