package io.liftshift.test;

import io.liftshift.cli.BootableSample;
import io.liftshift.converter.inspect.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The Debian fixture (built once per machine) and this host's accelerator, for the tests. */
final class DebianFixture {
  private static Path image;
  private static String accelerator;

  private DebianFixture() {}

  static synchronized Path image() throws Exception {
    if (image == null) {
      image = BootableSample.image();
    }
    return image;
  }

  /** A copy of the image to replicate (sparse: the copy costs what the image holds). */
  static Path copy(Path to) throws Exception {
    Commands.run(300, "cp", "--sparse=always", image().toString(), to.toString());
    return to;
  }

  static BootableSample.Boot boot(Path dir) throws Exception {
    return BootableSample.boot(image(), dir);
  }

  static synchronized String accelerator(Path dir) throws Exception {
    if (accelerator == null) {
      accelerator = BootableSample.accelerator(image(), dir.resolve("kvm-probe"));
    }
    return accelerator;
  }

  static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
  }
}
