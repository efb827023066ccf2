package io.liftshift.trust;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * Trusts a server only when its certificate was signed by the one CA whose fingerprint is pinned
 * and was issued for the role the caller expects ({@code OU=control-plane} or {@code
 * OU=replicator}). The CA certificate comes from the server's own chain; the pin is what makes it
 * trustworthy. No system trust store is consulted, so a certificate from any public CA is refused.
 * The role keeps a replication server, whose certificate the same CA signs, from passing as the
 * control plane, and the control plane's certificate from passing as a replication server.
 */
public final class PinnedCaTrustManager implements X509TrustManager {
  private final CaFingerprint pin;
  private final ServerRole expected;

  public PinnedCaTrustManager(CaFingerprint pin, ServerRole expected) {
    this.pin = pin;
    this.expected = expected;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("the server sent no certificate");
    }
    X509Certificate ca = null;
    for (X509Certificate c : chain) {
      if (pin.matches(c)) {
        ca = c;
        break;
      }
    }
    if (ca == null) {
      throw new CertificateException(
          "the server's certificate was not issued by the pinned installation CA "
              + pin
              + " (the server presented a chain whose top is "
              + CaFingerprint.of(chain[chain.length - 1])
              + ")");
    }
    if (ca.getBasicConstraints() < 0) {
      throw new CertificateException("the pinned certificate is not a CA certificate");
    }
    X509Certificate leaf = chain[0];
    try {
      leaf.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new CertificateException(
          "the server's certificate is not signed by the pinned installation CA " + pin, e);
    }
    ca.checkValidity();
    leaf.checkValidity();
    List<String> eku = leaf.getExtendedKeyUsage();
    if (eku != null && !eku.contains("1.3.6.1.5.5.7.3.1")) {
      throw new CertificateException("the server's certificate is not for TLS servers");
    }
    String unit = unit(leaf);
    if (!expected.unit().equals(unit)) {
      throw new CertificateException(
          "the server's certificate is for "
              + (unit == null ? "no role" : "OU=" + unit)
              + ", not OU="
              + expected.unit()
              + ": this address is not the "
              + expected.unit()
              + " it was expected to be");
    }
  }

  /** The subject's one OU, or null when it has none or several. */
  private static String unit(X509Certificate leaf) {
    RDN[] units =
        X500Name.getInstance(leaf.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.OU);
    return units.length == 1 && !units[0].isMultiValued()
        ? IETFUtils.valueToString(units[0].getFirst().getValue())
        : null;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("client certificates are not used: agents present a token");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
