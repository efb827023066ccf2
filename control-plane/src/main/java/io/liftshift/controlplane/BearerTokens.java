package io.liftshift.controlplane;

import io.liftshift.controlplane.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The private API's bearer tokens (install, agent, replicator and conversion job tokens): only
 * their SHA-256 is ever stored, and a presented token is compared with it in constant time.
 */
final class BearerTokens {
  private BearerTokens() {}

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code token} is the one whose digest was stored; false for no token. */
  static boolean matches(String token, String storedSha256) {
    return token != null
        && MessageDigest.isEqual(
            sha256(token).getBytes(StandardCharsets.US_ASCII),
            storedSha256.getBytes(StandardCharsets.US_ASCII));
  }

  static ApiException unauthorized(String message) {
    return new ApiException("AccessDeniedException", 401, message);
  }
}
