package io.liftshift.trust;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * A server's PKCS#10 certificate signing request and the names it wants in its certificate. A
 * server that holds no CA key (a replication server on AWS) sends one to the control plane; the
 * signature on it proves the server holds the private key of the public key to be certified.
 */
public final class ServerCertificateRequest {
  /** More names than any server has addresses for; a bound keeps a certificate small. */
  public static final int MAX_SUBJECT_ALT_NAMES = 20;

  private static final String PEM_TYPE = "CERTIFICATE REQUEST";
  private static final Pattern DNS_LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  private final PublicKey publicKey;
  private final List<String> subjectAltNames;

  private ServerCertificateRequest(PublicKey publicKey, List<String> subjectAltNames) {
    this.publicKey = publicKey;
    this.subjectAltNames = List.copyOf(subjectAltNames);
  }

  /** The PEM request a server sends: its public key, signed with its private key. */
  public static String pem(KeyPair pair, String commonName) {
    try {
      PKCS10CertificationRequest csr =
          new JcaPKCS10CertificationRequestBuilder(
                  new X500Name("CN=" + commonName + ", O=liftshift"), pair.getPublic())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
      return Pem.encode(PEM_TYPE, csr.getEncoded());
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot build a certificate request: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a PEM request and checks it: the signature must verify with the key it carries, and each
   * name must be a DNS name or an IP literal. Every refusal says what to fix.
   *
   * @throws IllegalArgumentException when the request or a name is refused
   */
  public static ServerCertificateRequest parse(String pem, List<String> subjectAltNames) {
    checkNames(subjectAltNames);
    PKCS10CertificationRequest csr = decode(pem);
    PublicKey key = ecPublicKey(csr);
    boolean signed;
    try {
      signed = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
    } catch (OperatorCreationException | PKCSException e) {
      throw new IllegalArgumentException(
          "certificateRequest: cannot verify its signature (" + e.getMessage() + ")", e);
    }
    if (!signed) {
      throw new IllegalArgumentException(
          "certificateRequest: the signature does not verify with the request's public key;"
              + " sign the request with the key to be certified");
    }
    return new ServerCertificateRequest(key, subjectAltNames);
  }

  /** Servers of liftshift use EC P-256 keys, as the CA does; nothing else is certified. */
  private static PublicKey ecPublicKey(PKCS10CertificationRequest csr) {
    try {
      return KeyFactory.getInstance("EC")
          .generatePublic(new X509EncodedKeySpec(csr.getSubjectPublicKeyInfo().getEncoded()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(
          "certificateRequest: the public key is not an EC key; make the key with EC P-256", e);
    }
  }

  private static PKCS10CertificationRequest decode(String pem) {
    String begin = "-----BEGIN " + PEM_TYPE + "-----";
    String end = "-----END " + PEM_TYPE + "-----";
    int a = pem == null ? -1 : pem.indexOf(begin);
    int b = a < 0 ? -1 : pem.indexOf(end, a);
    if (b < 0) {
      throw new IllegalArgumentException(
          "certificateRequest: not a PEM PKCS#10 request (expected " + begin + " ... " + end + ")");
    }
    try {
      byte[] der =
          Base64.getMimeDecoder()
              .decode(pem.substring(a + begin.length(), b).getBytes(StandardCharsets.US_ASCII));
      return new PKCS10CertificationRequest(der);
    } catch (IllegalArgumentException | IOException | ClassCastException e) {
      throw new IllegalArgumentException(
          "certificateRequest: the PEM block is not a readable PKCS#10 request", e);
    }
  }

  private static void checkNames(List<String> names) {
    if (names == null || names.isEmpty()) {
      throw new IllegalArgumentException(
          "subjectAltNames: give at least one DNS name or IP address agents use for the server");
    }
    if (names.size() > MAX_SUBJECT_ALT_NAMES) {
      throw new IllegalArgumentException(
          "subjectAltNames: at most " + MAX_SUBJECT_ALT_NAMES + " names, got " + names.size());
    }
    for (String n : names) {
      if (!isIpLiteral(n) && !isDnsName(n)) {
        throw new IllegalArgumentException(
            "subjectAltNames: '"
                + n
                + "' is neither a DNS name (letters, digits, hyphens, dots) nor an IP address");
      }
    }
  }

  static boolean isIpLiteral(String s) {
    return s != null && IPAddress.isValid(s);
  }

  static boolean isDnsName(String s) {
    if (s == null || s.isEmpty() || s.length() > 253) {
      return false;
    }
    for (String label : s.split("\\.", -1)) {
      if (!DNS_LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  /** How a name goes into a certificate: an IP literal as an address, anything else as DNS. */
  static GeneralName generalName(String san) {
    return isIpLiteral(san)
        ? new GeneralName(GeneralName.iPAddress, san)
        : new GeneralName(GeneralName.dNSName, san);
  }

  static List<GeneralName> generalNames(List<String> sans) {
    List<GeneralName> out = new ArrayList<>();
    for (String san : sans) {
      out.add(generalName(san));
    }
    return out;
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  public List<String> subjectAltNames() {
    return subjectAltNames;
  }
}
