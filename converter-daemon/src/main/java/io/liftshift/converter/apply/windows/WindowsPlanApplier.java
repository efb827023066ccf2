package io.liftshift.converter.apply.windows;

import io.liftshift.converter.apply.ConversionReport;
import io.liftshift.converter.apply.ConversionReport.StepOutcome;
import io.liftshift.converter.inspect.windows.DriverPackages;
import io.liftshift.converter.inspect.windows.HiveTool;
import io.liftshift.converter.inspect.windows.WindowsPaths;
import io.liftshift.converter.plan.ConversionPlan;
import io.liftshift.converter.plan.ConversionStep;
import io.liftshift.converter.plan.ConversionStep.CopyFile;
import io.liftshift.converter.plan.ConversionStep.SetRegistryValues;
import io.liftshift.converter.plan.ConversionStep.WriteFile;
import io.liftshift.converter.plan.RegistryValue;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Carries out a Windows plan with the hive tools on copies of the hives: every step is first
 * compared with what the volume holds (UNCHANGED when it is already so, which makes a second
 * conversion change nothing), the changes are merged into the copies with {@code hivexregedit
 * --merge} and every planned value re-read from them; only then is the volume mounted read-write,
 * the files copied (and re-read by SHA-256) and the hives swapped in by rename, and the hives
 * re-read once more from the volume. A failure before the swap leaves the hives as they were.
 */
public final class WindowsPlanApplier {
  /** Where the system hives are, on the volume. */
  public static final List<String> HIVES = List.of("SYSTEM", "SOFTWARE");

  /** Mounts the system volume read-write (it is read-only until there is something to write). */
  public interface Volume {
    Path readOnlyRoot();

    Path remountReadWrite() throws IOException;
  }

  private final Volume volume;
  private final Path workDir;

  public WindowsPlanApplier(Volume volume, Path workDir) {
    this.volume = volume;
    this.workDir = workDir;
  }

  /**
   * Applies the plan, or with {@code dryRun} only says, per step, whether it would change the
   * volume (PLANNED) or finds it so already (UNCHANGED).
   */
  public ConversionReport apply(ConversionPlan plan, boolean dryRun) {
    long start = System.currentTimeMillis();
    List<StepOutcome> out = new ArrayList<>();
    try {
      Path ro = volume.readOnlyRoot();
      Map<String, Path> copies = new LinkedHashMap<>();
      for (String hive : HIVES) {
        Path copy = workDir.resolve(hive + ".liftshift-copy");
        Files.copy(hivePath(ro, hive), copy, StandardCopyOption.REPLACE_EXISTING);
        HiveTool.check(copy, hive);
        copies.put(hive, copy);
      }
      List<ConversionStep> changes = new ArrayList<>();
      List<ConversionStep> evaluated = new ArrayList<>();
      for (ConversionStep s : plan.steps()) {
        ConversionStep now = evaluate(ro, copies, s);
        evaluated.add(now);
        if (now != null && !(s instanceof ConversionStep.Skip)) {
          changes.add(now);
        }
      }
      if (dryRun || changes.isEmpty()) {
        for (int i = 0; i < plan.steps().size(); i++) {
          ConversionStep s = plan.steps().get(i);
          ConversionStep now = evaluated.get(i);
          String outcome =
              s instanceof ConversionStep.Skip
                  ? "SKIPPED"
                  : now == null ? "UNCHANGED" : dryRun ? "PLANNED" : "DONE";
          out.add(
              new StepOutcome(
                  now == null ? s : now,
                  outcome,
                  outcome.equals("UNCHANGED") ? "already so on the volume" : s.why(),
                  0));
        }
        return new ConversionReport(
            dryRun ? "PLANNED" : "SUCCEEDED",
            "",
            plan.guest(),
            out,
            System.currentTimeMillis() - start);
      }
      // Every registry change into the copies, and re-read, before the volume is written.
      Map<String, String> regText = new LinkedHashMap<>();
      for (String hive : HIVES) {
        List<SetRegistryValues> keys =
            changes.stream()
                .filter(c -> c instanceof SetRegistryValues r && r.hive().equals(hive))
                .map(c -> (SetRegistryValues) c)
                .toList();
        if (keys.isEmpty()) {
          continue;
        }
        String reg = RegFile.render(hive, keys, copies.get(hive));
        Path regFile = workDir.resolve(hive + ".liftshift.reg");
        Files.writeString(regFile, reg, StandardCharsets.UTF_8);
        HiveTool.merge(copies.get(hive), hive, regFile);
        HiveTool.check(copies.get(hive), hive + " (merged copy)");
        for (SetRegistryValues k : keys) {
          verify(copies.get(hive), k, "the merged copy");
        }
        regText.put(hive, reg);
      }
      Path rw = volume.remountReadWrite();
      for (ConversionStep c : changes) {
        if (c instanceof CopyFile f) {
          copy(rw, f);
        } else if (c instanceof WriteFile w) {
          Path p = WindowsPaths.resolve(rw, w.path());
          Files.createDirectories(p.getParent());
          Files.writeString(p, w.content(), StandardCharsets.ISO_8859_1);
          if (!Files.readString(p, StandardCharsets.ISO_8859_1).equals(w.content())) {
            throw new IOException(w.path() + " does not read back as written");
          }
        }
      }
      for (String hive : regText.keySet()) {
        swapIn(copies.get(hive), hivePath(rw, hive));
      }
      for (ConversionStep c : changes) {
        if (c instanceof SetRegistryValues r) {
          verify(hivePath(rw, r.hive()), r, "the volume");
        }
      }
      for (int i = 0; i < plan.steps().size(); i++) {
        ConversionStep s = plan.steps().get(i);
        ConversionStep now = evaluated.get(i);
        String outcome =
            s instanceof ConversionStep.Skip ? "SKIPPED" : now == null ? "UNCHANGED" : "DONE";
        String detail =
            switch (outcome) {
              case "UNCHANGED" -> "already so on the volume";
              case "SKIPPED" -> s.why();
              default ->
                  s instanceof SetRegistryValues
                      ? "merged with hivexregedit, re-read from the volume's hive"
                      : "written, re-read (SHA-256)";
            };
        out.add(new StepOutcome(now == null ? s : now, outcome, detail, 0));
      }
      return new ConversionReport(
          "SUCCEEDED", "", plan.guest(), out, System.currentTimeMillis() - start);
    } catch (IOException | RuntimeException e) {
      return new ConversionReport(
          "FAILED",
          "windows: " + e.getMessage(),
          plan.guest(),
          out,
          System.currentTimeMillis() - start);
    }
  }

