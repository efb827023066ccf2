package io.liftshift.test;

import io.liftshift.cli.BootableSample;
import io.liftshift.converter.inspect.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A running source server: a copy of the Debian fixture booted in qemu with its disk as a virtio
 * drive (as the hypervisor it came from had it), its own kernel, initramfs and GRUB arguments plus
 * a serial console to watch, and qemu's user-mode network only: the guest is 10.0.2.15 and reaches
 * the host's loopback as 10.0.2.2, nothing else. Commands run inside through its qemu-guest-agent.
 */
final class SourceVm implements AutoCloseable {
  /** How the guest reaches this host's loopback (qemu user-mode networking). */
  static final String HOST_FROM_GUEST = "10.0.2.2";

  /** Offset of the fixture's root partition (sector 2048). */
  static final long ROOT_PARTITION_OFFSET = 2048L * 512;

  final Path disk;
  final Path dir;
  final Path console;
  private final Process qemu;
  private GuestAgentClient guest;

  private SourceVm(Path disk, Path dir, Process qemu) {
    this.disk = disk;
    this.dir = dir;
    this.console = dir.resolve("console.log");
    this.qemu = qemu;
  }

  /**
   * Copies host files into the (not yet running) disk's root filesystem, as whatever put software
   * on the server before it was migrated.
   */
  static void stage(Path disk, Path dir, Map<Path, String> files) throws Exception {
    Path mnt = Files.createDirectories(dir.resolve("stage-mnt"));
    String loop =
        Commands.run(
                30,
                "losetup",
                "--find",
                "--show",
                "--offset",
                Long.toString(ROOT_PARTITION_OFFSET),
                disk.toString())
            .strip();
    try {
      Commands.run(30, "mount", loop, mnt.toString());
      try {
        for (var e : files.entrySet()) {
          Path to = mnt.resolve(e.getValue().replaceFirst("^/", ""));
          Files.createDirectories(to.getParent());
          Commands.run(300, "cp", "-a", "-T", e.getKey().toString(), to.toString());
        }
      } finally {
        Commands.run(60, "umount", mnt.toString());
      }
    } finally {
      Commands.run(30, "losetup", "--detach", loop);
    }
  }

  /** Boots the disk; {@link #guest} waits for its guest agent. */
  static SourceVm boot(Path disk, Path dir, String accelerator, int cpus, int memoryMib)
      throws Exception {
    Files.createDirectories(dir);
    BootableSample.Boot b = BootableSample.boot(disk, dir.resolve("boot"));
    Path qga = dir.resolve("qga.sock");
    Files.deleteIfExists(qga);
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            "qemu-system-x86_64",
            "-machine",
            "q35,accel=" + accelerator,
            "-cpu",
            "max",
            "-smp",
            Integer.toString(cpus),
            "-m",
            Integer.toString(memoryMib),
            "-display",
            "none",
            "-monitor",
            "none",
            "-no-reboot",
            "-serial",
            "file:" + dir.resolve("console.log"),
            "-drive",
            "file=" + disk + ",format=raw,if=virtio,cache=writeback,discard=unmap",
            "-netdev",
            "user,id=n0,restrict=off",
            "-device",
            "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56",
            "-chardev",
            "socket,id=qga0,path=" + qga + ",server=on,wait=off",
            "-device",
            "virtio-serial-pci",
            "-device",
            "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
            "-kernel",
            b.kernel().toString(),
            "-initrd",
            b.initrd().toString(),
            "-append",
            b.cmdline() + " console=ttyS0"));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("qemu.log").toFile())
            .start();
    return new SourceVm(disk, dir, p);
  }

  /** The guest agent, once the guest has booted far enough to run it. */
  synchronized GuestAgentClient guest(long timeoutMillis) throws Exception {
    if (guest == null) {
      if (!qemu.isAlive()) {
        throw new IOException("qemu exited: " + DebianFixture.read(dir.resolve("qemu.log")));
      }
      guest = GuestAgentClient.connect(dir.resolve("qga.sock"), timeoutMillis);
    }
    return guest;
  }

  GuestAgentClient guest() throws Exception {
    return guest(0);
  }

  String consoleTail() throws IOException {
    String s = DebianFixture.read(console);
    return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
  }

  boolean running() {
    return qemu.isAlive();
  }

  @Override
  public void close() throws Exception {
    if (guest != null) {
      guest.close();
    }
    qemu.destroy();
    if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
      qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
