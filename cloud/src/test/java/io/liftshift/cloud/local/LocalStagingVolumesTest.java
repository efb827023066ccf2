package io.liftshift.cloud.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.VolumeNames;
import io.liftshift.cloud.VolumeSizeMismatchException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStagingVolumesTest {
  @TempDir Path dir;

  @Test
  void provisionsASparseVolumeOfExactlyTheDiskSizeAndReusesIt() throws Exception {
    LocalStagingVolumes v = new LocalStagingVolumes(dir);
    StagingVolume created = v.provision("s-1--sda", (1L << 30) + 512);
    assertThat(created.created()).isTrue();
    assertThat(Files.size(created.devicePath())).isEqualTo((1L << 30) + 512);
    StagingVolume again = v.provision("s-1--sda", (1L << 30) + 512);
    assertThat(again.created()).isFalse();
    assertThat(again.devicePath()).isEqualTo(created.devicePath());
    assertThat(v.list()).extracting(StagingVolume::name).containsExactly("s-1--sda");
  }

  @Test
  void refusesAnExistingVolumeOfAnotherSize() throws Exception {
    LocalStagingVolumes v = new LocalStagingVolumes(dir);
    v.provision("s-1--sda", 4096);
    assertThatThrownBy(() -> v.provision("s-1--sda", 8192))
        .isInstanceOf(VolumeSizeMismatchException.class)
        .hasMessageContaining("4096")
        .hasMessageContaining("8192");
  }

  @Test
  void namesAreStableSafeAndDistinct() {
    String a = VolumeNames.forDisk("s-0123456789abcdef0", "/dev/disk/by-id/../../sda");
    assertThat(a)
        .isEqualTo(VolumeNames.forDisk("s-0123456789abcdef0", "/dev/disk/by-id/../../sda"));
    assertThat(a).matches("[A-Za-z0-9._-]+");
    assertThat(VolumeNames.forDisk("s-1", "a/b")).isNotEqualTo(VolumeNames.forDisk("s-1", "a_b"));
  }
}
