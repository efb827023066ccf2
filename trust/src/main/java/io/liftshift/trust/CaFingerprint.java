package io.liftshift.trust;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The SHA-256 fingerprint of a CA certificate's DER encoding, written {@code sha256:<64 hex>}. An
 * agent given a fingerprint trusts only certificates issued by that exact CA.
 */
public record CaFingerprint(byte[] sha256) {
  private static final String PREFIX = "sha256:";

  public CaFingerprint {
    if (sha256.length != 32) {
      throw new IllegalArgumentException(
          "a SHA-256 fingerprint has 32 bytes, not " + sha256.length);
    }
    sha256 = sha256.clone();
  }

  public static CaFingerprint of(X509Certificate cert) {
    try {
      return new CaFingerprint(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException("cannot fingerprint certificate", e);
    }
  }

  /** Parses {@code sha256:HEX}, or bare hex with optional colons. */
  public static CaFingerprint parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith(PREFIX)) {
      t = t.substring(PREFIX.length());
    }
    t = t.replace(":", "");
    if (t.length() != 64) {
      throw new IllegalArgumentException(
          "CA fingerprint must be sha256: followed by 64 hex digits, got '" + text + "'");
    }
    try {
      return new CaFingerprint(HexFormat.of().parseHex(t));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("CA fingerprint '" + text + "' is not hex", e);
    }
  }

  public boolean matches(X509Certificate cert) {
    return MessageDigest.isEqual(sha256, of(cert).sha256);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CaFingerprint f && MessageDigest.isEqual(sha256, f.sha256);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(sha256);
  }

  @Override
  public String toString() {
    return PREFIX + HexFormat.of().formatHex(sha256);
  }
}
