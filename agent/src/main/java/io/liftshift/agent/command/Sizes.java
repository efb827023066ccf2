package io.liftshift.agent.command;

import java.util.Locale;

/** Human-readable sizes and durations for terminal output. */
public final class Sizes {
  private Sizes() {}

  public static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = b;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  public static String seconds(long s) {
    if (s < 0) {
      return "?";
    }
    return s >= 3600
        ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s / 60) % 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
