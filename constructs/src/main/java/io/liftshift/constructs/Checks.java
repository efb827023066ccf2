package io.liftshift.constructs;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import software.amazon.awscdk.Token;
import software.amazon.awscdk.services.ec2.InstanceType;

/** Prop checks shared by the constructs; each failure says what to change. */
final class Checks {
  private static final Pattern INSTANCE_TYPE =
      Pattern.compile(
          "[a-z]+[0-9]+[a-z0-9-]*\\.(nano|micro|small|medium|large|[0-9]*xlarge|metal(-[0-9]+xl)?)");
  private static final Pattern INSTALLATION = Pattern.compile("[a-z0-9][a-z0-9-]{0,30}");

  private Checks() {}

  static <T> T required(T value, String construct, String prop) {
    if (value == null) {
      throw new IllegalArgumentException(construct + ": " + prop + " is required");
    }
    return value;
  }

  /** The name of {@code value}, checked as {@link #instanceType(String, String, String)} does. */
  static String instanceType(InstanceType value, String construct, String prop) {
    return value == null ? null : instanceType(value.toString(), construct, prop);
  }

  /** EC2 instance types are FAMILY.SIZE, such as t3.small, m5.2xlarge or c6i.metal. */
  static String instanceType(String value, String construct, String prop) {
    if (value == null || Token.isUnresolved(value)) {
      return value;
    }
    if (!INSTANCE_TYPE.matcher(value).matches()) {
      throw new IllegalArgumentException(
          construct
              + ": "
              + prop
              + " '"
              + value
              + "' is not an EC2 instance type: write FAMILY.SIZE in lower case, such as t3.small"
              + " or m5.large");
    }
    return value;
  }

  static boolean burstable(String instanceType) {
    return instanceType.toLowerCase(Locale.ROOT).matches("t[0-9].*");
  }

  static String installation(String value) {
    if (!INSTALLATION.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "StagingArea: installation '"
              + value
              + "' must be 1 to 31 lower-case letters, digits or dashes (it becomes a tag value and"
              + " a name prefix)");
    }
    return value;
  }

  static void capacity(int min, int max, String construct) {
    if (min < 0) {
      throw new IllegalArgumentException(construct + ": minCapacity must be 0 or more; got " + min);
    }
    if (max < min) {
      throw new IllegalArgumentException(
          construct
              + ": maxCapacity ("
              + max
              + ") is less than minCapacity ("
              + min
              + "): raise maxCapacity or lower minCapacity");
    }
  }

  static void positive(int value, String construct, String prop) {
    if (value <= 0) {
      throw new IllegalArgumentException(
          construct + ": " + prop + " must be positive; got " + value);
    }
  }

  static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
