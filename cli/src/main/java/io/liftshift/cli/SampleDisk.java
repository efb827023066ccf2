package io.liftshift.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Builds sample source disks: a sparse image holding a real ext4 file system with files (made by
 * {@code mkfs.ext4 -d}), or an image of random bytes. Content is seeded, so the same call makes the
 * same image.
 */
final class SampleDisk {
  private SampleDisk() {}

  /**
   * An ext4 image of {@code sizeBytes} with about {@code contentBytes} of files: logs and text
   * (compressible), binaries (not), and an empty remainder (zero blocks).
   */
  static Path ext4(Path image, long sizeBytes, long contentBytes) throws IOException {
    Path mkfs = SystemTools.require("mkfs.ext4", "e2fsprogs");
    Path root = image.resolveSibling(image.getFileName() + ".root");
    deleteTree(root);
    writeTree(root, contentBytes);
    Files.deleteIfExists(image);
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(sizeBytes);
    }
    SystemTools.run(
        List.of(
            mkfs.toString(),
            "-q",
            "-F",
            "-L",
            "liftshift-src",
            "-E",
            "root_owner=0:0",
            "-d",
            root.toString(),
            image.toString()),
        300);
    deleteTree(root);
    return image;
  }

  /** An image of pseudo-random bytes: nothing compresses, nothing is zero. */
  static Path random(Path image, long sizeBytes) throws IOException {
    SplittableRandom rnd = new SplittableRandom(1500);
    byte[] buf = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(image)) {
      for (long done = 0; done < sizeBytes; done += buf.length) {
        fill(rnd, buf);
        out.write(buf, 0, (int) Math.min(buf.length, sizeBytes - done));
      }
    }
    return image;
  }

  private static void fill(SplittableRandom rnd, byte[] b) {
    for (int i = 0; i + 8 <= b.length; i += 8) {
      long v = rnd.nextLong();
      for (int k = 0; k < 8; k++) {
        b[i + k] = (byte) (v >>> (8 * k));
      }
    }
  }

  private static void writeTree(Path root, long contentBytes) throws IOException {
    SplittableRandom rnd = new SplittableRandom(42);
    Files.createDirectories(root.resolve("etc"));
    Files.createDirectories(root.resolve("var/log"));
    Files.createDirectories(root.resolve("usr/lib/app"));
    Files.createDirectories(root.resolve("home/ops/reports"));
    Files.createDirectories(root.resolve("srv/data"));
    Files.writeString(root.resolve("etc/hostname"), "app-server-01\n");
    Files.writeString(
        root.resolve("etc/fstab"),
        "/dev/vda1 / ext4 defaults 0 1\n/dev/vdb1 /srv/data ext4 defaults 0 2\n");
    Files.writeString(
        root.resolve("etc/os-release"),
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n");
    long textBytes = contentBytes * 45 / 100;
    long binBytes = contentBytes * 45 / 100;
    long small = contentBytes - textBytes - binBytes;
    String[] levels = {"INFO", "WARN", "DEBUG", "ERROR"};
    String[] services = {"nginx", "postgres", "app", "cron", "sshd"};
    for (int f = 0; f < 4; f++) {
      StringBuilder sb = new StringBuilder();
      long target = textBytes / 4;
      long line = 0;
      while (sb.length() < target) {
        sb.append(
            String.format(
                Locale.ROOT,
                "2026-11-%02d %02d:%02d:%02d %s %s[%d]: request %d served in %d ms from 10.0.%d.%d%n",
                1 + (int) (line % 28),
                (int) (line / 3600) % 24,
                (int) (line / 60) % 60,
                (int) line % 60,
                levels[rnd.nextInt(levels.length)],
                services[f % services.length],
                1000 + rnd.nextInt(9000),
                line,
                rnd.nextInt(500),
                rnd.nextInt(256),
                rnd.nextInt(256)));
        line++;
      }
      Files.writeString(
          root.resolve("var/log/" + services[f] + ".log"), sb, StandardCharsets.UTF_8);
    }
    byte[] buf = new byte[1 << 20];
    for (int f = 0; f < 3; f++) {
      try (OutputStream out =
          Files.newOutputStream(root.resolve("usr/lib/app/module" + f + ".so"))) {
        for (long done = 0; done < binBytes / 3; done += buf.length) {
          fill(rnd, buf);
          out.write(buf, 0, (int) Math.min(buf.length, binBytes / 3 - done));
        }
      }
    }
    int files = 200;
    for (int f = 0; f < files; f++) {
      byte[] b = new byte[(int) Math.max(1, small / files)];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) ('a' + (i * 7 + f) % 26);
      }
      Files.write(
          root.resolve(String.format(Locale.ROOT, "home/ops/reports/report-%03d.csv", f)), b);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var s = Files.walk(root)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
