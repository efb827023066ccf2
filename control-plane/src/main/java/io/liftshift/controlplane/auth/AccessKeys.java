package io.liftshift.controlplane.auth;

import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Operator access keys. SigV4 needs the secret itself to check a signature, so it cannot be kept as
 * a hash: it is sealed with AES-256-GCM under a master key that lives in its own file (mode 0600),
 * so a copy of the database alone reveals no secret.
 */
public final class AccessKeys {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  /** A freshly created key: the only time the secret is shown. */
  public record NewKey(String accessKeyId, String secretAccessKey) {}

  private final ControlPlaneStore db;
  private final SecretKeySpec master;

  private AccessKeys(ControlPlaneStore db, SecretKeySpec master) {
    this.db = db;
    this.master = master;
  }

  public static AccessKeys open(ControlPlaneStore db, Path masterKeyFile) throws IOException {
    if (!Files.exists(masterKeyFile)) {
      byte[] k = new byte[32];
      RANDOM.nextBytes(k);
      Files.createDirectories(masterKeyFile.toAbsolutePath().getParent());
      Path tmp = masterKeyFile.resolveSibling(masterKeyFile.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(tmp, k);
      Files.move(tmp, masterKeyFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    byte[] k = Files.readAllBytes(masterKeyFile);
    if (k.length != 32) {
      throw new IOException(masterKeyFile + " is not a 32-byte master key");
    }
    return new AccessKeys(db, new SecretKeySpec(k, "AES"));
  }

  public NewKey create() throws StoreException {
    StringBuilder id = new StringBuilder("AKLS");
    for (int i = 0; i < 16; i++) {
      id.append(ALNUM.charAt(RANDOM.nextInt(ALNUM.length())));
    }
    byte[] secretBytes = new byte[30];
    RANDOM.nextBytes(secretBytes);
    String secret = java.util.Base64.getEncoder().encodeToString(secretBytes);
    byte[] sealed = seal(id.toString(), secret.getBytes(StandardCharsets.UTF_8));
    db.transaction(
        c -> {
          c.insertAccessKey(id.toString(), sealed, System.currentTimeMillis());
          return null;
        });
    return new NewKey(id.toString(), secret);
  }

  public boolean revoke(String accessKeyId) throws StoreException {
    return db.transaction(c -> c.revokeAccessKey(accessKeyId));
  }

  /** The secret of an active key, or empty for an unknown or revoked one. */
  public Optional<byte[]> secretOf(String accessKeyId) throws StoreException {
    Optional<byte[]> sealed = db.transaction(c -> c.activeAccessKey(accessKeyId));
    return sealed.isPresent() ? Optional.of(unseal(accessKeyId, sealed.get())) : Optional.empty();
  }

  private byte[] seal(String aad, byte[] plain) {
    try {
      byte[] iv = new byte[12];
      RANDOM.nextBytes(iv);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, master, new GCMParameterSpec(128, iv));
      c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
      byte[] ct = c.doFinal(plain);
      byte[] out = new byte[12 + ct.length];
      System.arraycopy(iv, 0, out, 0, 12);
      System.arraycopy(ct, 0, out, 12, ct.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private byte[] unseal(String aad, byte[] sealed) throws StoreException {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, master, new GCMParameterSpec(128, sealed, 0, 12));
      c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
      return c.doFinal(sealed, 12, sealed.length - 12);
    } catch (GeneralSecurityException e) {
      throw new StoreException("access key " + aad + " cannot be unsealed: wrong master key?", e);
    }
  }
}
