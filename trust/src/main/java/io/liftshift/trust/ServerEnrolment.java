package io.liftshift.trust;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.jce.ECNamedCurveTable;

/**
 * The TLS identity of a server that holds no CA key: it keeps its own key in {@code
 * dir/<name>.key}, asks the control plane to certify it (see {@link ServerCertificateRequest}) and
 * keeps the answer in {@code dir/<name>.crt} only once the chain ends in the pinned installation CA
 * and certifies this key for the wanted names. A server that is taken over therefore holds its own
 * key only, never one that could speak for the control plane.
 */
public final class ServerEnrolment {
  private final Path keyPath;
  private final Path certPath;
  private final ServerRole role;
  private final CaFingerprint pin;

  public ServerEnrolment(Path dir, ServerRole role, CaFingerprint pin) {
    this.keyPath = dir.resolve(role.unit() + ".key");
    this.certPath = dir.resolve(role.unit() + ".crt");
    this.role = role;
    this.pin = pin;
  }

  /**
   * The stored identity, while it is valid for 30 more days, issued by the pinned CA for this key
   * and names every one of {@code subjectAltNames}; empty when the server has to enrol.
   */
  public Optional<ServerIdentity> stored(List<String> subjectAltNames) throws IOException {
    if (!Files.exists(keyPath) || !Files.exists(certPath)) {
      return Optional.empty();
    }
    KeyPair pair = keyPair();
    List<X509Certificate> chain = Pem.readCertificates(certPath);
    try {
      List<X509Certificate> checked = check(chain, pair.getPublic(), subjectAltNames);
      if (!InstallationCa.stillUsable(checked.get(0), subjectAltNames)) {
        return Optional.empty();
      }
      return Optional.of(new ServerIdentity(pair.getPrivate(), checked, keyPath, certPath));
    } catch (CertificateException e) {
      // Issued by another CA (the installation was rebuilt) or for another key: enrol again.
      return Optional.empty();
    }
  }

  /** A PEM PKCS#10 request for this server's key, which is created (0600) on first use. */
  public String certificateRequest() throws IOException {
    return ServerCertificateRequest.pem(keyPair(), role.unit());
  }

  /**
   * Checks the chain the control plane answered and stores it beside the key.
   *
   * @throws CertificateException when the chain is not from the pinned CA, certifies another key,
   *     lacks a wanted name or is not valid now
   */
  public ServerIdentity accept(String chainPem, List<String> subjectAltNames)
      throws IOException, CertificateException {
    KeyPair pair = keyPair();
    List<X509Certificate> chain = check(parse(chainPem), pair.getPublic(), subjectAltNames);
    StringBuilder pem = new StringBuilder();
    for (X509Certificate c : chain) {
      pem.append(Pem.encode("CERTIFICATE", c.getEncoded()));
    }
    Pem.writeAtomically(certPath, pem.toString(), false);
    return new ServerIdentity(pair.getPrivate(), chain, keyPath, certPath);
  }

  /** Returns the leaf and the pinned CA, after the same checks an agent makes, and more. */
  private List<X509Certificate> check(
      List<X509Certificate> chain, PublicKey mine, List<String> subjectAltNames)
      throws CertificateException {
    if (chain.isEmpty()) {
      throw new CertificateException("the control plane answered no certificate");
    }
    // Pinned CA found in the chain, leaf signed by it, both valid now, leaf for TLS servers and
    // for this server's role (the one agents will check).
    new PinnedCaTrustManager(pin, role)
        .checkServerTrusted(chain.toArray(new X509Certificate[0]), "EC");
    X509Certificate leaf = chain.get(0);
    if (!MessageDigest.isEqual(leaf.getPublicKey().getEncoded(), mine.getEncoded())) {
      throw new CertificateException(
          "the certificate the control plane answered is for another key than " + keyPath);
    }
    if (!InstallationCa.covers(leaf, subjectAltNames)) {
      throw new CertificateException(
          "the certificate the control plane answered does not name all of " + subjectAltNames);
    }
    X509Certificate ca = chain.stream().filter(pin::matches).findFirst().orElseThrow();
    return List.of(leaf, ca);
  }

  private static List<X509Certificate> parse(String chainPem) throws CertificateException {
    List<X509Certificate> out = new ArrayList<>();
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    for (var c :
        cf.generateCertificates(
            new ByteArrayInputStream(
                (chainPem == null ? "" : chainPem).getBytes(StandardCharsets.US_ASCII)))) {
      out.add((X509Certificate) c);
    }
    return out;
  }

  /** This server's key pair; the key is made once and kept, so a renewal certifies the same key. */
  private KeyPair keyPair() throws IOException {
    if (!Files.exists(keyPath)) {
      KeyPair pair = InstallationCa.newKeyPair();
      Pem.writeAtomically(keyPath, Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded()), true);
      return pair;
    }
    PrivateKey key = Pem.readPrivateKey(keyPath);
    return new KeyPair(publicKeyOf(key), key);
  }

  /** The key file holds only the private key; its public half is recomputed (Q = d·G). */
  private PublicKey publicKeyOf(PrivateKey key) throws IOException {
    if (!(key instanceof ECPrivateKey ec)) {
      throw new IOException(keyPath + " holds no EC key");
    }
    var curve = ECNamedCurveTable.getParameterSpec("secp256r1");
    var q = curve.getG().multiply(ec.getS()).normalize();
    try {
      return KeyFactory.getInstance("EC")
          .generatePublic(
              new ECPublicKeySpec(
                  new ECPoint(
                      q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()),
                  ec.getParams()));
    } catch (GeneralSecurityException e) {
      throw new IOException(keyPath + ": cannot derive its public key: " + e.getMessage(), e);
    }
  }
}
