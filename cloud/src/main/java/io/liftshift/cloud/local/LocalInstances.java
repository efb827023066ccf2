package io.liftshift.cloud.local;

import io.liftshift.cloud.Images;
import io.liftshift.cloud.InstanceType;
import io.liftshift.cloud.Instances;
import io.liftshift.cloud.StagingVolume;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Instances as qemu virtual machines on this machine: KVM where {@code /dev/kvm} exists, TCG
 * otherwise (see {@link #defaultAccelerator}). As on AWS Nitro, the image's volumes are NVMe disks
 * (the first one boots), here as copy-on-write overlays over the image so an instance never changes
 * its image; the network is a user-mode NIC whose DHCP server gives 10.0.2.15; the serial console
 * goes to {@code <dir>/<id>/console.log}. Any process can describe, list and terminate them: the
 * state is the directory and the qemu process id.
 */
public final class LocalInstances implements Instances {
  /** A named CPU model: {@code -cpu host} is not available everywhere. */
  public static final String DEFAULT_CPU = "qemu64";

  /**
   * The NIC. qemu has no ENA; virtio-net is the paravirtual stand-in (a driver the guest needs in
   * its initramfs or modules, as ENA is on AWS).
   */
  public static final String DEFAULT_NIC_MODEL = "virtio-net-pci";

  /**
   * The accelerator when none is configured: KVM where it can be used, else TCG. {@code
   * LIFTSHIFT_QEMU_ACCEL} (kvm, tcg or kvm:tcg) overrides it: some hosts (nested virtualization)
   * expose a /dev/kvm that boots a boot sector but stalls a Linux kernel for minutes.
   */
  public static String defaultAccelerator() {
    String env = System.getenv("LIFTSHIFT_QEMU_ACCEL");
    if (env != null && env.matches("kvm|tcg|kvm:tcg")) {
      return env;
    }
    return Files.isWritable(Path.of("/dev/kvm")) ? "kvm:tcg" : "tcg";
  }

  /** Local virtual machines get at most this much memory, whatever the instance type says. */
  public static final int DEFAULT_MAX_MEMORY_MIB = 4096;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final LocalImages images;
  private final String qemu;
  private final String accelerator;

  public LocalInstances(Path dir, LocalImages images) throws IOException {
    this(dir, images, "qemu-system-x86_64", defaultAccelerator());
  }

  /**
   * @param accelerator qemu's {@code accel}: kvm, tcg or kvm:tcg
   */
  public LocalInstances(Path dir, LocalImages images, String qemuBinary, String accelerator)
      throws IOException {
    this.dir = Files.createDirectories(dir);
    this.images = images;
    this.qemu = qemuBinary;
    this.accelerator = accelerator;
  }

  /** Why instances cannot run here, or empty. */
  public static Optional<String> unavailable() {
    for (String tool : List.of("qemu-system-x86_64", "qemu-img")) {
      if (!onPath(tool)) {
        return Optional.of(
            tool
                + " is not installed (Debian: apt-get install qemu-system-x86 qemu-utils, or run"
                + " scripts/setup)");
      }
    }
    return Optional.empty();
  }

  private static boolean onPath(String tool) {
    for (String p : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(p, tool))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Instance launch(LaunchSpec spec) throws IOException {
    if (spec.imageId() == null) {
      // A launch template lives in EC2; locally there is none to take the image from.
      throw new IOException(
          "InvalidParameterValue: the local cloud has no launch templates to take an image from;"
              + " give the image of "
              + spec.name());
    }
    Images.Image image =
        images
            .describe(spec.imageId())
            .orElseThrow(() -> new IOException("InvalidAMIID.NotFound: " + spec.imageId()));
    if (spec.instanceType() == null) {
      throw new IOException(
          "InvalidParameterValue: the local cloud has no launch templates to take an instance"
              + " type from; set targetInstanceTypeRightSizingMethod to BASIC");
    }
    InstanceType type =
        InstanceType.of(spec.instanceType())
            .orElseThrow(
                () ->
                    new IOException(
                        "InvalidParameterValue: instance type "
                            + spec.instanceType()
                            + " is not known to the local cloud"));
    String id = "i-" + HexFormat.of().formatHex(bytes(9)).substring(0, 17);
    Path home = Files.createDirectories(dir.resolve(id));
    Path console = home.resolve("console.log");
    Files.createFile(console);
    int vcpus = Math.min(type.vcpus(), Runtime.getRuntime().availableProcessors());
    int memoryMib = Math.min(type.memoryMib(), DEFAULT_MAX_MEMORY_MIB);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                qemu,
                "-name",
                spec.name(),
                "-machine",
                "q35,accel=" + accelerator,
                "-cpu",
                DEFAULT_CPU,
                "-smp",
                Integer.toString(vcpus),
                "-m",
                Integer.toString(memoryMib),
                "-display",
                "none",
                "-monitor",
                "none",
                "-serial",
                "file:" + console,
                "-no-reboot",
                "-nic",
                // A new instance has a new MAC, as on EC2: rules bound to the old one must not
                // match.
                "user,model=" + DEFAULT_NIC_MODEL + ",mac=" + mac(id)));
    if (image.bootMode() == Images.BootMode.UEFI) {
      Path ovmf = Path.of("/usr/share/ovmf/OVMF.fd");
      if (!Files.exists(ovmf)) {
        throw new IOException("UEFI boot needs OVMF (Debian: apt-get install ovmf)");
      }
      cmd.add("-bios");
      cmd.add(ovmf.toString());
    }
    int disk = 0;
    for (int i = 0; i < image.volumeSizesBytes().size(); i++) {
      Path overlay = home.resolve("volume-" + i + ".qcow2");
      run(
          List.of(
              "qemu-img",
              "create",
              "-q",
              "-f",
              "qcow2",
              "-F",
              "raw",
              "-b",
              images.volume(image.imageId(), i).toAbsolutePath().toString(),
              overlay.toString()),
          home);
      addNvme(cmd, overlay, "qcow2", id + "v" + i, disk++);
    }
    for (StagingVolume v : spec.attachedVolumes()) {
      addNvme(cmd, v.devicePath(), "raw", v.volumeId(), disk++);
    }
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(home.resolve("qemu.log").toFile())
            .start();
    Instant at = Instant.now();
    Properties props = new Properties();
    props.setProperty("name", spec.name());
    props.setProperty("launchedAt", at.toString());
    props.setProperty("pid", Long.toString(p.pid()));
    props.setProperty("imageId", spec.imageId());
    props.setProperty("instanceType", spec.instanceType());
    spec.tags().forEach((k, v) -> props.setProperty("tag." + k, v));
    store(props, home.resolve("instance.properties"));
    try {
      if (p.waitFor(500, TimeUnit.MILLISECONDS)) {
        String why = Files.readString(home.resolve("qemu.log")).strip();
        terminate(id);
        throw new IOException("qemu exited at once (" + p.exitValue() + "): " + why);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return describe(id).orElseThrow();
  }

  /** A locally administered MAC derived from the instance id. */
  static String mac(String instanceId) {
    String h = instanceId.substring(2) + "000000000000";
    return "02:"
        + h.substring(0, 2)
        + ":"
        + h.substring(2, 4)
        + ":"
        + h.substring(4, 6)
        + ":"
        + h.substring(6, 8)
        + ":"
        + h.substring(8, 10);
  }

  private static void addNvme(List<String> cmd, Path file, String format, String serial, int i) {
    cmd.add("-drive");
    cmd.add("file=" + file + ",format=" + format + ",if=none,cache=none,aio=threads,id=d" + i);
    cmd.add("-device");
    // NVMe serials are at most 20 characters; EC2 puts the volume id there, so do we.
    String s = serial.replaceAll("[^A-Za-z0-9]", "");
    cmd.add(
        "nvme,drive=d"
            + i
            + ",serial="
            + s.substring(0, Math.min(20, s.length()))
            + (i == 0 ? ",bootindex=0" : ""));
  }

  private static void run(List<String> cmd, Path home) throws IOException {
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(home.resolve("qemu-img.log").toFile())
            .start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException(
            String.join(" ", cmd) + " failed: " + Files.readString(home.resolve("qemu-img.log")));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  @Override
  public Optional<Instance> describe(String instanceId) throws IOException {
    if (!instanceId.matches("i-[0-9a-f]+")) {
      return Optional.empty();
    }
    Path home = dir.resolve(instanceId);
    Path file = home.resolve("instance.properties");
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    String state =
        Files.exists(home.resolve("terminated"))
            ? "terminated"
            : process(p).isPresent() ? "running" : "stopped";
    Map<String, String> tags = new LinkedHashMap<>();
    for (String k : p.stringPropertyNames()) {
      if (k.startsWith("tag.")) {
        tags.put(k.substring(4), p.getProperty(k));
      }
    }
    return Optional.of(
        new Instance(
            instanceId,
            p.getProperty("name"),
            state,
            Instant.parse(p.getProperty("launchedAt")),
            p.getProperty("imageId"),
            p.getProperty("instanceType"),
            // qemu's user-mode network hands out the same first address to every guest.
            state.equals("running") ? "10.0.2.15" : null,
            tags));
  }

  /** The qemu process, if it still runs (a reused pid runs another command). */
  private static Optional<ProcessHandle> process(Properties p) {
    return ProcessHandle.of(Long.parseLong(p.getProperty("pid")))
        .filter(ProcessHandle::isAlive)
        .filter(h -> h.info().command().map(c -> c.contains("qemu")).orElse(true));
  }

  @Override
  public List<Instance> list(Map<String, String> tags) throws IOException {
    List<Instance> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) {
        Optional<Instance> i = describe(p.getFileName().toString());
        if (i.isPresent() && i.get().tags().entrySet().containsAll(tags.entrySet())) {
          out.add(i.get());
        }
      }
    }
    out.sort((a, b) -> a.launchedAt().compareTo(b.launchedAt()));
    return out;
  }

  @Override
  public void tag(String instanceId, Map<String, String> tags) throws IOException {
    Path file = dir.resolve(instanceId).resolve("instance.properties");
    if (!instanceId.matches("i-[0-9a-f]+") || !Files.exists(file)) {
      throw new IOException("InvalidInstanceID.NotFound: " + instanceId);
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    tags.forEach((k, v) -> p.setProperty("tag." + k, v));
    store(p, file);
  }

  /** Replaced whole, so another process never reads half of it. */
  private static void store(Properties p, Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      p.store(out, null);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public String consoleOutput(String instanceId) throws IOException {
    Path console = dir.resolve(instanceId).resolve("console.log");
    if (!instanceId.matches("i-[0-9a-f]+") || !Files.exists(console)) {
      throw new IOException("InvalidInstanceID.NotFound: " + instanceId);
    }
    return Files.readString(console, StandardCharsets.ISO_8859_1);
  }

  @Override
  public void terminate(String instanceId) throws IOException {
    Path home = dir.resolve(instanceId);
    Path file = home.resolve("instance.properties");
    if (!instanceId.matches("i-[0-9a-f]+") || !Files.exists(file)) {
      return;
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    Optional<ProcessHandle> h = process(p);
    if (h.isPresent()) {
      h.get().destroy();
      try {
        h.get().onExit().get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        h.get().destroyForcibly();
        try {
          h.get().onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // Reported below by the state check of whoever asks next.
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IOException(e.getCause());
      }
    }
    // The instance's own volumes go with it (EBS DeleteOnTermination); console and state stay.
    try (Stream<Path> s = Files.list(home)) {
      for (Path v : s.filter(f -> f.getFileName().toString().endsWith(".qcow2")).toList()) {
        Files.deleteIfExists(v);
      }
    }
    if (!Files.exists(home.resolve("terminated"))) {
      Files.writeString(home.resolve("terminated"), Instant.now().toString());
    }
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
