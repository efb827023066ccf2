package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.converter.inspect.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real source to migrate: the Debian 12 image that {@code scripts/debian-fixture} builds once
 * per machine (deliberately not Nitro-ready), and what the tests need to know about this host's
 * virtualization.
 */
final class DebianFixture {
  private static Path image;
  private static String accelerator;

  private DebianFixture() {}

  /** Builds the image when this machine has none yet (debootstrap, about 2 minutes). */
  static synchronized Path image() throws Exception {
    if (image == null) {
      Path script = Path.of("..", "scripts", "debian-fixture").toAbsolutePath().normalize();
      Process p =
          new ProcessBuilder(script.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(20, TimeUnit.MINUTES)).as("fixture built in time").isTrue();
      assertThat(p.exitValue()).as("scripts/debian-fixture: " + out).isZero();
      List<String> lines = out.lines().toList();
      image = Path.of(lines.get(lines.size() - 1).strip());
    }
    return image;
  }

  /** A copy of the image to replicate (sparse: the copy costs what the image holds). */
  static Path copy(Path to) throws Exception {
    Commands.run(300, "cp", "--sparse=always", image().toString(), to.toString());
    return to;
  }

  /** The image's kernel, initrd and GRUB kernel arguments, copied out of it (read-only). */
  record Boot(Path kernel, Path initrd, String cmdline) {}

  static Boot boot(Path dir) throws Exception {
    Files.createDirectories(dir);
    String loop =
        Commands.run(
                30,
                "losetup",
                "--find",
                "--show",
                "--read-only",
                "--offset",
                Long.toString(2048L * 512),
                image().toString())
            .strip();
    Path mnt = Files.createDirectories(dir.resolve("mnt"));
    try {
      Commands.run(30, "mount", "-o", "ro,noload", loop, mnt.toString());
      try {
        Path kernel = dir.resolve("vmlinuz");
        Path initrd = dir.resolve("initrd.img");
        try (var s = Files.list(mnt.resolve("boot"))) {
          for (Path p : s.toList()) {
            String n = p.getFileName().toString();
            if (n.startsWith("vmlinuz-")) {
              Files.copy(p, kernel);
            } else if (n.startsWith("initrd.img-")) {
              Files.copy(p, initrd);
            }
          }
        }
        String cfg = Files.readString(mnt.resolve("boot/grub/grub.cfg"));
        String cmdline =
            cfg.lines()
                .filter(l -> l.strip().startsWith("linux"))
                .findFirst()
                .orElseThrow()
                .strip()
                .replaceFirst("^linux\\s+\\S+\\s*", "");
        return new Boot(kernel, initrd, cmdline);
      } finally {
        Commands.run(30, "umount", mnt.toString());
      }
    } finally {
      Commands.run(30, "losetup", "--detach", loop);
    }
  }

  /**
   * KVM if it boots this kernel here, else TCG. On nested virtualization /dev/kvm may exist and run
   * a boot sector, yet stall a Linux kernel before its first line; the kernel's first line within
   * 20 s says whether KVM works.
   */
  static synchronized String accelerator(Path dir) throws Exception {
    if (accelerator != null) {
      return accelerator;
    }
    if (!Files.isWritable(Path.of("/dev/kvm"))) {
      return accelerator = "tcg";
    }
    Boot b = boot(dir.resolve("kvm-probe"));
    Path console = dir.resolve("kvm-probe").resolve("console.log");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "qemu-system-x86_64",
                "-machine",
                "q35,accel=kvm",
                "-cpu",
                "qemu64",
                "-m",
                "256",
                "-display",
                "none",
                "-monitor",
                "none",
                "-no-reboot",
                "-serial",
                "file:" + console,
                "-kernel",
                b.kernel().toString(),
                "-append",
                "console=ttyS0 panic=-1"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      long deadline = System.currentTimeMillis() + 20_000;
      while (System.currentTimeMillis() < deadline) {
        if (Files.exists(console)
            && Files.readString(console, StandardCharsets.ISO_8859_1).contains("Linux version")) {
          return accelerator = "kvm";
        }
        Thread.sleep(200);
      }
      return accelerator = "tcg";
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
  }
}
