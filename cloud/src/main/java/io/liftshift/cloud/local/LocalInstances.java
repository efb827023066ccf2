package io.liftshift.cloud.local;

import io.liftshift.cloud.Instances;
import io.liftshift.cloud.StagingVolume;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Instances as qemu virtual machines on this machine: KVM where {@code /dev/kvm} exists, TCG
 * otherwise. Volumes are attached as NVMe disks (as on AWS Nitro; the first one boots), the network
 * is a user-mode NIC with DHCP, and the serial console goes to {@code <dir>/<id>/console.log}.
 */
public final class LocalInstances implements Instances {
  /** A named CPU model: {@code -cpu host} is not available everywhere. */
  public static final String DEFAULT_CPU = "qemu64";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final String qemu;
  private final Map<String, Process> running = new ConcurrentHashMap<>();

  public LocalInstances(Path dir) throws IOException {
    this(dir, "qemu-system-x86_64");
  }

  public LocalInstances(Path dir, String qemuBinary) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.qemu = qemuBinary;
  }

  /** Why instances cannot run here, or empty. */
  public static Optional<String> unavailable() {
    for (String p : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(p, "qemu-system-x86_64"))) {
        return Optional.empty();
      }
    }
    return Optional.of(
        "qemu-system-x86_64 is not installed (Debian: apt-get install qemu-system-x86)");
  }

  @Override
  public Instance launch(LaunchSpec spec) throws IOException {
    String id = "i-" + HexFormat.of().formatHex(bytes(9)).substring(0, 17);
    Path home = Files.createDirectories(dir.resolve(id));
    Path console = home.resolve("console.log");
    Files.deleteIfExists(console);
    Files.createFile(console);
    boolean kvm = Files.isWritable(Path.of("/dev/kvm"));
    List<String> cmd =
        new ArrayList<>(
            List.of(
                qemu,
                "-name",
                spec.name(),
                "-machine",
                "q35,accel=" + (kvm ? "kvm:tcg" : "tcg"),
                "-cpu",
                DEFAULT_CPU,
                "-smp",
                Integer.toString(spec.vcpus()),
                "-m",
                Integer.toString(spec.memoryMib()),
                "-display",
                "none",
                "-monitor",
                "none",
                "-serial",
                "file:" + console,
                "-no-reboot",
                "-nic",
                "user,model=virtio-net-pci"));
    int i = 0;
    for (StagingVolume v : spec.volumes()) {
      cmd.add("-drive");
      cmd.add("file=" + v.devicePath() + ",format=raw,if=none,cache=none,id=d" + i);
      cmd.add("-device");
      cmd.add(
          "nvme,drive=d"
              + i
              + ",serial="
              + v.volumeId().replaceAll("[^A-Za-z0-9]", "")
              + (i == 0 ? ",bootindex=0" : ""));
      i++;
    }
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(home.resolve("qemu.log").toFile())
            .start();
    running.put(id, p);
    Instant at = Instant.now();
    Files.writeString(
        home.resolve("instance.properties"),
        "name=" + spec.name() + "\nlaunchedAt=" + at + "\npid=" + p.pid() + "\n",
        StandardCharsets.UTF_8);
    try {
      if (p.waitFor(500, TimeUnit.MILLISECONDS)) {
        throw new IOException(
            "qemu exited at once ("
                + p.exitValue()
                + "): "
                + Files.readString(home.resolve("qemu.log")).strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return new Instance(id, spec.name(), "running", at);
  }

  @Override
  public Optional<Instance> describe(String instanceId) throws IOException {
    Path props = dir.resolve(instanceId).resolve("instance.properties");
    if (!Files.exists(props)) {
      return Optional.empty();
    }
    java.util.Properties p = new java.util.Properties();
    try (var in = Files.newInputStream(props)) {
      p.load(in);
    }
    Process proc = running.get(instanceId);
    String state =
        Files.exists(dir.resolve(instanceId).resolve("terminated"))
            ? "terminated"
            : proc != null && proc.isAlive() ? "running" : "stopped";
    return Optional.of(
        new Instance(
            instanceId, p.getProperty("name"), state, Instant.parse(p.getProperty("launchedAt"))));
  }

  @Override
  public String consoleOutput(String instanceId) throws IOException {
    Path console = dir.resolve(instanceId).resolve("console.log");
    if (!Files.exists(console)) {
      throw new IOException("no instance " + instanceId);
    }
    return Files.readString(console, StandardCharsets.ISO_8859_1);
  }

  @Override
  public void terminate(String instanceId) throws IOException {
    Process p = running.remove(instanceId);
    if (p != null) {
      p.destroy();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    if (Files.isDirectory(dir.resolve(instanceId))) {
      Files.writeString(dir.resolve(instanceId).resolve("terminated"), Instant.now().toString());
    }
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
