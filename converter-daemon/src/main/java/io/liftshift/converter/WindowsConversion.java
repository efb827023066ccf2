package io.liftshift.converter;

import io.liftshift.converter.apply.ConversionReport;
import io.liftshift.converter.apply.windows.WindowsPlanApplier;
import io.liftshift.converter.inspect.BlockDevice;
import io.liftshift.converter.inspect.Commands;
import io.liftshift.converter.inspect.GuestDisks;
import io.liftshift.converter.inspect.windows.DriverPackages;
import io.liftshift.converter.inspect.windows.WindowsInspector;
import io.liftshift.converter.inspect.windows.WindowsPaths;
import io.liftshift.converter.plan.ConversionPlan;
import io.liftshift.converter.plan.UnsupportedGuestException;
import io.liftshift.converter.plan.windows.WindowsConversionPlanner;
import io.liftshift.converter.plan.windows.WindowsFacts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The Windows side of a conversion: finds the Windows system volume (NTFS holding
 * Windows\System32\config\SYSTEM), reads the boot mode from the partition table and the boot
 * manager, inspects the hives, plans and applies. The volume is mounted with ntfs-3g read-only, and
 * read-write only when there is something to write.
 */
final class WindowsConversion {
  private static final java.util.logging.Logger LOG =
      java.util.logging.Logger.getLogger(WindowsConversion.class.getName());

  /**
   * What the launch gives a Windows conversion.
   *
   * @param driversDir AWS's driver packages on this server (see {@link DriverPackages})
   * @param enableRdp open Remote Desktop on the converted server
   */
  record Options(Path driversDir, boolean enableRdp) {
    static final Options DEFAULT = new Options(DriverPackages.DEFAULT_DIR, false);
  }

  private final ConversionJob job;
  private final Path workDir;
  private final Options options;

  WindowsConversion(ConversionJob job, Path workDir, Options options) {
    this.job = job;
    this.workDir = workDir;
    this.options = options;
  }

  /** The Windows system volume among the devices, if there is one. */
  Optional<BlockDevice> systemVolume(GuestDisks disks, List<BlockDevice> devices)
      throws IOException {
    Path probe = Files.createDirectories(workDir.resolve("probe-win-" + job.jobId()));
    for (BlockDevice b : devices) {
      if (!b.fsType().equals("ntfs")) {
        continue;
      }
      int depth = disks.depth();
      try {
        disks.mount(b, probe, "ntfs-3g", "ro");
        if (WindowsPaths.find(probe, "Windows/System32/config/SYSTEM").isPresent()) {
          return Optional.of(b);
        }
      } catch (IOException e) {
        // A data volume that will not mount is not the system volume; the Linux path reports.
        LOG.info("probing " + b.path() + " for Windows: " + e.getMessage());
      } finally {
        disks.unmountTo(depth);
      }
    }
    return Optional.empty();
  }

  Conversion.Outcome run(
      GuestDisks disks, List<BlockDevice> devices, BlockDevice system, boolean dryRun, long start)
      throws IOException, UnsupportedGuestException {
    String[] boot = bootMode(disks, devices, system);
    Path mnt = Files.createDirectories(workDir.resolve("root-" + job.jobId()));
    Path work = Files.createDirectories(workDir.resolve("hives-" + job.jobId()));
    int depth = disks.depth();
    disks.mount(system, mnt, "ntfs-3g", "ro");
    WindowsFacts facts =
        new WindowsInspector(
                WindowsPaths.find(mnt, "Windows/System32/config/SYSTEM").orElseThrow(),
                WindowsPaths.find(mnt, "Windows/System32/config/SOFTWARE")
                    .orElseThrow(
                        () -> new IOException("Windows/System32/config/SOFTWARE is missing")))
            .inspect(boot[0], boot[1], system.path(), system.uuid());
    DriverPackages.Found found = DriverPackages.load(options.driversDir());
    ConversionPlan plan =
        new WindowsConversionPlanner(
                facts,
                found.packages(),
                new WindowsConversionPlanner.Settings(
                    job.jobId(), options.enableRdp(), found.ec2Launch()))
            .plan();
    ConversionReport report =
        new WindowsPlanApplier(
                new WindowsPlanApplier.Volume() {
                  @Override
                  public Path readOnlyRoot() {
                    return mnt;
                  }

                  @Override
                  public Path remountReadWrite() throws IOException {
                    disks.unmountTo(depth);
                    disks.mount(system, mnt, "ntfs-3g", "rw");
                    return mnt;
                  }
                },
                work)
            .apply(plan, dryRun);
    disks.unmountTo(depth);
    return new Conversion.Outcome(plan, withElapsed(report, start));
  }

  private static ConversionReport withElapsed(ConversionReport r, long start) {
    return new ConversionReport(
        r.status(), r.reason(), r.guest(), r.steps(), System.currentTimeMillis() - start);
  }

  /**
   * {UEFI or LEGACY_BIOS, where the boot manager is}: GPT with an EFI system partition holding
   * EFI/Microsoft/Boot/bootmgfw.efi, or MBR with bootmgr on an NTFS partition of the system disk.
   */
  private String[] bootMode(GuestDisks disks, List<BlockDevice> devices, BlockDevice system)
      throws IOException, UnsupportedGuestException {
    String table =
        devices.stream()
            .filter(d -> d.volumeIndex() == system.volumeIndex() && d.partition() == 0)
            .map(BlockDevice::partitionTable)
            .filter(t -> !t.isEmpty())
            .findFirst()
            .orElse("");
    Path probe = Files.createDirectories(workDir.resolve("probe-boot-" + job.jobId()));
    for (BlockDevice b : devices) {
      if (b.volumeIndex() != system.volumeIndex() || b.partition() == 0) {
        continue;
      }
      boolean esp = table.equals("gpt") && b.fsType().equals("vfat");
      boolean ntfs = table.equals("dos") && b.fsType().equals("ntfs");
      if (!esp && !ntfs) {
        continue;
      }
      if (esp) {
        // mtools reads the FAT file system itself: nothing mounted, nothing written.
        String file = "::/EFI/Microsoft/Boot/bootmgfw.efi";
        try {
          Commands.run(30, "mdir", "-i", b.path(), "-b", file);
          return new String[] {"UEFI", "EFI/Microsoft/Boot/bootmgfw.efi on " + b.path()};
        } catch (IOException e) {
          continue; // another FAT partition, or an ESP without Windows' loader
        }
      }
      int depth = disks.depth();
      try {
        disks.mount(b, probe, "ntfs-3g", "ro");
        if (WindowsPaths.find(probe, "bootmgr").isPresent()) {
          return new String[] {"LEGACY_BIOS", "bootmgr on " + b.path()};
        }
      } finally {
        disks.unmountTo(depth);
      }
    }
    throw new UnsupportedGuestException(
        "Windows system volume "
            + system.path()
            + " found, but no boot manager: neither a GPT disk with an EFI system partition"
            + " holding EFI/Microsoft/Boot/bootmgfw.efi nor an MBR disk with bootmgr (partition"
            + " table: "
            + (table.isEmpty() ? "none" : table)
            + ")");
  }
}
