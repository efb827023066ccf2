package io.liftshift.cloud;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Stable, file-system-safe staging volume names for (source server, disk). */
public final class VolumeNames {
  private VolumeNames() {}

  /**
   * {@code <server>--<readable disk part>-<8 hex of SHA-256>}: readable in a listing, and two disks
   * whose readable parts collide still get distinct names.
   */
  public static String forDisk(String sourceServerId, String diskKey) {
    String server = sanitize(sourceServerId, 40);
    String disk = sanitize(diskKey, 40);
    String hash;
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest((sourceServerId + "\0" + diskKey).getBytes(StandardCharsets.UTF_8));
      hash = HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return server + "--" + disk + "-" + hash;
  }

  /** What every staging volume name of the server starts with. */
  public static String serverPrefix(String sourceServerId) {
    return sanitize(sourceServerId, 40) + "--";
  }

  private static String sanitize(String s, int max) {
    String t = s.replaceAll("[^A-Za-z0-9._-]+", "_");
    if (t.length() > max) {
      t = t.substring(t.length() - max);
    }
    // No leading dot or underscore: a name must never be hidden or look like a relative path.
    t = t.replaceAll("^[._]+", "");
    return t.isEmpty() ? "x" : t;
  }
}
