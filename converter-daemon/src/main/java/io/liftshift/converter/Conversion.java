package io.liftshift.converter;

import io.liftshift.converter.apply.ConversionReport;
import io.liftshift.converter.apply.PlanApplier;
import io.liftshift.converter.inspect.BlockDevice;
import io.liftshift.converter.inspect.Commands;
import io.liftshift.converter.inspect.GuestDisks;
import io.liftshift.converter.plan.ConversionPlan;
import io.liftshift.converter.plan.GuestDevices;
import io.liftshift.converter.plan.GuestFiles;
import io.liftshift.converter.plan.LinuxConversionPlanner;
import io.liftshift.converter.plan.UnsupportedGuestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * One conversion: open the volumes, find the guest's root filesystem, plan, and (unless a dry run)
 * apply the plan with the guest's own tools in a chroot. Everything mounted or attached is undone
 * before it returns, whatever happened.
 */
public final class Conversion {
  private static final Logger LOG = Logger.getLogger(Conversion.class.getName());

  /** The plan (null when none could be made) and what came of it. */
  public record Outcome(ConversionPlan plan, ConversionReport report) {}

  private final ConversionJob job;
  private final Path workDir;
  private final WindowsConversion.Options windows;

  public Conversion(ConversionJob job, Path workDir) {
    this(job, workDir, WindowsConversion.Options.DEFAULT.driversDir(), false);
  }

  /**
   * @param windowsDrivers AWS's Windows driver packages on this server (used for a Windows guest)
   * @param enableRdp open Remote Desktop on a converted Windows guest
   */
  public Conversion(ConversionJob job, Path workDir, Path windowsDrivers, boolean enableRdp) {
    this.job = job;
    this.workDir = workDir;
    this.windows = new WindowsConversion.Options(windowsDrivers, enableRdp);
  }

  public Outcome run(boolean dryRun) {
    long start = System.currentTimeMillis();
    List<Path> volumes = job.volumes().stream().map(Path::of).toList();
    try (GuestDisks disks = GuestDisks.open(volumes, dryRun)) {
      List<BlockDevice> devices = disks.devices();
      WindowsConversion win = new WindowsConversion(job, workDir, windows);
      Optional<BlockDevice> system = win.systemVolume(disks, devices);
      if (system.isPresent()) {
        return win.run(disks, devices, system.get(), dryRun, start);
      }
      BlockDevice root = findRoot(disks, devices);
      Path mnt = Files.createDirectories(workDir.resolve("root-" + job.jobId()));
      disks.mount(root, mnt);
      GuestFiles guest = new GuestFiles(mnt);
      GuestDevices names = deviceNames(devices);
      mountBootFilesystems(disks, guest, names, mnt);
      ConversionPlan plan =
          new LinuxConversionPlanner(
                  guest, names, root.uuid(), job.jobId(), job.postLaunchActions())
              .plan();
      if (dryRun) {
        return new Outcome(
            plan,
            new ConversionReport(
                "PLANNED", "", plan.guest(), List.of(), System.currentTimeMillis() - start));
      }
      ConversionReport report =
          new PlanApplier(guest, (r, cmd) -> inChroot(disks, r, cmd)).apply(plan);
      Commands.run(60, "sync");
      return new Outcome(plan, report);
    } catch (UnsupportedGuestException e) {
      return new Outcome(
          null, ConversionReport.failed(e.getMessage(), null, System.currentTimeMillis() - start));
    } catch (IOException | RuntimeException e) {
      LOG.warning("conversion of " + job.jobId() + " failed: " + e.getMessage());
      return new Outcome(
          null,
          ConversionReport.failed(
              String.valueOf(e.getMessage()), null, System.currentTimeMillis() - start));
    }
  }

