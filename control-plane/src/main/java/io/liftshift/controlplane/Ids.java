package io.liftshift.controlplane;

import java.security.SecureRandom;

/** Resource ids in MGN's formats, and the API's timestamps (ISO-8601, whole seconds). */
final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz";

  private Ids() {}

  /** A new id with {@code prefix}: source servers ({@code s-}) take hex digits, as in MGN. */
  static String newId(String prefix) {
    String chars = prefix.equals("s-") ? "0123456789abcdef" : ID_CHARS;
    StringBuilder b = new StringBuilder(prefix);
    for (int i = 0; i < 17; i++) {
      b.append(chars.charAt(RANDOM.nextInt(chars.length())));
    }
    return b.toString();
  }

  /** A new 12-digit account id. */
  static String newAccountId() {
    StringBuilder account = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      account.append(RANDOM.nextInt(10));
    }
    return account.toString();
  }

  static String now() {
    return java.time.format.DateTimeFormatter.ISO_INSTANT.format(
        java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
  }
}
