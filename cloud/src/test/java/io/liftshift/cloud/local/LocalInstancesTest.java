package io.liftshift.cloud.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liftshift.cloud.Images;
import io.liftshift.cloud.Instances;
import io.liftshift.cloud.StagingVolume;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real virtual machine boots from a volume, and its serial console can be read. */
class LocalInstancesTest {
  @TempDir Path dir;

  /**
   * A boot sector that writes a line to COM1 and halts: xor ax,ax; mov ds,ax; mov si,msg; mov
   * dx,0x3f8; l: lodsb; test al,al; jz d; out dx,al; jmp l; d: hlt; jmp d.
   */
  private static byte[] bootSector(String line) {
    byte[] code = HexFormat.of().parseHex("31c08ed8be157cbaf803ac84c07403eeebf8f4ebfd");
    byte[] msg = (line + "\r\n\0").getBytes(StandardCharsets.US_ASCII);
    byte[] mbr = new byte[512];
    System.arraycopy(code, 0, mbr, 0, code.length);
    System.arraycopy(msg, 0, mbr, code.length, msg.length);
    mbr[510] = 0x55;
    mbr[511] = (byte) 0xAA;
    return mbr;
  }

  @Test
  void anImageBootsInAVirtualMachineWhoseConsoleIsRead() throws Exception {
    assumeTrue(LocalInstances.unavailable().isEmpty(), "needs qemu-system-x86_64 and qemu-img");
    StagingVolume boot = new LocalStagingVolumes(dir.resolve("volumes")).provision("boot", 1 << 20);
    try (RandomAccessFile f = new RandomAccessFile(boot.devicePath().toFile(), "rw")) {
      f.write(bootSector("liftshift-boot-ok"));
    }
    LocalImages images = new LocalImages(dir.resolve("images"));
    Images.Image image =
        images.register(
            "boot-sector", List.of(boot), Images.BootMode.LEGACY_BIOS, Map.of("purpose", "test"));
    assertThat(image.imageId()).matches("ami-[0-9a-f]{17}");
    assertThat(images.list(Map.of("purpose", "test")))
        .extracting(Images.Image::imageId)
        .containsExactly(image.imageId());
    LocalInstances instances = new LocalInstances(dir.resolve("instances"), images);
    Instances.Instance i =
        instances.launch(
            Instances.LaunchSpec.of("test", image.imageId(), "t3.micro")
                .withTags(Map.of("liftshift:job", "mgnjob-1")));
    try {
      assertThat(i.instanceId()).matches("i-[0-9a-f]{17}");
      assertThat(i.state()).isEqualTo("running");
      // Another process (a CLI) sees the same instance.
      LocalInstances other = new LocalInstances(dir.resolve("instances"), images);
      assertThat(other.list(Map.of("liftshift:job", "mgnjob-1")))
          .extracting(Instances.Instance::instanceId)
          .containsExactly(i.instanceId());
      long deadline = System.currentTimeMillis() + 60_000;
      while (!other.consoleOutput(i.instanceId()).contains("liftshift-boot-ok")) {
        assertThat(System.currentTimeMillis()).as("booted in time").isLessThan(deadline);
        Thread.sleep(100);
      }
      other.terminate(i.instanceId());
    } finally {
      instances.terminate(i.instanceId());
    }
    assertThat(instances.describe(i.instanceId()).orElseThrow().state()).isEqualTo("terminated");
    assertThat(dir.resolve("instances").resolve(i.instanceId()).resolve("volume-0.qcow2"))
        .doesNotExist();
    // The image is untouched by what the instance did, and goes when deregistered.
    assertThat(images.describe(image.imageId())).isPresent();
    images.deregister(image.imageId());
    assertThat(images.describe(image.imageId())).isEmpty();
  }

  @Test
  void anUnknownImageOrInstanceTypeIsRefusedWithTheCloudsError() throws Exception {
    LocalImages images = new LocalImages(dir.resolve("images"));
    LocalInstances instances = new LocalInstances(dir.resolve("instances"), images);
    assertThatThrownBy(() -> instances.launch(Instances.LaunchSpec.of("x", "ami-0", "t3.micro")))
        .hasMessageContaining("InvalidAMIID.NotFound");
    assertThatThrownBy(() -> Instances.LaunchSpec.of("x", "ami-0", "small"))
        .hasMessageContaining("not an EC2 instance type");
  }
}
