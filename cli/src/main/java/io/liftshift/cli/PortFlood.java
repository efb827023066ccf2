package io.liftshift.cli;

import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.TlsPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Connections to port 1500 that never authenticate, as the probes opened them: each kind is
 * held open until closed, so that the replicator carries them while agents replicate. Refused
 * connections (the replicator's caps) count as refused, not as failures of the bench.
 */
final class PortFlood implements AutoCloseable {
  /** What each connection sends before going silent. */
  enum Kind {
    /** A TLS record header announcing 16 KiB of ClientHello, then 100 bytes of it. */
    HALF_TLS_HANDSHAKE,
    /** A complete TLS 1.3 handshake, then no HELLO. */
    TLS_THEN_SILENCE
  }

  private final List<Socket> sockets = new ArrayList<>();
  private int refused;

  /** Opens {@code count} connections of {@code kind} to 127.0.0.1:{@code port}. */
  static PortFlood open(Kind kind, int count, int port, CaFingerprint ca) {
    PortFlood f = new PortFlood();
    for (int i = 0; i < count; i++) {
      try {
        f.sockets.add(kind == Kind.HALF_TLS_HANDSHAKE ? halfHandshake(port) : tlsSilent(port, ca));
      } catch (IOException e) {
        f.refused++;
      }
    }
    return f;
  }

  int held() {
    return sockets.size();
  }

  int refused() {
    return refused;
  }

  private static Socket halfHandshake(int port) throws IOException {
    Socket c = new Socket();
    try {
      c.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      byte[] partial = new byte[105];
      partial[0] = 0x16;
      partial[1] = 0x03;
      partial[2] = 0x01;
      partial[3] = 0x40;
      partial[4] = 0x00;
      c.getOutputStream().write(partial);
      return c;
    } catch (IOException e) {
      c.close();
      throw e;
    }
  }

  private static Socket tlsSilent(int port, CaFingerprint ca) throws IOException {
    return TlsPolicy.connect("127.0.0.1", port, ca, TlsPolicy.DEFAULT_CIPHER_SUITE, 5000);
  }

  /** Milliseconds for a new TLS handshake to complete, or -1 when it failed within 5 s. */
  static double handshakeMillis(int port, CaFingerprint ca) {
    long t0 = System.nanoTime();
    try (Socket s = tlsSilent(port, ca)) {
      return (System.nanoTime() - t0) / 1e6;
    } catch (IOException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // closing a flood connection: nothing to do
      }
    }
  }
}
