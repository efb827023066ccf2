package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.controlplane.ControlPlane;
import io.liftshift.trust.TlsPolicy;
import java.nio.file.Path;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers are told apart by the role in their certificates, not only by the CA that signed them: an
 * agent sends its disks only to a server whose certificate says replicator.
 */
class ServerRolesEndToEndTest {
  @TempDir Path dir;

  @Test
  void anAgentRefusesToSendItsDisksToTheControlPlanesCertificate() throws Exception {
    try (ControlPlane cp = ControlPlane.startOnLoopback(dir)) {
      assertThatThrownBy(
              () ->
                  TlsPolicy.connect(
                      "127.0.0.1",
                      cp.port(),
                      cp.caFingerprint(),
                      TlsPolicy.DEFAULT_CIPHER_SUITE,
                      5000))
          .isInstanceOf(SSLHandshakeException.class)
          .hasMessageContaining("OU=control-plane, not OU=replicator");
    }
  }
}
