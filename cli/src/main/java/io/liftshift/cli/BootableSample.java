package io.liftshift.cli;

import io.liftshift.converter.inspect.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real server to migrate: the Debian 12 image that {@code scripts/debian-fixture} builds once per
 * machine (deliberately not Nitro-ready), and whether this host's KVM can boot it.
 */
public final class BootableSample {
  private BootableSample() {}

  /** The fixture script: next to the launcher ($LIFTSHIFT_REPO), or found from here upwards. */
  static Optional<Path> script() {
    String repo = System.getenv("LIFTSHIFT_REPO");
    for (Path base : repo != null ? List.of(Path.of(repo)) : List.of(Path.of("."), Path.of(".."))) {
      Path s = base.resolve("scripts").resolve("debian-fixture").toAbsolutePath().normalize();
      if (Files.isExecutable(s)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** Builds (or finds, cached) the image; its progress goes to stderr. */
  public static Path image() throws IOException, InterruptedException {
    Path script =
        script()
            .orElseThrow(
                () -> new IOException("scripts/debian-fixture not found (set LIFTSHIFT_REPO)"));
    Process p =
        new ProcessBuilder(script.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException("scripts/debian-fixture failed: " + out.strip());
    }
    List<String> lines = out.lines().toList();
    return Path.of(lines.get(lines.size() - 1).strip());
  }

  /** The image's kernel, initrd and GRUB kernel arguments, copied out of it (read-only). */
  public record Boot(Path kernel, Path initrd, String cmdline) {}

  public static Boot boot(Path image, Path dir) throws IOException {
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
                image.toString())
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
              Files.copy(p, kernel, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } else if (n.startsWith("initrd.img-")) {
              Files.copy(p, initrd, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
          }
        }
        String cmdline =
            Files.readString(mnt.resolve("boot/grub/grub.cfg"))
                .lines()
                .filter(l -> l.strip().startsWith("linux"))
                .findFirst()
                .orElseThrow(() -> new IOException("no kernel line in the image's grub.cfg"))
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
   * KVM if it boots this image's kernel here, else TCG ({@code LIFTSHIFT_QEMU_ACCEL} decides when
   * set). On nested virtualization /dev/kvm may exist and run a boot sector, yet stall a Linux
   * kernel before its first line: the kernel's first line within 20 s says whether KVM works.
   */
  public static String accelerator(Path image, Path dir) throws IOException, InterruptedException {
    String env = System.getenv("LIFTSHIFT_QEMU_ACCEL");
    if (env != null && env.matches("kvm|tcg|kvm:tcg")) {
      return env;
    }
    if (!Files.isWritable(Path.of("/dev/kvm"))) {
      return "tcg";
    }
    Boot b = boot(image, dir);
    Path console = dir.resolve("kvm-probe.log");
    Files.deleteIfExists(console);
    Process p =
        new ProcessBuilder(
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
                "console=ttyS0 panic=-1")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("kvm-probe.qemu.log").toFile())
            .start();
    try {
      long deadline = System.currentTimeMillis() + 20_000;
      while (System.currentTimeMillis() < deadline) {
        if (Files.exists(console)
            && Files.readString(console, StandardCharsets.ISO_8859_1).contains("Linux version")) {
          return "kvm";
        }
        Thread.sleep(200);
      }
      return "tcg";
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
