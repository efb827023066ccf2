package io.liftshift.converter.plan;

import java.util.List;

/**
 * What the converter will do to one guest, in order: the facts it was planned from, then the steps.
 * Data only: {@code --dry-run} prints it, the applier carries it out.
 */
public record ConversionPlan(GuestFacts guest, List<ConversionStep> steps) {
  public ConversionPlan {
    steps = List.copyOf(steps);
  }

  /** The steps that change something (not the skips). */
  public List<ConversionStep> changes() {
    return steps.stream().filter(s -> !(s instanceof ConversionStep.Skip)).toList();
  }

  /** A readable listing, one line per step (the JSON form carries the full before and after). */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append("guest: ")
        .append(guest.prettyName())
        .append(" (")
        .append(guest.family())
        .append("), root ")
        .append(guest.rootDevice())
        .append(", boot loader ")
        .append(guest.bootLoader())
        .append(", initramfs ")
        .append(guest.initramfsTool())
        .append(", network ")
        .append(guest.networkStacks())
        .append('\n');
    int i = 1;
    for (ConversionStep s : steps) {
      b.append(String.format("%2d. %-10s ", i++, s.area()));
      if (s instanceof ConversionStep.EditFile e) {
        b.append("edit    ").append(e.path());
      } else if (s instanceof ConversionStep.WriteFile w) {
        b.append("write   ").append(w.path());
      } else if (s instanceof ConversionStep.RemoveFile r) {
        b.append("remove  ").append(r.path());
      } else if (s instanceof ConversionStep.RemoveTree t) {
        b.append("remove  ").append(t.path()).append("/ (tree)");
      } else if (s instanceof ConversionStep.Symlink l) {
        b.append("symlink ").append(l.path()).append(" -> ").append(l.target());
      } else if (s instanceof ConversionStep.RunInChroot c) {
        b.append("chroot  ").append(String.join(" ", c.command()));
      } else if (s instanceof ConversionStep.SetRegistryValues r) {
        b.append("registry ").append(r.hive()).append('\\').append(r.key()).append(' ');
        r.values()
            .forEach((n, v) -> b.append(n.isEmpty() ? "@" : n).append('=').append(v).append("; "));
      } else if (s instanceof ConversionStep.CopyFile c) {
        b.append("copy    ").append(c.source()).append(" -> ").append(c.path());
      } else if (s instanceof ConversionStep.Skip k) {
        b.append("skip    ").append(k.what());
      }
      b.append("  # ").append(s.why()).append('\n');
    }
    return b.toString();
  }
}
