package io.liftshift.cloud.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
  void aVolumeBootsInAVirtualMachineWhoseConsoleIsRead() throws Exception {
    assumeTrue(LocalInstances.unavailable().isEmpty(), "needs qemu-system-x86_64");
    StagingVolume boot = new LocalStagingVolumes(dir.resolve("volumes")).provision("boot", 1 << 20);
    try (RandomAccessFile f = new RandomAccessFile(boot.devicePath().toFile(), "rw")) {
      f.write(bootSector("liftshift-boot-ok"));
    }
    LocalInstances instances = new LocalInstances(dir.resolve("instances"));
    Instances.Instance i =
        instances.launch(new Instances.LaunchSpec("test", List.of(boot), 1, 128, Map.of()));
    try {
      assertThat(i.instanceId()).matches("i-[0-9a-f]{17}");
      assertThat(instances.describe(i.instanceId()).orElseThrow().state()).isEqualTo("running");
      long deadline = System.currentTimeMillis() + 60_000;
      while (!instances.consoleOutput(i.instanceId()).contains("liftshift-boot-ok")) {
        assertThat(System.currentTimeMillis()).as("booted in time").isLessThan(deadline);
        Thread.sleep(100);
      }
    } finally {
      instances.terminate(i.instanceId());
    }
    assertThat(instances.describe(i.instanceId()).orElseThrow().state()).isEqualTo("terminated");
  }
}
