package io.liftshift.controlplane;

import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Install tokens: issued for one role, kept only as SHA-256 digests, and checked against the role
 * of the endpoint they are shown to.
 */
final class InstallTokens {
  private static final SecureRandom RANDOM = new SecureRandom();

  private InstallTokens() {}

  /** Issues a token for {@code role}; the token itself is shown once and never stored. */
  static String create(ControlPlaneStore db, InstallTokenRole role) throws StoreException {
    byte[] b = new byte[24];
    RANDOM.nextBytes(b);
    String token = "lsit-" + HexFormat.of().formatHex(b);
    db.transaction(
        c -> {
          c.insertInstallToken(BearerTokens.sha256(token), role.name(), System.currentTimeMillis());
          return null;
        });
    return token;
  }

  /**
   * Revokes {@code token}: from now on it admits no one. Registrations made with it stand (agents
   * and replication servers hold their own credentials). False when it is no install token here.
   */
  static boolean revoke(ControlPlaneStore db, String token) throws StoreException {
    return db.transaction(c -> c.revokeInstallToken(BearerTokens.sha256(token.strip())));
  }

  /**
   * Admits {@code token} only if it is a live install token made for {@code needed}; otherwise a
   * 401 that says what the token admits and which command makes the one needed.
   */
  static void check(StoreTransaction c, String token, InstallTokenRole needed)
      throws StoreException, ApiException {
    if (token == null) {
      throw BearerTokens.unauthorized(
          "registration needs an install token (Authorization: Bearer ...) made with "
              + needed.command());
    }
    Optional<String> stored = c.activeInstallTokenRole(BearerTokens.sha256(token));
    if (stored.isEmpty()) {
      throw BearerTokens.unauthorized("the install token is not valid");
    }
    InstallTokenRole role = role(stored.get());
    if (role != needed) {
      throw BearerTokens.unauthorized(
          "this install token admits "
              + role.described()
              + "; "
              + needed.described()
              + " need one made with "
              + needed.command());
    }
  }

  /** A stored role this version does not know means a newer liftshift wrote it: never guess. */
  private static InstallTokenRole role(String stored) {
    for (InstallTokenRole r : InstallTokenRole.values()) {
      if (r.name().equals(stored)) {
        return r;
      }
    }
    throw new IllegalStateException(
        "an install token has role '"
            + stored
            + "', which this liftshift does not know; upgrade liftshift");
  }
}
