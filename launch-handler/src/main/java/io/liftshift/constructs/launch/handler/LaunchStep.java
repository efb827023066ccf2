package io.liftshift.constructs.launch.handler;

import java.util.Locale;

/**
 * The migration step a launch performs, as the handler reads it from the {@code Launch} property.
 */
public enum LaunchStep {
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
  public static LaunchStep parse(String value) {
    if (value != null) {
      for (LaunchStep k : values()) {
        if (k.propertyValue().equals(value.trim().toLowerCase(Locale.ROOT))) {
          return k;
        }
      }
    }
    throw new IllegalArgumentException(
        "Launch must be one of test, cutover or finalize; got " + value);
  }
}
