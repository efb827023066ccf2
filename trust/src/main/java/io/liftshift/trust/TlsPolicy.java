package io.liftshift.trust;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * The one TLS policy of liftshift: TLS 1.3 only, AES-256-GCM by default. ChaCha20 is never offered:
 * the JDK's implementation is an order of magnitude slower than AES-GCM with AES-NI.
 */
public final class TlsPolicy {
  public static final String PROTOCOL = "TLSv1.3";
  public static final String DEFAULT_CIPHER_SUITE = "TLS_AES_256_GCM_SHA384";

  /** Suites an operator may choose from; all AEAD with AES. */
  public static final List<String> ALLOWED_CIPHER_SUITES =
      List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256");

  private TlsPolicy() {}

  public static List<String> cipherSuites(String suite) {
    if (!ALLOWED_CIPHER_SUITES.contains(suite)) {
      throw new IllegalArgumentException(
          "cipher suite " + suite + " is not allowed; choose one of " + ALLOWED_CIPHER_SUITES);
    }
    return List.of(suite);
  }

  /**
   * A client context that trusts only the pinned installation CA, and of its certificates only
   * those issued for {@code server}'s role.
   */
  public static SSLContext pinnedClientContext(CaFingerprint pin, ServerRole server) {
    try {
      SSLContext ctx = SSLContext.getInstance(PROTOCOL);
      ctx.init(null, new TrustManager[] {new PinnedCaTrustManager(pin, server)}, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no TLS 1.3", e);
    }
  }

  /**
   * Opens a TLS 1.3 connection to a replication server and completes the handshake, so that an
   * untrusted server (or one whose certificate is not a replicator's) fails here with a clear
   * message rather than on first write.
   */
  public static SSLSocket connect(
      String host, int port, CaFingerprint pin, String cipherSuite, int timeoutMillis)
      throws IOException {
    Socket raw = new Socket();
    raw.setTcpNoDelay(true);
    raw.setSendBufferSize(4 << 20);
    raw.setReceiveBufferSize(1 << 20);
    try {
      raw.connect(new InetSocketAddress(host, port), timeoutMillis);
      SSLSocket s =
          (SSLSocket)
              pinnedClientContext(pin, ServerRole.REPLICATOR)
                  .getSocketFactory()
                  .createSocket(raw, host, port, true);
      SSLParameters p = s.getSSLParameters();
      p.setProtocols(new String[] {PROTOCOL});
      p.setCipherSuites(cipherSuites(cipherSuite).toArray(new String[0]));
      s.setSSLParameters(p);
      s.setSoTimeout(timeoutMillis);
      s.startHandshake();
      s.setSoTimeout(0);
      return s;
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }
}
