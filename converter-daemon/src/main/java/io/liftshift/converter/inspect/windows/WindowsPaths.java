package io.liftshift.converter.inspect.windows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Windows paths on an NTFS volume mounted with ntfs-3g, which matches names case-sensitively while
 * Windows does not ({@code system32} and {@code System32} are the same directory to Windows).
 */
public final class WindowsPaths {
  private WindowsPaths() {}

  /** The existing file or directory whose path matches {@code path} ignoring case. */
  public static Optional<Path> find(Path root, String path) throws IOException {
    Path current = root;
    for (String part : path.split("[/\\\\]")) {
      if (part.isEmpty()) {
        continue;
      }
      Path exact = current.resolve(part);
      if (Files.exists(exact)) {
        current = exact;
        continue;
      }
      if (!Files.isDirectory(current)) {
        return Optional.empty();
      }
      try (Stream<Path> s = Files.list(current)) {
        Optional<Path> match =
            s.filter(p -> p.getFileName().toString().equalsIgnoreCase(part)).findFirst();
        if (match.isEmpty()) {
          return Optional.empty();
        }
        current = match.get();
      }
    }
    return Optional.of(current);
  }

  /**
   * Where {@code path} is, or would be: its existing directories as they are spelled on the volume,
   * the rest as given.
   */
  public static Path resolve(Path root, String path) throws IOException {
    Path current = root;
    boolean existing = true;
    for (String part : path.split("[/\\\\]")) {
      if (part.isEmpty()) {
        continue;
      }
      if (existing) {
        Optional<Path> match = find(current, part);
        if (match.isPresent()) {
          current = match.get();
          continue;
        }
        existing = false;
      }
      current = current.resolve(part);
    }
    return current;
  }
}
