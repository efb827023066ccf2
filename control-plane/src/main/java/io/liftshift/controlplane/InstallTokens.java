package io.liftshift.controlplane;

import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.Database;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;

/**
 * Install tokens: issued for one role, kept only as SHA-256 digests, and checked against the role
 * of the endpoint they are shown to.
 */
final class InstallTokens {
  private static final SecureRandom RANDOM = new SecureRandom();

  private InstallTokens() {}

  /** Issues a token for {@code role}; the token itself is shown once and never stored. */
  static String create(Database db, InstallTokenRole role) throws SQLException {
    byte[] b = new byte[24];
    RANDOM.nextBytes(b);
    String token = "lsit-" + HexFormat.of().formatHex(b);
    db.transaction(
        c -> {
          try (PreparedStatement p =
              c.prepareStatement(
                  "INSERT INTO install_tokens(token_sha256, created_at, role) VALUES (?,?,?)")) {
            p.setString(1, BearerTokens.sha256(token));
            p.setLong(2, System.currentTimeMillis());
            p.setString(3, role.name());
            p.executeUpdate();
          }
          return null;
        });
    return token;
  }

  /**
   * Revokes {@code token}: from now on it admits no one. Registrations made with it stand (agents
   * and replication servers hold their own credentials). False when it is no install token here.
   */
  static boolean revoke(Database db, String token) throws SQLException {
    return db.transaction(
        c -> {
          try (PreparedStatement p =
              c.prepareStatement("UPDATE install_tokens SET revoked=1 WHERE token_sha256=?")) {
            p.setString(1, BearerTokens.sha256(token.strip()));
            return p.executeUpdate() == 1;
          }
        });
  }

  /**
   * Admits {@code token} only if it is a live install token made for {@code needed}; otherwise a
   * 401 that says what the token admits and which command makes the one needed.
   */
  static void check(Connection c, String token, InstallTokenRole needed)
      throws SQLException, ApiException {
    if (token == null) {
      throw BearerTokens.unauthorized(
          "registration needs an install token (Authorization: Bearer ...) made with "
              + needed.command());
    }
    try (PreparedStatement p =
        c.prepareStatement("SELECT role FROM install_tokens WHERE token_sha256=? AND revoked=0")) {
      p.setString(1, BearerTokens.sha256(token));
      try (ResultSet rs = p.executeQuery()) {
        if (!rs.next()) {
          throw BearerTokens.unauthorized("the install token is not valid");
        }
        InstallTokenRole role = role(rs.getString(1));
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
