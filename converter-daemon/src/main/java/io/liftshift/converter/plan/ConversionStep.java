package io.liftshift.converter.plan;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * One change of a conversion plan. Paths are inside the guest's root filesystem (absolute, as the
 * guest sees them). {@code why} says what the change is for, in the report's words.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "action")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ConversionStep.EditFile.class, name = "edit"),
  @JsonSubTypes.Type(value = ConversionStep.WriteFile.class, name = "write"),
  @JsonSubTypes.Type(value = ConversionStep.RemoveFile.class, name = "remove"),
  @JsonSubTypes.Type(value = ConversionStep.Symlink.class, name = "symlink"),
  @JsonSubTypes.Type(value = ConversionStep.RunInChroot.class, name = "chroot"),
  @JsonSubTypes.Type(value = ConversionStep.Skip.class, name = "skip")
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
}
