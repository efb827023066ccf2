package io.liftshift.converter.plan;

import io.liftshift.converter.plan.ConversionStep.EditFile;
import io.liftshift.converter.plan.ConversionStep.RunInChroot;
import io.liftshift.converter.plan.ConversionStep.Skip;
import io.liftshift.converter.plan.ConversionStep.WriteFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plans the conversion of a Linux guest (Debian/Ubuntu or RHEL family) so that it boots natively on
 * AWS Nitro: NVMe disks, an ENA network interface, DHCP, a serial console. Reads the guest's files
 * only; the plan says what to change.
 */
public final class LinuxConversionPlanner {
  /** The serial console AWS's GetConsoleOutput (and the local cloud's console log) reads. */
  public static final String SERIAL_CONSOLE_ARGS = "console=tty0 console=ttyS0,115200n8";

  /** The line the first-boot unit prints on the serial console; the launch watches for it. */
  public static final String FIRST_BOOT_MARKER = FirstBootSetup.MARKER;

  /**
   * Drivers the target needs in the initramfs: NVMe for the disks, ENA for the network on AWS, and
   * virtio-net, the local cloud's stand-in for ENA.
   */
  static final List<String> TARGET_DRIVERS =
      List.of("nvme", "nvme_core", "ena", "virtio_net", "virtio_pci");

  private static final Pattern ROOT_ARG = Pattern.compile("(?<=\\s)root=(/dev/[^\\s]+)");

