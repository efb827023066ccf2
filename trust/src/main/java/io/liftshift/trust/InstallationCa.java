package io.liftshift.trust;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The CA that one liftshift installation creates for itself. It signs the certificates of the
 * installation's servers; agents pin its fingerprint and trust nothing else. The key never leaves
 * {@code dir/ca.key} (mode 0600).
 */
public final class InstallationCa {
  public static final String KEY_FILE = "ca.key";
  public static final String CERT_FILE = "ca.crt";

  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration SERVER_VALIDITY = Duration.ofDays(825);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final PrivateKey key;
  private final X509Certificate certificate;

  private InstallationCa(Path dir, PrivateKey key, X509Certificate certificate) {
    this.dir = dir;
    this.key = key;
    this.certificate = certificate;
  }

  /** True when {@code dir} already holds a CA. */
  public static boolean exists(Path dir) {
    return Files.exists(dir.resolve(KEY_FILE)) && Files.exists(dir.resolve(CERT_FILE));
  }

  /** Loads the CA in {@code dir}, creating it on first use. */
  public static InstallationCa loadOrCreate(Path dir) throws IOException {
    return exists(dir) ? load(dir) : create(dir, "liftshift installation CA");
  }

  /** Loads an existing CA and checks that its key and certificate belong together. */
  public static InstallationCa load(Path dir) throws IOException {
    if (!exists(dir)) {
      throw new IOException(
          "no installation CA in " + dir + ": run 'liftshift ca init --dir " + dir + "'");
    }
    PrivateKey key = Pem.readPrivateKey(dir.resolve(KEY_FILE));
    X509Certificate cert = Pem.readCertificates(dir.resolve(CERT_FILE)).get(0);
    try {
      ContentSigner probe = signer(key);
      probe.getOutputStream().write(1);
      // A signature made with the key must verify with the certificate's public key.
      java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
      s.initVerify(cert.getPublicKey());
      s.update((byte) 1);
      if (!s.verify(probe.getSignature())) {
        throw new IOException(dir + ": ca.key does not match ca.crt");
      }
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException(dir + ": cannot check the CA key: " + e.getMessage(), e);
    }
    return new InstallationCa(dir, key, cert);
  }

  /** Creates a new CA in {@code dir}; refuses to overwrite one. */
  public static InstallationCa create(Path dir, String commonName) throws IOException {
    if (exists(dir)) {
      throw new IOException("an installation CA already exists in " + dir + "; not replacing it");
    }
    KeyPair pair = newKeyPair();
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=" + commonName + ", O=liftshift");
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              name,
              serial(),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(now.plus(CA_VALIDITY)),
              name,
              pair.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate cert =
          new JcaX509CertificateConverter().getCertificate(b.build(signer(pair.getPrivate())));
      Pem.writeAtomically(
          dir.resolve(KEY_FILE), Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded()), true);
      Pem.writeAtomically(
          dir.resolve(CERT_FILE), Pem.encode("CERTIFICATE", cert.getEncoded()), false);
      return new InstallationCa(dir, pair.getPrivate(), cert);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot create the installation CA: " + e.getMessage(), e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public CaFingerprint fingerprint() {
    return CaFingerprint.of(certificate);
  }

  public Path directory() {
    return dir;
  }

  /**
   * Returns the server identity stored under {@code dir/<name>.key|crt} when it was issued by this
   * CA, is valid for at least 30 more days and covers {@code subjectAltNames}; otherwise issues and
   * stores a new one.
   */
  public ServerIdentity ensureServerIdentity(Path dir, String name, List<String> subjectAltNames)
      throws IOException {
    Path keyPath = dir.resolve(name + ".key");
    Path certPath = dir.resolve(name + ".crt");
    if (Files.exists(keyPath) && Files.exists(certPath)) {
      List<X509Certificate> chain = Pem.readCertificates(certPath);
      X509Certificate leaf = chain.get(0);
      if (issuedByMe(leaf)
          && leaf.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(30)))
          && sansOf(leaf).containsAll(subjectAltNames)) {
        return new ServerIdentity(Pem.readPrivateKey(keyPath), chain, keyPath, certPath);
      }
    }
    return issueServer(dir, name, subjectAltNames);
  }

  private boolean issuedByMe(X509Certificate leaf) {
    try {
      leaf.verify(certificate.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static Set<String> sansOf(X509Certificate cert) {
    Set<String> out = new HashSet<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          out.add(String.valueOf(san.get(1)));
        }
      }
    } catch (CertificateException e) {
      // An unreadable SAN list means the certificate is reissued.
    }
    return out;
  }

  /** Issues a TLS server certificate for the names (DNS names or IP literals) and stores it. */
  public ServerIdentity issueServer(Path dir, String name, List<String> subjectAltNames)
      throws IOException {
    if (subjectAltNames.isEmpty()) {
      throw new IllegalArgumentException("a server certificate needs at least one name");
    }
    KeyPair pair = newKeyPair();
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      List<GeneralName> names = new ArrayList<>();
      for (String san : subjectAltNames) {
        names.add(
            isIpLiteral(san)
                ? new GeneralName(GeneralName.iPAddress, san)
                : new GeneralName(GeneralName.dNSName, san));
      }
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              certificate,
              serial(),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(now.plus(SERVER_VALIDITY)),
              new X500Name("CN=" + subjectAltNames.get(0) + ", O=liftshift, OU=" + name),
              pair.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(names.toArray(new GeneralName[0])));
      b.addExtension(
          Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
      X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(b.build(signer(key)));
      Path keyPath = dir.resolve(name + ".key");
      Path certPath = dir.resolve(name + ".crt");
      Pem.writeAtomically(keyPath, Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded()), true);
      Pem.writeAtomically(
          certPath,
          Pem.encode("CERTIFICATE", leaf.getEncoded())
              + Pem.encode("CERTIFICATE", certificate.getEncoded()),
          false);
      return new ServerIdentity(pair.getPrivate(), List.of(leaf, certificate), keyPath, certPath);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot issue a certificate for " + name + ": " + e.getMessage(), e);
    }
  }

  private static boolean isIpLiteral(String s) {
    if (s.contains(":")) {
      return true;
    }
    if (!s.matches("[0-9.]+")) {
      return false;
    }
    try {
      InetAddress.getByName(s);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has EC P-256", e);
    }
  }

  private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
    return new JcaContentSignerBuilder("SHA256withECDSA").build(key);
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }
}
