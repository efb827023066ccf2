package io.liftshift.converter.apply.windows;

import io.liftshift.converter.inspect.windows.HiveTool;
import io.liftshift.converter.plan.ConversionStep.SetRegistryValues;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code .reg} file that {@code hivexregedit --merge} reads: {@code hivexregedit} creates a key
 * only below an existing one, so every missing parent gets its own (empty) section first.
 */
final class RegFile {
  private RegFile() {}

  static String render(String hiveName, List<SetRegistryValues> keys, Path hive)
      throws IOException {
    StringBuilder b = new StringBuilder("Windows Registry Editor Version 5.00\n\n");
    String prefix = "HKEY_LOCAL_MACHINE\\" + hiveName + "\\";
    for (String key : WindowsPlanApplier.withParents(keys)) {
      List<SetRegistryValues> values =
          keys.stream().filter(k -> k.key().equalsIgnoreCase(key)).toList();
      if (values.isEmpty() && HiveTool.subkeys(hive, key).isPresent()) {
        continue; // exists: nothing to create
      }
      b.append('[').append(prefix).append(key).append("]\n");
      for (SetRegistryValues v0 : values) {
        v0.values()
            .forEach(
                (name, v) ->
                    b.append(name.isEmpty() ? "@" : quote(name))
                        .append('=')
                        .append(v.toReg())
                        .append("\n"));
      }
      b.append("\n");
    }
    return b.toString();
  }

  private static String quote(String name) {
    return '"' + name.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