  /** The filesystem holding /etc/os-release and /etc/fstab (Windows was looked for first). */
  private BlockDevice findRoot(GuestDisks disks, List<BlockDevice> devices)
      throws IOException, UnsupportedGuestException {
    List<String> seen = new ArrayList<>();
    Path probe = Files.createDirectories(workDir.resolve("probe-" + job.jobId()));
    for (BlockDevice b : devices) {
      if (!b.fsType().isEmpty()) {
        seen.add(b.path() + " " + b.fsType());
      }
      if (!b.isLinuxFilesystem()) {
        continue;
      }
      int depth = disks.depth();
      try {
        // A probe never replays a journal: the root is mounted for real only once it is found.
        Commands.run(
            60,
            "mount",
            "-t",
            b.fsType(),
            "-o",
            b.fsType().equals("xfs")
                ? "ro,norecovery"
                : b.fsType().startsWith("ext") ? "ro,noload" : "ro",
            b.path(),
            probe.toString());
        boolean isRoot =
            (Files.exists(probe.resolve("etc/os-release"))
                    || Files.isSymbolicLink(probe.resolve("etc/os-release")))
                && Files.exists(probe.resolve("etc/fstab"));
        Commands.run(60, "umount", probe.toString());
        if (isRoot) {
          return b;
        }
      } catch (IOException e) {
        LOG.info("probing " + b.path() + ": " + e.getMessage());
        disks.unmountTo(depth);
      }
    }
    throw new UnsupportedGuestException(
        "no Linux root filesystem (with /etc/os-release and /etc/fstab) on the "
            + job.volumes().size()
            + " volume(s); filesystems seen: "
            + (seen.isEmpty() ? "none (is the disk empty or damaged?)" : String.join(", ", seen)));
  }

  private GuestDevices deviceNames(List<BlockDevice> devices) {
    GuestDevices names = new GuestDevices();
    for (BlockDevice b : devices) {
      if (b.uuid().isEmpty()) {
        continue;
      }
      if (b.type().equals("part")) {
        names.partition(b.volumeIndex(), b.partition(), b.uuid());
        if (b.volumeIndex() < job.sourceDeviceNames().size()) {
          String disk = job.sourceDeviceNames().get(b.volumeIndex());
          names.alias(disk + b.partition(), b.uuid());
          names.alias(disk + "p" + b.partition(), b.uuid());
        }
      } else if (b.type().equals("lvm")) {
        names.alias(b.path(), b.uuid());
      }
    }
    return names;
  }

  /** /boot and /boot/efi, when fstab puts them on their own filesystems. */
  private void mountBootFilesystems(
      GuestDisks disks, GuestFiles guest, GuestDevices names, Path mnt) throws IOException {
    String fstab = guest.read("/etc/fstab").orElse("");
    for (String mountPoint : List.of("/boot", "/boot/efi")) {
      for (String line : fstab.split("\n")) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 2 || f[0].startsWith("#") || !f[1].equals(mountPoint)) {
          continue;
        }
        Optional<String> uuid =
            f[0].startsWith("UUID=") ? Optional.of(f[0].substring(5)) : names.uuidOf(f[0]);
        Optional<BlockDevice> dev = uuid.isPresent() ? disks.byUuid(uuid.get()) : Optional.empty();
        if (dev.isEmpty()) {
          throw new IOException(
              mountPoint + " (" + f[0] + " in fstab) is not on the migrated volumes");
        }
        disks.mount(dev.get(), guest.resolve(mountPoint));
      }
    }
  }

  /** Runs the guest's tool in its root with /dev, /proc, /sys and a fresh /run bound in. */
  private static String inChroot(GuestDisks disks, Path root, List<String> command)
      throws IOException {
    int depth = disks.depth();
    try {
      disks.bind("bind", "/dev", root.resolve("dev"));
      if (java.nio.file.Files.isDirectory(Path.of("/dev/pts"))) {
        disks.bind("bind", "/dev/pts", root.resolve("dev/pts"));
      }
      disks.bind("proc", "proc", root.resolve("proc"));
      disks.bind("sysfs", "sysfs", root.resolve("sys"));
      disks.bind("tmpfs", "tmpfs", root.resolve("run"));
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "chroot",
                  root.toString(),
                  "/usr/bin/env",
                  "-i",
                  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                  "LANG=C"));
      cmd.addAll(command);
      return Commands.run(PlanApplier.DEFAULT_CHROOT_TIMEOUT_SECONDS, cmd);
    } finally {
      disks.unmountTo(depth);
    }
  }
}
