package io.liftshift.trust;

/**
 * How a daemon's TLS connections are secured: the installation CA it pins and the TLS 1.3 suite it
 * offers (one of {@link TlsPolicy#ALLOWED_CIPHER_SUITES}). The agent's and the replicator's options
 * both hold one, so that the two are kept and checked in one place rather than in each daemon.
 *
 * @param caFingerprint the installation CA to pin, or null while not yet known
 * @param cipherSuite the suite, checked against the policy
 */
public record TlsSettings(CaFingerprint caFingerprint, String cipherSuite) {
  /** No CA pinned yet, and the policy's default suite. */
  public static final TlsSettings DEFAULT = new TlsSettings(null, TlsPolicy.DEFAULT_CIPHER_SUITE);

  public TlsSettings {
    TlsPolicy.cipherSuites(cipherSuite);
  }

  public TlsSettings withCaFingerprint(CaFingerprint pin) {
    return new TlsSettings(pin, cipherSuite);
  }

  /**
   * @throws IllegalArgumentException for a suite the policy does not allow
   */
  public TlsSettings withCipherSuite(String suite) {
    return new TlsSettings(caFingerprint, suite);
  }
}
