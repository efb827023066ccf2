package io.liftshift.replicator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The agent credentials a replicator accepts, kept only as SHA-256 digests and compared in constant
 * time. Until the control plane issues per-agent tokens, they come from configuration.
 */
public final class AgentTokens {
  private final List<byte[]> digests;

  private AgentTokens(List<byte[]> digests) {
    this.digests = List.copyOf(digests);
  }

  public static AgentTokens none() {
    return new AgentTokens(List.of());
  }

  public static AgentTokens of(String... tokens) {
    List<byte[]> d = new ArrayList<>();
    for (String t : tokens) {
      d.add(digest(t));
    }
    return new AgentTokens(d);
  }

  /**
   * One token per line; a line {@code sha256:<hex>} is a digest, so the file need not hold the
   * secret itself. Blank lines and {@code #} comments are skipped.
   */
  public static AgentTokens fromFile(Path file) throws IOException {
    List<byte[]> d = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      if (t.toLowerCase(Locale.ROOT).startsWith("sha256:")) {
        d.add(HexFormat.of().parseHex(t.substring(7)));
      } else {
        d.add(digest(t));
      }
    }
    return new AgentTokens(d);
  }

  public AgentTokens plus(AgentTokens other) {
    List<byte[]> d = new ArrayList<>(digests);
    d.addAll(other.digests);
    return new AgentTokens(d);
  }

  public boolean isEmpty() {
    return digests.isEmpty();
  }

  /** True when the token is one of the accepted ones; checks them all, in constant time each. */
  public boolean accepts(String token) {
    byte[] d = digest(token);
    boolean ok = false;
    for (byte[] candidate : digests) {
      ok |= MessageDigest.isEqual(candidate, d);
    }
    return ok;
  }

  public static String digestHex(String token) {
    return "sha256:" + HexFormat.of().formatHex(digest(token));
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
