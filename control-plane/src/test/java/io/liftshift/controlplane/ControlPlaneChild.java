package io.liftshift.controlplane;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A control plane in a process of its own, for tests that kill it with SIGKILL. Prints {@code READY
 * <port> <accessKeyId> <secret>} once it serves.
 */
public final class ControlPlaneChild {
  private ControlPlaneChild() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    ControlPlane cp =
        ControlPlane.start(
            data, Path.of(args[1]), "127.0.0.1", 0, "us-east-1", List.of("localhost", "127.0.0.1"));
    Path keyFile = data.resolve("test-key.txt");
    if (!Files.exists(keyFile)) {
      var k = cp.accessKeys().create();
      Files.writeString(keyFile, k.accessKeyId() + " " + k.secretAccessKey());
    }
    System.out.println("READY " + cp.port() + " " + Files.readString(keyFile));
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
