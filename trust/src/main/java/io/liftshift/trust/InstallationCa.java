package io.liftshift.trust;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
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
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
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
   * Returns the server identity stored under {@code dir/<unit>.key|crt} when it was issued by this
   * CA, is valid for at least 30 more days and covers {@code subjectAltNames}; otherwise issues and
   * stores a new one.
   */
  public ServerIdentity ensureServerIdentity(
      Path dir, ServerRole role, List<String> subjectAltNames) throws IOException {
    Path keyPath = dir.resolve(role.unit() + ".key");
    Path certPath = dir.resolve(role.unit() + ".crt");
    if (Files.exists(keyPath) && Files.exists(certPath)) {
      List<X509Certificate> chain = Pem.readCertificates(certPath);
      X509Certificate leaf = chain.get(0);
      if (issuedByMe(leaf) && stillUsable(leaf, subjectAltNames)) {
        return new ServerIdentity(Pem.readPrivateKey(keyPath), chain, keyPath, certPath);
      }
    }
    return issueServer(dir, role, subjectAltNames);
  }

  /**
   * A stored server certificate is kept while it has 30 days left and names every address agents
   * use; after that the server gets a new one at its next start, well before agents would refuse.
   */
  static boolean stillUsable(X509Certificate leaf, List<String> subjectAltNames) {
    return leaf.getNotAfter().toInstant().isAfter(Instant.now().plus(RENEW_BEFORE))
        && covers(leaf, subjectAltNames);
  }

  static final Duration RENEW_BEFORE = Duration.ofDays(30);

  private boolean issuedByMe(X509Certificate leaf) {
    try {
      leaf.verify(certificate.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * Whether the certificate names all of {@code subjectAltNames}. Compared as encoded names, so
   * that an IPv6 address matches however it is written.
   */
  static boolean covers(X509Certificate cert, List<String> subjectAltNames) {
    Set<GeneralName> have = new HashSet<>();
    try {
      Extension ext =
          new JcaX509CertificateHolder(cert).getExtension(Extension.subjectAlternativeName);
      if (ext != null) {
        have.addAll(List.of(GeneralNames.getInstance(ext.getParsedValue()).getNames()));
      }
    } catch (CertificateException | IllegalArgumentException e) {
      // An unreadable SAN list covers nothing: the certificate is replaced.
      return false;
    }
    return have.containsAll(ServerCertificateRequest.generalNames(subjectAltNames));
  }

  /** Issues a TLS server certificate for the names (DNS names or IP literals) and stores it. */
  public ServerIdentity issueServer(Path dir, ServerRole role, List<String> subjectAltNames)
      throws IOException {
    KeyPair pair = newKeyPair();
    X509Certificate leaf = signServer(pair.getPublic(), role, subjectAltNames);
    Path keyPath = dir.resolve(role.unit() + ".key");
    Path certPath = dir.resolve(role.unit() + ".crt");
    Pem.writeAtomically(keyPath, Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded()), true);
    Pem.writeAtomically(certPath, chainPem(leaf), false);
    return new ServerIdentity(pair.getPrivate(), List.of(leaf, certificate), keyPath, certPath);
  }

  /**
   * Signs a checked request from a server that keeps its own key (a replication server enrolling
   * with the control plane). Returns the PEM chain, the leaf then this CA.
   */
  public String signRequest(ServerCertificateRequest request, ServerRole role) throws IOException {
    return chainPem(signServer(request.publicKey(), role, request.subjectAltNames()));
  }

  private String chainPem(X509Certificate leaf) throws IOException {
    try {
      return Pem.encode("CERTIFICATE", leaf.getEncoded())
          + Pem.encode("CERTIFICATE", certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IOException("cannot encode a certificate: " + e.getMessage(), e);
    }
  }

  /**
   * The one server-auth profile of liftshift: a leaf for {@code subjectKey} that names the server
   * by its addresses, for TLS servers only. Both a locally issued identity and a signed request get
   * exactly this certificate.
   */
  public X509Certificate signServer(
      PublicKey subjectKey, ServerRole role, List<String> subjectAltNames) throws IOException {
    if (subjectAltNames.isEmpty()) {
      throw new IllegalArgumentException("a server certificate needs at least one name");
    }
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              certificate,
              serial(),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(now.plus(SERVER_VALIDITY)),
              new X500Name("CN=" + subjectAltNames.get(0) + ", O=liftshift, OU=" + role.unit()),
              subjectKey);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              ServerCertificateRequest.generalNames(subjectAltNames).toArray(new GeneralName[0])));
      b.addExtension(
          Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
      return new JcaX509CertificateConverter().getCertificate(b.build(signer(key)));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException(
          "cannot issue a certificate for " + role.unit() + ": " + e.getMessage(), e);
    }
  }

  static KeyPair newKeyPair() {
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
