package io.liftshift.converter.plan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The guest's files under its root, resolved as the guest would resolve them: an absolute symlink
 * inside the guest ({@code /lib -> /usr/lib}) points into the guest's root, never at this
 * machine's.
 */
public final class GuestFiles {
  private static final int MAX_LINKS = 40;
  private final Path root;

  public GuestFiles(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  /** Where a guest path is on this machine, symlinks followed inside the guest. */
  public Path resolve(String guestPath) throws IOException {
    Path current = root;
    List<String> todo = new ArrayList<>(List.of(guestPath.split("/")));
    int links = 0;
    while (!todo.isEmpty()) {
      String part = todo.remove(0);
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        current = current.equals(root) ? root : current.getParent();
        continue;
      }
      Path next = current.resolve(part);
      if (Files.isSymbolicLink(next)) {
        if (++links > MAX_LINKS) {
          throw new IOException("too many symlinks resolving " + guestPath + " in the guest");
        }
        String target = Files.readSymbolicLink(next).toString();
        List<String> rest = new ArrayList<>(List.of(target.split("/")));
        rest.addAll(todo);
        todo = rest;
        if (target.startsWith("/")) {
          current = root;
        }
        continue;
      }
      current = next;
    }
    return current;
  }

  public boolean exists(String guestPath) throws IOException {
    return Files.exists(resolve(guestPath), LinkOption.NOFOLLOW_LINKS);
  }

  public Optional<String> read(String guestPath) throws IOException {
    Path p = resolve(guestPath);
    return Files.isRegularFile(p)
        ? Optional.of(Files.readString(p, StandardCharsets.ISO_8859_1))
        : Optional.empty();
  }

  /** Entries of a guest directory, as guest paths, sorted; empty when it does not exist. */
  public List<String> list(String guestDir) throws IOException {
    Path d = resolve(guestDir);
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> guestDir.replaceAll("/$", "") + "/" + p.getFileName()).sorted().toList();
    }
  }

  /** A symlink's own target (not followed), or empty when it is not a symlink. */
  public Optional<String> linkTarget(String guestPath) throws IOException {
    int slash = guestPath.lastIndexOf('/');
    Path p =
        resolve(guestPath.substring(0, Math.max(slash, 0))).resolve(guestPath.substring(slash + 1));
    return Files.isSymbolicLink(p)
        ? Optional.of(Files.readSymbolicLink(p).toString())
        : Optional.empty();
  }
}