  /**
   * A post-launch action: a script run once by the first-boot unit, which reports it on the serial
   * console by {@code id}.
   */
  public record PostLaunchAction(String id, String name, String script, int timeoutSeconds) {
    public PostLaunchAction {
      if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
        throw new IllegalArgumentException(
            "post-launch action id '" + id + "' must be letters, digits, '.', '_' or '-'");
      }
      if (timeoutSeconds < 1) {
        throw new IllegalArgumentException(
            "post-launch action " + id + ": timeoutSeconds must be at least 1");
      }
    }
  }

  private final GuestFiles guest;
  private final GuestDevices devices;
  private final String rootUuid;
  private final String jobId;
  private final List<PostLaunchAction> postLaunch;

  public LinuxConversionPlanner(
      GuestFiles guest,
      GuestDevices devices,
      String rootUuid,
      String jobId,
      List<PostLaunchAction> postLaunch) {
    this.guest = guest;
    this.devices = devices;
    this.rootUuid = rootUuid;
    this.jobId = jobId;
    this.postLaunch = List.copyOf(postLaunch);
  }

  public ConversionPlan plan() throws IOException, UnsupportedGuestException {
    GuestFacts facts = facts();
    List<ConversionStep> steps = new ArrayList<>();
    fstab(steps);
    bootLoader(steps, facts);
    efiFallbackLoader(steps);
    initramfs(steps, facts);
    steps.addAll(new NetworkReconfiguration(guest).steps(facts));
    steps.addAll(new GuestToolsRemoval(guest).steps());
    steps.addAll(new ReplicationAgentRemoval(guest).steps());
    steps.addAll(new FirstBootSetup(guest, jobId, postLaunch).steps());
    return new ConversionPlan(facts, steps);
  }

  // ---- facts -----------------------------------------------------------------------------------

  GuestFacts facts() throws IOException, UnsupportedGuestException {
    Map<String, String> os = osRelease();
    String id = os.getOrDefault("ID", "").toLowerCase(Locale.ROOT);
    String like = os.getOrDefault("ID_LIKE", "").toLowerCase(Locale.ROOT);
    String all = " " + id + " " + like + " ";
    String family;
    if (all.matches(".*\\s(debian|ubuntu)\\s.*")) {
      family = "DEBIAN";
    } else if (all.matches(".*\\s(rhel|centos|fedora|rocky|almalinux|ol|amzn)\\s.*")) {
      family = "RHEL";
    } else {
      throw new UnsupportedGuestException(
          "unsupported operating system: "
              + os.getOrDefault("PRETTY_NAME", "unknown")
              + " (ID="
              + (id.isEmpty() ? "none" : id)
              + "); liftshift converts Debian/Ubuntu and RHEL-family Linux guests");
    }
    String grub = grubConfig().orElse(null);
    String initramfs =
        family.equals("DEBIAN")
            ? (guest.exists("/usr/sbin/update-initramfs") ? "update-initramfs" : "none")
            : (guest.exists("/usr/bin/dracut") || guest.exists("/usr/sbin/dracut")
                ? "dracut"
                : "none");
    List<String> kernels =
        guest.list("/lib/modules").stream().map(p -> p.substring(p.lastIndexOf('/') + 1)).toList();
    return new GuestFacts(
        family,
        id,
        os.getOrDefault("VERSION_ID", ""),
        os.getOrDefault("PRETTY_NAME", id),
        rootDeviceInFstab().orElse("UUID=" + rootUuid),
        rootUuid,
        grub == null ? "none found" : "grub2 (" + grub + ")",
        initramfs,
        networkStacks(),
        kernels,
        bootModes());
  }

  /**
   * A UEFI target starts with empty boot variables, so its firmware boots only the removable-media
   * path EFI/BOOT/BOOTX64.EFI, which Debian's GRUB does not install by default. Copied from the
   * guest's own loader (shim with GRUB beside it, else GRUB), as {@code grub-install --removable}
   * would.
   */
  private void efiFallbackLoader(List<ConversionStep> steps) throws IOException {
    for (String dir : guest.list("/boot/efi/EFI")) {
      if (dir.toUpperCase(Locale.ROOT).endsWith("/BOOT")
          && guest.list(dir).stream()
              .anyMatch(f -> f.toUpperCase(Locale.ROOT).endsWith("/BOOTX64.EFI"))) {
        return;
      }
    }
    for (String vendor : guest.list("/boot/efi/EFI")) {
      String shim = vendor + "/shimx64.efi";
      String grub = vendor + "/grubx64.efi";
      if (!guest.exists(grub)) {
        continue;
      }
      String copy =
          guest.exists(shim)
              ? "cp "
                  + shim
                  + " /boot/efi/EFI/BOOT/BOOTX64.EFI && cp "
                  + grub
                  + " /boot/efi/EFI/BOOT/"
              : "cp " + grub + " /boot/efi/EFI/BOOT/BOOTX64.EFI";
      steps.add(
          new RunInChroot(
              "boot-loader",
              List.of("sh", "-c", "mkdir -p /boot/efi/EFI/BOOT && " + copy),
              "a UEFI target with empty boot variables boots only EFI/BOOT/BOOTX64.EFI"));
      return;
    }
  }

  /**
   * How the disk can boot, for a launch whose boot mode is USE_SOURCE when the agent did not say
   * how the source booted.
   */
  private List<String> bootModes() throws IOException {
    List<String> modes = new ArrayList<>();
    if (guest.exists("/boot/grub/i386-pc") || guest.exists("/boot/grub2/i386-pc")) {
      modes.add("LEGACY_BIOS");
    }
    for (String vendor : guest.list("/boot/efi/EFI")) {
      if (guest.list(vendor).stream().anyMatch(f -> f.toLowerCase(Locale.ROOT).endsWith(".efi"))) {
        modes.add("UEFI");
        break;
      }
    }
    return modes;
  }

  private Map<String, String> osRelease() throws IOException, UnsupportedGuestException {
    Optional<String> text = guest.read("/etc/os-release");
    if (text.isEmpty()) {
      text = guest.read("/usr/lib/os-release");
    }
    if (text.isEmpty()) {
      throw new UnsupportedGuestException(
          "no /etc/os-release on the root filesystem: the operating system cannot be identified");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : text.get().split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith("#")) {
        out.put(
            line.substring(0, eq).trim(), line.substring(eq + 1).trim().replaceAll("^\"|\"$", ""));
      }
    }
    return out;
  }

  private Optional<String> grubConfig() throws IOException {
    for (String p : List.of("/boot/grub/grub.cfg", "/boot/grub2/grub.cfg")) {
      if (guest.read(p).isPresent()) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private Optional<String> rootDeviceInFstab() throws IOException {
    for (String line : guest.read("/etc/fstab").orElse("").split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 2 && !f[0].startsWith("#") && f[1].equals("/")) {
        return Optional.of(f[0]);
      }
    }
    return Optional.empty();
  }

  private List<String> networkStacks() throws IOException {
    List<String> out = new ArrayList<>();
    if (guest.read("/etc/network/interfaces").isPresent()) {
      out.add("ifupdown");
    }
    if (guest.list("/etc/netplan").stream().anyMatch(p -> p.endsWith(".yaml"))) {
      out.add("netplan");
    }
    if (guest.exists("/etc/NetworkManager/NetworkManager.conf")
        || guest.exists("/usr/sbin/NetworkManager")) {
      out.add("NetworkManager");
    }
    if (guest.list("/etc/sysconfig/network-scripts").stream()
        .anyMatch(p -> p.contains("/ifcfg-") && !p.endsWith("/ifcfg-lo"))) {
      out.add("ifcfg");
    }
    return out;
  }

  // ---- fstab -----------------------------------------------------------------------------------

  private void fstab(List<ConversionStep> steps) throws IOException {
    Optional<String> text = guest.read("/etc/fstab");
    if (text.isEmpty()) {
      steps.add(new Skip("fstab", "/etc/fstab", "the guest has no fstab"));
      return;
    }
    StringBuilder after = new StringBuilder();
    List<String> changed = new ArrayList<>();
    for (String line : text.get().split("\n", -1)) {
      String trimmed = line.trim();
      String[] f = trimmed.split("\\s+");
      if (trimmed.isEmpty() || trimmed.startsWith("#") || f.length < 2 || !stableName(f[0])) {
        after.append(line).append('\n');
        continue;
      }
      Optional<String> uuid = devices.uuidOf(f[0]);
      if (uuid.isEmpty()) {
        steps.add(
            new Skip(
                "fstab",
                f[0] + " " + f[1],
                "not a filesystem on the migrated disks; left as it is"));
        after.append(line).append('\n');
        continue;
      }
      int at = line.indexOf(f[0]);
      after
          .append(line, 0, at)
          .append("UUID=")
          .append(uuid.get())
          .append(line.substring(at + f[0].length()))
          .append('\n');
      changed.add(f[0] + " (" + f[1] + ")");
    }
    String result = after.substring(0, after.length() - 1);
    if (changed.isEmpty()) {
      steps.add(
          new Skip("fstab", "/etc/fstab", "already names filesystems by UUID, label or LVM name"));
    } else {
      steps.add(
          new EditFile(
              "fstab",
              "/etc/fstab",
              text.get(),
              result,
              "device names change on the target (" + String.join(", ", changed) + "): use UUIDs"));
    }
  }

  /** A kernel device name that the target renames (not UUID=, LABEL=, LVM or /dev/disk/by-*). */
  private static boolean stableName(String spec) {
    return spec.startsWith("/dev/")
        && !spec.startsWith("/dev/mapper/")
        && !spec.startsWith("/dev/disk/")
        && spec.chars().filter(c -> c == '/').count() == 2;
  }

  // ---- boot loader -----------------------------------------------------------------------------

  private void bootLoader(List<ConversionStep> steps, GuestFacts facts) throws IOException {
    Optional<String> cfg = grubConfig();
    if (cfg.isEmpty()) {
      steps.add(
          new Skip(
              "bootloader",
              "grub.cfg",
              "no GRUB configuration found (/boot/grub/grub.cfg, /boot/grub2/grub.cfg): the boot"
                  + " loader is left as it is"));
    } else {
      String before = guest.read(cfg.get()).orElseThrow();
      String after = kernelLines(before, "^\\s*linux(efi|16)?\\s");
      if (!after.contains("terminal_output") || !after.contains("serial")) {
        // GRUB's own menu on the serial console too, so a stalled boot is visible there.
        after = GRUB_SERIAL + after;
      }
      steps.add(ConversionStep.editOrSkip("bootloader", cfg.get(), before, after, bootWhy()));
    }
    for (String entry : guest.list("/boot/loader/entries")) {
      if (entry.endsWith(".conf")) {
        String before = guest.read(entry).orElse("");
        steps.add(
            ConversionStep.editOrSkip(
                "bootloader", entry, before, kernelLines(before, "^options\\s"), bootWhy()));
      }
    }
    Optional<String> defaults = guest.read("/etc/default/grub");
    if (defaults.isPresent()) {
      String after = defaults.get();
      Matcher m = Pattern.compile("(?m)^GRUB_CMDLINE_LINUX=\"([^\"]*)\"").matcher(after);
      if (m.find() && !m.group(1).contains("console=ttyS0")) {
        String args = (m.group(1) + " " + SERIAL_CONSOLE_ARGS).trim();
        after =
            after.substring(0, m.start())
                + "GRUB_CMDLINE_LINUX=\""
                + args
                + "\""
                + after.substring(m.end());
      } else if (!m.find(0)) {
        after =
            after
                + (after.endsWith("\n") ? "" : "\n")
                + "GRUB_CMDLINE_LINUX=\""
                + SERIAL_CONSOLE_ARGS
                + "\"\n";
      }
      after =
          after.replaceAll("(?m)^GRUB_DISABLE_LINUX_UUID=true", "GRUB_DISABLE_LINUX_UUID=false");
      steps.add(
          ConversionStep.editOrSkip(
              "bootloader",
              "/etc/default/grub",
              defaults.get(),
              after,
              "so that a later update-grub on the target keeps the serial console and UUIDs"));
    }
  }

  static final String GRUB_SERIAL =
      "# added by liftshift: GRUB on the serial console too\n"
          + "serial --unit=0 --speed=115200\n"
          + "terminal_input console serial\n"
          + "terminal_output console serial\n";

  private String bootWhy() {
    return "the kernel's root= names the old device; UUID "
        + rootUuid
        + " is found on the target, and a serial console lets the launch see the boot";
  }

  /** On every kernel line: root=/dev/... becomes root=UUID=..., and the serial console is added. */
  private String kernelLines(String text, String kernelLine) {
    Pattern line = Pattern.compile(kernelLine);
    StringBuilder out = new StringBuilder();
    for (String l : text.split("\n", -1)) {
      if (line.matcher(l).find()) {
        Matcher m = ROOT_ARG.matcher(l);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
          // LVM and /dev/disk/by-* names are stable and stay; kernel names become UUIDs.
          String replacement =
              stableName(m.group(1))
                  ? "root=UUID=" + devices.uuidOf(m.group(1)).orElse(rootUuid)
                  : m.group();
          m.appendReplacement(b, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(b);
        l = b.toString();
        if (!l.contains("console=ttyS0")) {
          l = l.stripTrailing() + " " + SERIAL_CONSOLE_ARGS;
        }
      }
      out.append(l).append('\n');
    }
    return out.substring(0, out.length() - 1);
  }

  // ---- initramfs -------------------------------------------------------------------------------

  private void initramfs(List<ConversionStep> steps, GuestFacts facts) throws IOException {
    if (facts.kernels().isEmpty()) {
      steps.add(new Skip("initramfs", "/lib/modules", "no kernel modules found in the guest"));
      return;
    }
    List<String> present = new ArrayList<>();
    for (String driver : TARGET_DRIVERS) {
      Availability a = availability(driver, facts.kernels());
      switch (a) {
        case MODULE -> present.add(driver);
        case BUILT_IN -> steps.add(new Skip("initramfs", driver, "built into the guest's kernel"));
        case MISSING ->
            steps.add(
                new Skip(
                    "initramfs",
                    driver,
                    "the guest's kernel has no "
                        + driver
                        + " driver"
                        + (driver.startsWith("nvme") || driver.equals("ena")
                            ? ": the target needs it; install a kernel that has it"
                            : "")));
      }
    }
    if (facts.initramfsTool().equals("update-initramfs")) {
      String modulesFile = "/etc/initramfs-tools/modules";
      String before = guest.read(modulesFile).orElse("");
      StringBuilder after = new StringBuilder(before);
      if (!before.isEmpty() && !before.endsWith("\n")) {
        after.append('\n');
      }
      boolean added = false;
      for (String d : present) {
        if (!Pattern.compile("(?m)^\\s*" + d + "\\s*$").matcher(before).find()) {
          if (!added) {
            after.append("# added by liftshift: the target's disk and network drivers\n");
            added = true;
          }
          after.append(d).append('\n');
        }
      }
      if (added) {
        steps.add(
            before.isEmpty() && guest.read(modulesFile).isEmpty()
                ? new WriteFile(
                    "initramfs", modulesFile, after.toString(), "0644", "drivers for the target")
                : new EditFile(
                    "initramfs",
                    modulesFile,
                    before,
                    after.toString(),
                    "the initramfs must hold the target's disk (NVMe) and network drivers"));
      }
      steps.add(
          new RunInChroot(
              "initramfs",
              List.of("update-initramfs", "-u", "-k", "all"),
              "rebuild every kernel's initramfs with the guest's own tool"));
    } else if (facts.initramfsTool().equals("dracut")) {
      steps.add(
          new WriteFile(
              "initramfs",
              "/etc/dracut.conf.d/90-liftshift-target.conf",
              "# added by liftshift: the target's disk and network drivers\nadd_drivers+=\" "
                  + String.join(" ", present)
                  + " \"\n",
              "0644",
              "the initramfs must hold the target's disk (NVMe) and network drivers"));
      steps.add(
          new RunInChroot(
              "initramfs",
              List.of("dracut", "--force", "--regenerate-all"),
              "rebuild every kernel's initramfs with the guest's own tool"));
    } else {
      steps.add(
          new Skip(
              "initramfs",
              "initramfs tool",
              "neither update-initramfs nor dracut in the guest: the initramfs is left as it is"));
    }
  }

  private enum Availability {
    MODULE,
    BUILT_IN,
    MISSING
  }

  private Availability availability(String driver, List<String> kernels) throws IOException {
    String file = driver.replace("_", "[_-]");
    Pattern ko = Pattern.compile("(^|.*/)" + file + "\\.ko(\\.(xz|zst|gz))?$");
    boolean builtIn = false;
    for (String k : kernels) {
      String dep = guest.read("/lib/modules/" + k + "/modules.dep").orElse("");
      for (String line : dep.split("\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && ko.matcher(line.substring(0, colon)).matches()) {
          return Availability.MODULE;
        }
      }
      String builtin = guest.read("/lib/modules/" + k + "/modules.builtin").orElse("");
      for (String line : builtin.split("\n")) {
        if (ko.matcher(line.trim()).matches()) {
          builtIn = true;
        }
      }
    }
    return builtIn ? Availability.BUILT_IN : Availability.MISSING;
  }
}
