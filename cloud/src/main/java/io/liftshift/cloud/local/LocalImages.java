package io.liftshift.cloud.local;

import io.liftshift.cloud.Images;
import io.liftshift.cloud.StagingVolume;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Images as directories {@code <dir>/ami-.../}: the volume files ({@code volume-0.img} boots) and
 * {@code image.properties}, written last and atomically, so a directory without it is a
 * registration that did not finish and is never served.
 */
public final class LocalImages implements Images {
  private static final Logger LOG = Logger.getLogger(LocalImages.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();
  static final String FORMAT = "liftshift-local-image-v1";

  private final Path dir;

  public LocalImages(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  /** The volume file of an image, for the instances that boot it. */
  Path volume(String imageId, int index) {
    return dir.resolve(imageId).resolve("volume-" + index + ".img");
  }

  @Override
  public Image register(
      String name, List<StagingVolume> volumes, BootMode bootMode, Map<String, String> tags)
      throws IOException {
    if (volumes.isEmpty()) {
      throw new IllegalArgumentException("an image needs at least its boot volume");
    }
    String id = "ami-" + HexFormat.of().formatHex(bytes(9)).substring(0, 17);
    Path home = Files.createDirectories(dir.resolve(id));
    List<Long> sizes = new ArrayList<>();
    for (int i = 0; i < volumes.size(); i++) {
      StagingVolume v = volumes.get(i);
      Path target = home.resolve("volume-" + i + ".img");
      try {
        Files.move(v.devicePath(), target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.copy(v.devicePath(), target);
        Files.delete(v.devicePath());
      }
      sizes.add(Files.size(target));
    }
    Image image = new Image(id, name, bootMode, sizes, tags, Instant.now());
    Properties p = new Properties();
    p.setProperty("format", FORMAT);
    p.setProperty("name", name);
    p.setProperty("bootMode", bootMode.name());
    p.setProperty("createdAt", image.createdAt().toString());
    p.setProperty("volumes", Integer.toString(sizes.size()));
    for (int i = 0; i < sizes.size(); i++) {
      p.setProperty("volume." + i + ".sizeBytes", Long.toString(sizes.get(i)));
    }
    tags.forEach((k, v) -> p.setProperty("tag." + k, v));
    Path tmp = home.resolve("image.properties.tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      p.store(out, null);
    }
    Files.move(tmp, home.resolve("image.properties"), StandardCopyOption.ATOMIC_MOVE);
    return image;
  }

  @Override
  public Optional<Image> describe(String imageId) throws IOException {
    if (!imageId.matches("ami-[0-9a-f]+")) {
      return Optional.empty();
    }
    Path props = dir.resolve(imageId).resolve("image.properties");
    if (!Files.exists(props)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(props)) {
      p.load(in);
    }
    if (!FORMAT.equals(p.getProperty("format"))) {
      throw new IOException(
          "image " + imageId + " has format " + p.getProperty("format") + ", expected " + FORMAT);
    }
    List<Long> sizes = new ArrayList<>();
    int n = Integer.parseInt(p.getProperty("volumes"));
    for (int i = 0; i < n; i++) {
      sizes.add(Long.parseLong(p.getProperty("volume." + i + ".sizeBytes")));
    }
    Map<String, String> tags = new LinkedHashMap<>();
    for (String k : p.stringPropertyNames()) {
      if (k.startsWith("tag.")) {
        tags.put(k.substring(4), p.getProperty(k));
      }
    }
    return Optional.of(
        new Image(
            imageId,
            p.getProperty("name"),
            BootMode.valueOf(p.getProperty("bootMode")),
            sizes,
            tags,
            Instant.parse(p.getProperty("createdAt"))));
  }

  @Override
  public List<Image> list(Map<String, String> tags) throws IOException {
    List<Image> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) {
        Optional<Image> i = describe(p.getFileName().toString());
        if (i.isPresent() && i.get().tags().entrySet().containsAll(tags.entrySet())) {
          out.add(i.get());
        }
      }
    }
    return out;
  }

  @Override
  public void deregister(String imageId) throws IOException {
    if (!imageId.matches("ami-[0-9a-f]+")) {
      return;
    }
    Path home = dir.resolve(imageId);
    if (!Files.isDirectory(home)) {
      return;
    }
    // The marker goes first: a deregistration cut short leaves no half image that looks whole.
    Files.deleteIfExists(home.resolve("image.properties"));
    try (Stream<Path> s = Files.list(home)) {
      for (Path p : s.toList()) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(home);
    LOG.fine("deregistered " + imageId);
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
