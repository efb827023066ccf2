package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.agent.Agent;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.VerificationFailedException;
import io.liftshift.trust.TlsPolicy;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What port 1500 negotiates, and what the verification catches. */
class TransportTest {
  @TempDir Path dir;
  ReplicationHarness h;

  @BeforeEach
  void start() throws Exception {
    h = new ReplicationHarness(dir);
  }

  @AfterEach
  void stop() throws Exception {
    h.close();
  }

  @Test
  void negotiatesTls13WithAes256Gcm() throws Exception {
    try (RawSession s = new RawSession(h.port(), h.replicator.caFingerprint())) {
      assertThat(s.socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
      assertThat(s.socket.getSession().getCipherSuite()).isEqualTo("TLS_AES_256_GCM_SHA384");
    }
  }

  @Test
  void refusesTls12() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLSv1.2");
    ctx.init(
        null,
        new TrustManager[] {
          new io.liftshift.trust.PinnedCaTrustManager(
              h.replicator.caFingerprint(), io.liftshift.trust.ServerRole.REPLICATOR)
        },
        null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
      s.connect(new InetSocketAddress("127.0.0.1", h.port()), 5000);
      s.setEnabledProtocols(new String[] {"TLSv1.2"});
      s.setSoTimeout(5000);
      assertThatThrownBy(s::startHandshake).isInstanceOf(java.io.IOException.class);
    }
    assertThat(TlsPolicy.PROTOCOL).isEqualTo("TLSv1.3");
  }

  @Test
  void aStagingVolumeThatDiffersFailsVerificationNamingTheFirstDifferingBlock() throws Exception {
    Path img = ReplicationHarness.randomImage(dir.resolve("d.img"), 40L << 20, 21);
    new Agent(h.agent("s-verify", img), SyncListener.NONE).run();
    // Damage the replica behind the replicator's back: bit rot, or a bug.
    try (RandomAccessFile f =
        new RandomAccessFile(h.stagingVolume("s-verify", img).toFile(), "rw")) {
      f.seek((17L << 20) + 12_345);
      int b = f.read();
      f.seek((17L << 20) + 12_345);
      f.write(b ^ 0xFF);
      f.seek((30L << 20) + 1);
      f.write(7);
    }
    assertThatThrownBy(() -> new Agent(h.agent("s-verify", img), SyncListener.NONE).run())
        .isInstanceOf(VerificationFailedException.class)
        .hasMessageContaining("first differing block is #17")
        .hasMessageContaining("bytes 17825792..");
  }
}
