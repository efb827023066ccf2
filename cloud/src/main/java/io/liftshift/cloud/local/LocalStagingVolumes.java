package io.liftshift.cloud.local;

import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.StagingVolumes;
import io.liftshift.cloud.VolumeSizeMismatchException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Staging volumes as sparse files {@code <dir>/<name>.img}. A new volume is created at its full
 * size without allocating blocks, so a 1 TiB disk costs only what is written. An existing volume is
 * reused and overwritten in place: recreating it would throw away replicated data and, on this kind
 * of disk, halve write throughput.
 */
public final class LocalStagingVolumes implements StagingVolumes {
  private static final String SUFFIX = ".img";

  private final Path dir;

  public LocalStagingVolumes(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  public Path directory() {
    return dir;
  }

  private Path pathOf(String name) {
    if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
      throw new IllegalArgumentException("invalid staging volume name '" + name + "'");
    }
    return dir.resolve(name + SUFFIX);
  }

  @Override
  public synchronized StagingVolume provision(String name, long sizeBytes) throws IOException {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("volume size must be positive, was " + sizeBytes);
    }
    Path p = pathOf(name);
    if (Files.exists(p)) {
      long existing = Files.size(p);
      if (existing != sizeBytes) {
        throw new VolumeSizeMismatchException(name, existing, sizeBytes);
      }
      return new StagingVolume(p.getFileName().toString(), name, sizeBytes, p, false);
    }
    // Created under a temporary name and renamed, so a crash never leaves a short volume behind.
    Path tmp = dir.resolve(name + SUFFIX + ".creating");
    try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw")) {
      f.setLength(sizeBytes);
      f.getFD().sync();
    }
    Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE);
    return new StagingVolume(p.getFileName().toString(), name, sizeBytes, p, true);
  }

  @Override
  public Optional<StagingVolume> find(String name) throws IOException {
    Path p = pathOf(name);
    if (!Files.exists(p)) {
      return Optional.empty();
    }
    return Optional.of(
        new StagingVolume(p.getFileName().toString(), name, Files.size(p), p, false));
  }

  @Override
  public List<StagingVolume> list() throws IOException {
    List<StagingVolume> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path p : ds) {
        String file = p.getFileName().toString();
        String name = file.substring(0, file.length() - SUFFIX.length());
        out.add(new StagingVolume(file, name, Files.size(p), p, false));
      }
    }
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  @Override
  public void delete(String name) throws IOException {
    Files.deleteIfExists(pathOf(name));
  }
}
