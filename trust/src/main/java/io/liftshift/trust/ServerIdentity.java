package io.liftshift.trust;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A server's key and certificate chain (leaf first, then the installation CA), and the PEM files
 * that hold them.
 */
public record ServerIdentity(
    PrivateKey key, List<X509Certificate> chain, Path keyPath, Path certPath) {
  public ServerIdentity {
    chain = List.copyOf(chain);
  }
}
