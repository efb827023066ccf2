package io.liftshift.constructs;

import java.util.Locale;

/**
 * The migration step a {@link MigrationLaunch} performs, as written in the custom resource's {@code
 * Launch} property.
 */
public enum LaunchKind {
  /** StartTest: launch test instances from the latest snapshots. */
  TEST,
  /** StartCutover: launch the cutover instances. */
  CUTOVER,
  /** FinalizeCutover: the servers are migrated; replication stops. No job is involved. */
  FINALIZE;

  /**
   * The value of the {@code Launch} property: {@code test}, {@code cutover} or {@code finalize}.
   */
  public String propertyValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a {@code Launch} property value.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static LaunchKind parse(String value) {
    if (value != null) {
      for (LaunchKind k : values()) {
        if (k.propertyValue().equals(value.trim().toLowerCase(Locale.ROOT))) {
          return k;
        }
      }
    }
    throw new IllegalArgumentException(
        "Launch must be one of test, cutover or finalize; got " + value);
  }
}
