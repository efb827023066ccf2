package io.liftshift.converter.plan;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One change of a conversion plan. Paths are inside the guest's root filesystem (absolute, as the
 * guest sees them). {@code why} says what the change is for, in the report's words.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "action")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ConversionStep.EditFile.class, name = "edit"),
  @JsonSubTypes.Type(value = ConversionStep.WriteFile.class, name = "write"),
  @JsonSubTypes.Type(value = ConversionStep.RemoveFile.class, name = "remove"),
  @JsonSubTypes.Type(value = ConversionStep.RemoveTree.class, name = "remove-tree"),
  @JsonSubTypes.Type(value = ConversionStep.Symlink.class, name = "symlink"),
  @JsonSubTypes.Type(value = ConversionStep.RunInChroot.class, name = "chroot"),
  @JsonSubTypes.Type(value = ConversionStep.Skip.class, name = "skip"),
  @JsonSubTypes.Type(value = ConversionStep.SetRegistryValues.class, name = "registry"),
  @JsonSubTypes.Type(value = ConversionStep.CopyFile.class, name = "copy")
})
public sealed interface ConversionStep {
  /** What the step belongs to: fstab, bootloader, initramfs, network, ... */
  String area();

  String why();

  /** Replaces a file's content; applying checks it still reads {@code before}. */
  record EditFile(String area, String path, String before, String after, String why)
      implements ConversionStep {}

  /** Creates (or replaces) a file with {@code mode} (octal, like "0755"). */
  record WriteFile(String area, String path, String content, String mode, String why)
      implements ConversionStep {}

  /** Removes a file or symlink; {@code before} is what it held (a link's target). */
  record RemoveFile(String area, String path, String before, String why)
      implements ConversionStep {}

  /**
   * Removes a directory and everything under it, symlinks removed as links and never followed out
   * of the tree; nothing to do when it is already gone.
   */
  record RemoveTree(String area, String path, String why) implements ConversionStep {}

  /** Creates a symlink (how systemd units are enabled without running systemctl). */
  record Symlink(String area, String path, String target, String why) implements ConversionStep {}

  /** Runs the guest's own tool inside its root (update-initramfs, dracut). */
  record RunInChroot(String area, List<String> command, String why) implements ConversionStep {
    public RunInChroot {
      command = List.copyOf(command);
    }
  }

  /** Something looked at and deliberately left alone. */
  record Skip(String area, String what, String why) implements ConversionStep {}

  /**
   * Creates a Windows registry key (and its parents) in an offline hive and sets these values; the
   * key's other values stay. {@code before} holds what the values were (absent ones left out).
   *
   * @param hive SYSTEM or SOFTWARE (under Windows\System32\config)
   * @param key the key's path inside the hive, backslash-separated, without the hive's name
   */
  record SetRegistryValues(
      String area,
      String hive,
      String key,
      Map<String, RegistryValue> values,
      Map<String, RegistryValue> before,
      String why)
      implements ConversionStep {
    public SetRegistryValues {
      values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
      before = Collections.unmodifiableMap(new LinkedHashMap<>(before));
    }
  }

  /**
   * Copies a file from this conversion server into the guest; applying checks the source still has
   * the planned SHA-256 and re-reads the copy.
   */
  record CopyFile(String area, String path, String source, String sha256, String why)
      implements ConversionStep {}

  /** The edit, or a skip when the file already reads as the target needs it. */
  static ConversionStep editOrSkip(
      String area, String path, String before, String after, String why) {
    return before.equals(after)
        ? new Skip(area, path, "already as the target needs it")
        : new EditFile(area, path, before, after, why);
  }
}
