package io.liftshift.replicator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which agents may open a session: configured tokens (any source server) and the per-server
 * credentials the control plane hands out for the servers it placed here. A control-plane token is
 * valid only for its own source server id, so one server's agent cannot write another's disks.
 */
final class AgentAdmission {
  private final AgentTokens configured;
  private final Map<String, byte[]> byServer = new ConcurrentHashMap<>();
  private volatile Optional<Runnable> refresh = Optional.empty();

  AgentAdmission(AgentTokens configured) {
    this.configured = configured;
  }

  boolean admits(String token, String sourceServerId) {
    if (configured.accepts(token)) {
      return true;
    }
    byte[] expected = byServer.get(sourceServerId);
    return expected != null && MessageDigest.isEqual(expected, sha256(token));
  }

  /** Replaces the control-plane credentials: servers no longer placed here are dropped. */
  void replaceServerTokens(Map<String, String> digestHexByServer) {
    byServer.keySet().retainAll(digestHexByServer.keySet());
    digestHexByServer.forEach((s, hex) -> byServer.put(s, HexFormat.of().parseHex(hex)));
  }

  int serverCount() {
    return byServer.size();
  }

  /** Blocking: asks the control plane now (a newly placed agent need not wait for a heartbeat). */
  void onUnknownAgent(Runnable refreshFromControlPlane) {
    this.refresh = Optional.of(refreshFromControlPlane);
  }

  Optional<Runnable> refresh() {
    return refresh;
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