  /** The step as it would change the volume (registry steps with their before), or null. */
  private static ConversionStep evaluate(Path root, Map<String, Path> hives, ConversionStep s)
      throws IOException {
    if (s instanceof SetRegistryValues r) {
      Map<String, RegistryValue> current =
          HiveTool.values(hives.get(r.hive()), r.key()).orElse(Map.of());
      Map<String, RegistryValue> before = new LinkedHashMap<>();
      boolean same = true;
      for (var e : r.values().entrySet()) {
        Optional<RegistryValue> now = lookup(current, e.getKey());
        now.ifPresent(v -> before.put(e.getKey(), v));
        same &= now.isPresent() && now.get().equals(e.getValue());
      }
      return same
          ? null
          : new SetRegistryValues(r.area(), r.hive(), r.key(), r.values(), before, r.why());
    }
    if (s instanceof CopyFile f) {
      String source = DriverPackages.sha256(Path.of(f.source()));
      if (!source.equals(f.sha256())) {
        throw new IOException(
            f.source() + " changed since the plan was made (SHA-256 " + source + ")");
      }
      Optional<Path> dest = WindowsPaths.find(root, f.path());
      return dest.isPresent()
              && Files.isRegularFile(dest.get())
              && DriverPackages.sha256(dest.get()).equals(f.sha256())
          ? null
          : s;
    }
    if (s instanceof WriteFile w) {
      Optional<Path> dest = WindowsPaths.find(root, w.path());
      return dest.isPresent()
              && Files.isRegularFile(dest.get())
              && Files.readString(dest.get(), StandardCharsets.ISO_8859_1).equals(w.content())
          ? null
          : s;
    }
    return s;
  }

  private static Optional<RegistryValue> lookup(Map<String, RegistryValue> values, String name) {
    return values.entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(name))
        .map(Map.Entry::getValue)
        .findFirst();
  }

  private static void verify(Path hive, SetRegistryValues r, String where) throws IOException {
    Map<String, RegistryValue> now =
        HiveTool.values(hive, r.key())
            .orElseThrow(() -> new IOException(r.hive() + "\\" + r.key() + " is not in " + where));
    for (var e : r.values().entrySet()) {
      Optional<RegistryValue> v = lookup(now, e.getKey());
      if (v.isEmpty() || !v.get().equals(e.getValue())) {
        throw new IOException(
            r.hive()
                + "\\"
                + r.key()
                + " "
                + e.getKey()
                + " reads "
                + v.orElse(null)
                + " in "
                + where
                + ", not the planned "
                + e.getValue());
      }
    }
  }

  private static void copy(Path root, CopyFile f) throws IOException {
    Path dest = WindowsPaths.resolve(root, f.path());
    Files.createDirectories(dest.getParent());
    Path tmp = dest.resolveSibling(dest.getFileName() + ".liftshift-tmp");
    Files.copy(Path.of(f.source()), tmp, StandardCopyOption.REPLACE_EXISTING);
    force(tmp);
    Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    if (!DriverPackages.sha256(dest).equals(f.sha256())) {
      throw new IOException(f.path() + " does not read back with SHA-256 " + f.sha256());
    }
  }

  /** The merged copy next to the hive, checked, then renamed over it. */
  private static void swapIn(Path copy, Path hive) throws IOException {
    Path tmp = hive.resolveSibling(hive.getFileName() + ".liftshift-new");
    Files.copy(copy, tmp, StandardCopyOption.REPLACE_EXISTING);
    force(tmp);
    if (!DriverPackages.sha256(tmp).equals(DriverPackages.sha256(copy))) {
      throw new IOException(tmp + " does not read back as the merged hive");
    }
    Files.move(tmp, hive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void force(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  static Path hivePath(Path root, String hive) throws IOException {
    return WindowsPaths.find(root, "Windows/System32/config/" + hive)
        .orElseThrow(() -> new IOException("Windows/System32/config/" + hive + " is missing"));
  }

  /** The keys written, for {@link RegFile}: a key's missing parents come first. */
  static Set<String> withParents(List<SetRegistryValues> keys) {
    Set<String> out = new LinkedHashSet<>();
    for (SetRegistryValues k : keys) {
      String[] parts = k.key().split("\\\\");
      StringBuilder b = new StringBuilder();
      for (String p : parts) {
        b.append(b.length() == 0 ? "" : "\\").append(p);
        out.add(b.toString());
      }
    }
    return out;
  }
}
