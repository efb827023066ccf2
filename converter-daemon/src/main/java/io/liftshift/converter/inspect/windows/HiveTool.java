package io.liftshift.converter.inspect.windows;

import io.liftshift.converter.inspect.Commands;
import io.liftshift.converter.plan.RegistryValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Offline registry hives read and written with Debian's hive tools (libhivex-bin's {@code hivexsh},
 * libwin-hivex-perl's {@code hivexregedit}): no registry format is parsed or written here, only the
 * tools' text forms.
 */
public final class HiveTool {
  /** Longest one hive tool call may take (a merge into a large SOFTWARE hive). */
  public static final long DEFAULT_TIMEOUT_SECONDS = 300;

  private HiveTool() {}

  /**
   * Checks that the hive opens and its root can be listed; a damaged hive fails here with the
   * tool's words, before anything is planned.
   */
  public static void check(Path hive, String name) throws IOException {
    try {
      shell(hive, List.of("ls"));
    } catch (IOException e) {
      throw new IOException(
          "the " + name + " hive (" + hive + ") cannot be read: " + firstLine(e.getMessage()), e);
    }
  }

  /** The values of a key, or empty when the key does not exist. */
  public static Optional<Map<String, RegistryValue>> values(Path hive, String key)
      throws IOException {
    Optional<String> out = inKey(hive, key, "lsval");
    if (out.isEmpty()) {
      return Optional.empty();
    }
    Map<String, RegistryValue> values = new LinkedHashMap<>();
    for (String line : out.get().split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String name;
      String data;
      if (line.startsWith("@=")) {
        name = "";
        data = line.substring(2);
      } else {
        int end = closingQuote(line);
        name = line.substring(1, end).replace("\\\"", "\"").replace("\\\\", "\\");
        data = line.substring(end + 2);
        if (name.equals("@")) {
          name = ""; // hivexsh prints the default value as "@"
        }
      }
      values.put(name, RegistryValue.fromReg(data));
    }
    return Optional.of(values);
  }

  /** The names of a key's subkeys, or empty when the key does not exist. */
  public static Optional<List<String>> subkeys(Path hive, String key) throws IOException {
    Optional<String> out = inKey(hive, key, "ls");
    return out.map(o -> o.lines().filter(l -> !l.isBlank()).toList());
  }

  /** One value, or empty when it or its key does not exist (names match case-insensitively). */
  public static Optional<RegistryValue> value(Path hive, String key, String name)
      throws IOException {
    return values(hive, key)
        .flatMap(
            v ->
                v.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue)
                    .findFirst());
  }

  /**
   * Merges a {@code .reg} file (keys under {@code HKEY_LOCAL_MACHINE\<hiveName>}) into the hive
   * file in place: keys are created, listed values set, other values kept.
   */
  public static void merge(Path hive, String hiveName, Path regFile) throws IOException {
    Commands.run(
        DEFAULT_TIMEOUT_SECONDS,
        "hivexregedit",
        "--merge",
        "--prefix",
        "HKEY_LOCAL_MACHINE\\" + hiveName,
        hive.toString(),
        regFile.toString());
  }

  private static Optional<String> inKey(Path hive, String key, String command) throws IOException {
    try {
      return Optional.of(shell(hive, List.of("cd \\" + key, command)));
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().contains("not found")) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private static String shell(Path hive, List<String> commands) throws IOException {
    Path script = Files.createTempFile("liftshift-hivexsh", ".txt");
    try {
      Files.writeString(script, String.join("\n", commands) + "\n", StandardCharsets.UTF_8);
      return Commands.run(
          DEFAULT_TIMEOUT_SECONDS, "hivexsh", "-f", script.toString(), hive.toString());
    } finally {
      Files.deleteIfExists(script);
    }
  }

  private static int closingQuote(String line) {
    for (int i = 1; i < line.length(); i++) {
      if (line.charAt(i) == '\\') {
        i++;
      } else if (line.charAt(i) == '"') {
        return i;
      }
    }
    throw new IllegalArgumentException("not a hivexsh value line: " + line);
  }

  private static String firstLine(String s) {
    String t = String.valueOf(s).strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }
}
