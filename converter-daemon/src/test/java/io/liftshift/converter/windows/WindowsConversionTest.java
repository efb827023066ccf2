package io.liftshift.converter.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liftshift.converter.Conversion;
import io.liftshift.converter.ConversionJob;
import io.liftshift.converter.apply.ConversionReport;
import io.liftshift.converter.apply.ConversionReport.StepOutcome;
import io.liftshift.converter.inspect.windows.DriverPackages;
import io.liftshift.converter.inspect.windows.HiveTool;
import io.liftshift.converter.inspect.windows.WindowsPaths;
import io.liftshift.converter.plan.ConversionStep;
import io.liftshift.converter.plan.RegistryValue;
import io.liftshift.converter.plan.windows.WindowsConversionPlanner;
import io.liftshift.converter.windows.WindowsVolumes.Era;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Converts Windows-shaped system disks made in the test (mkntfs, hives made with the hive tools,
 * placeholder driver files: see {@link WindowsVolumes}) and reads the result back with the same
 * tools. This proves the offline conversion: every planned key and value is in the hives, the files
 * are on the volume, a second run changes no byte, a damaged hive changes none. It does not prove
 * that Windows boots from the result; only a launch of a real Windows image on Nitro does.
 */
class WindowsConversionTest {
  @TempDir Path dir;
  private Path drivers;

  @BeforeEach
  void setUp() throws IOException {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "loop devices and mounts need root (CI runs as root)");
    drivers = WindowsVolumes.drivers(dir.resolve("drivers"));
  }

  private Conversion.Outcome convert(Path image, boolean dryRun, boolean enableRdp)
      throws IOException {
    ConversionJob job =
        new ConversionJob(
            "mgnjob-win" + System.nanoTime(),
            "s-1",
            List.of(image.toString()),
            List.of("\\\\.\\PhysicalDrive0"),
            List.of());
    return new Conversion(job, Files.createDirectories(dir.resolve("work")), drivers, enableRdp)
        .run(dryRun);
  }

  @Test
  void server2008R2OnBiosGetsCriticalDeviceDatabaseEntriesAndASecondRunChangesNothing()
      throws IOException {
    Path image = dir.resolve("w2008r2.img");
    WindowsVolumes.build(image, Era.SERVER_2008_R2, dir);

    Conversion.Outcome o = convert(image, false, true);

    ConversionReport r = o.report();
    assertThat(r.status()).as(r.reason()).isEqualTo("SUCCEEDED");
    assertThat(r.guest().prettyName()).isEqualTo("Windows Server 2008 R2 Datacenter");
    assertThat(r.guest().bootModes()).containsExactly("LEGACY_BIOS");
    assertThat(r.guest().versionId()).isEqualTo("6.1.7601");
    assertEveryPlannedValueIsInTheHives(image, Era.SERVER_2008_R2, o);
    WindowsVolumes.onWindowsVolume(
        image,
        Era.SERVER_2008_R2,
        false,
        dir,
        root -> {
          Path system = hive(root, "SYSTEM");
          String cs = "ControlSet001";
          assertThat(value(system, cs + "\\Services\\AWSNVMe", "Start")).isEqualTo("0");
          assertThat(value(system, cs + "\\Services\\AWSNVMe", "Type")).isEqualTo("1");
          assertThat(value(system, cs + "\\Services\\AWSNVMe", "ImagePath"))
              .isEqualTo("\\SystemRoot\\System32\\drivers\\AWSNVMe.sys");
          assertThat(value(system, cs + "\\Services\\ena", "Start")).isEqualTo("3");
          for (String dev : List.of("8061", "0061", "CD00")) {
            assertThat(
                    value(
                        system,
                        cs
                            + "\\Control\\CriticalDeviceDatabase\\pci#ven_1d0f&dev_"
                            + dev.toLowerCase(),
                        "Service"))
                .isEqualTo("AWSNVMe");
          }
          assertThat(
                  value(
                      system,
                      cs + "\\Control\\CriticalDeviceDatabase\\pci#ven_1d0f&dev_ec20",
                      "Service"))
              .isEqualTo("ena");
          // The source's own entries stay.
          assertThat(
                  value(
                      system,
                      cs + "\\Control\\CriticalDeviceDatabase\\pci#ven_15ad&dev_07c0",
                      "Service"))
              .isEqualTo("pvscsi");
          assertThat(HiveTool.subkeys(system, "DriverDatabase")).isEmpty();
          assertThat(value(system, cs + "\\Services\\VMTools", "Start")).isEqualTo("4");
          assertThat(value(system, cs + "\\Services\\pvscsi", "Start")).isEqualTo("0");
          String iface =
              cs + "\\Services\\Tcpip\\Parameters\\Interfaces\\" + WindowsVolumes.STATIC_IF;
          assertThat(value(system, iface, "EnableDHCP")).isEqualTo("1");
          assertThat(value(system, cs + "\\Control\\Terminal Server", "fDenyTSConnections"))
              .isEqualTo("0");
          assertThat(
                  value(
                      system,
                      cs + "\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\FirewallRules",
                      "RemoteDesktop-UserMode-In-TCP"))
              .contains("|Active=TRUE|");
          assertFiles(root);
          return null;
        });

    String before = DriverPackages.sha256(image);
    Conversion.Outcome again = convert(image, false, true);
    assertThat(again.report().status()).isEqualTo("SUCCEEDED");
    assertThat(again.report().steps())
        .extracting(StepOutcome::outcome)
        .containsOnly("UNCHANGED", "SKIPPED");
    assertThat(DriverPackages.sha256(image))
        .as("a second conversion changes no byte")
        .isEqualTo(before);
  }

  @Test
  void server2022OnUefiGetsDriverDatabaseEntriesAndTheDryRunChangesNothing() throws IOException {
    Path image = dir.resolve("w2022.img");
    WindowsVolumes.build(image, Era.SERVER_2022, dir);
    String pristine = DriverPackages.sha256(image);

    Conversion.Outcome dry = convert(image, true, false);
    assertThat(dry.report().status()).isEqualTo("PLANNED");
    assertThat(dry.plan().describe())
        .contains("Windows Server 2022 Datacenter")
        .contains("registry SYSTEM\\ControlSet001\\Services\\AWSNVMe")
        .contains("DriverDatabase\\DeviceIds\\PCI\\VEN_1D0F&DEV_8061");
    assertThat(DriverPackages.sha256(image)).as("a dry run changes no byte").isEqualTo(pristine);

    Conversion.Outcome o = convert(image, false, false);
    ConversionReport r = o.report();
    assertThat(r.status()).as(r.reason()).isEqualTo("SUCCEEDED");
    assertThat(r.guest().bootModes()).containsExactly("UEFI");
    assertThat(r.guest().versionId()).isEqualTo("10.0.20348");
    assertEveryPlannedValueIsInTheHives(image, Era.SERVER_2022, o);
    WindowsVolumes.onWindowsVolume(
        image,
        Era.SERVER_2022,
        false,
        dir,
        root -> {
          Path system = hive(root, "SYSTEM");
          String pkg = "awsnvme.inf_amd64_liftshift";
          assertThat(
                  value(system, "DriverDatabase\\DeviceIds\\PCI\\VEN_1D0F&DEV_8061", "awsnvme.inf"))
              .isEqualTo("01,ff,00,00");
          assertThat(value(system, "DriverDatabase\\DeviceIds\\PCI\\VEN_1D0F&DEV_EC21", "ena.inf"))
              .isEqualTo("01,ff,00,00");
          assertThat(value(system, "DriverDatabase\\DriverInfFiles\\awsnvme.inf", "Active"))
              .isEqualTo(pkg);
          assertThat(
                  value(
                      system,
                      "DriverDatabase\\DriverPackages\\" + pkg + "\\Configurations\\AWSNVMe_Inst",
                      "Service"))
              .isEqualTo("AWSNVMe");
          assertThat(
                  value(system, "DriverDatabase\\DeviceIds\\PCI\\VEN_15AD&DEV_07C0", "pvscsi.inf"))
              .isEqualTo("01,ff,00,00");
          assertThat(HiveTool.subkeys(system, "ControlSet001\\Control\\CriticalDeviceDatabase"))
              .isEmpty();
          assertThat(value(system, "ControlSet001\\Services\\QEMU-GA", "Start")).isEqualTo("4");
          assertThat(value(system, "ControlSet001\\Services\\vmicheartbeat", "Start"))
              .as("Hyper-V's in-box services are left")
              .isEqualTo("3");
          assertThat(value(system, "ControlSet001\\Control\\Terminal Server", "fDenyTSConnections"))
              .as("RDP stays as the source had it when the launch does not ask for it")
              .isEqualTo("1");
          assertFiles(root);
          assertThat(Files.exists(root.resolve("ProgramData/liftshift/AmazonEC2Launch.msi")))
              .isTrue();
          return null;
        });
  }

  @Test
  void aDamagedHiveFailsTheConversionAndLeavesTheVolumeUntouched() throws IOException {
    Path image = dir.resolve("damaged.img");
    WindowsVolumes.build(image, Era.SERVER_2022, dir);
    WindowsVolumes.onWindowsVolume(
        image,
        Era.SERVER_2022,
        true,
        dir,
        root -> {
          Path software = hive(root, "SOFTWARE");
          byte[] b = Files.readAllBytes(software);
          for (int i = 4096; i < 4096 + 64; i++) {
            b[i] = (byte) 0x5a; // the first bin's header and the root key's cell
          }
          Files.write(software, b);
          return null;
        });
    String before = DriverPackages.sha256(image);

    Conversion.Outcome o = convert(image, false, true);

    assertThat(o.report().status()).isEqualTo("FAILED");
    assertThat(o.report().reason()).contains("SOFTWARE hive").contains("cannot be read");
    assertThat(DriverPackages.sha256(image)).as("the volume is untouched").isEqualTo(before);
  }

  @Test
  void withoutTheAwsDriverPackagesTheConversionFailsWithTheReason() throws IOException {
    Path image = dir.resolve("nodrivers.img");
    WindowsVolumes.build(image, Era.SERVER_2008_R2, dir);
    drivers = dir.resolve("no-such-dir");
    String before = DriverPackages.sha256(image);

    Conversion.Outcome o = convert(image, false, false);

    assertThat(o.report().status()).isEqualTo("FAILED");
    assertThat(o.report().reason())
        .contains("AWSNVMe driver package")
        .contains("INACCESSIBLE_BOOT_DEVICE");
    assertThat(DriverPackages.sha256(image)).isEqualTo(before);
  }

  /** Every value of every registry step of the plan, read back from the volume's hives. */
  private void assertEveryPlannedValueIsInTheHives(Path image, Era era, Conversion.Outcome o)
      throws IOException {
    List<ConversionStep.SetRegistryValues> planned =
        o.plan().steps().stream()
            .filter(s -> s instanceof ConversionStep.SetRegistryValues)
            .map(s -> (ConversionStep.SetRegistryValues) s)
            .toList();
    assertThat(planned).hasSizeGreaterThan(10);
    WindowsVolumes.onWindowsVolume(
        image,
        era,
        false,
        dir,
        root -> {
          for (ConversionStep.SetRegistryValues s : planned) {
            Map<String, RegistryValue> now =
                HiveTool.values(hive(root, s.hive()), s.key()).orElseThrow();
            s.values()
                .forEach(
                    (name, v) ->
                        assertThat(now).as(s.hive() + "\\" + s.key()).containsEntry(name, v));
          }
          return null;
        });
  }

  private void assertFiles(Path root) throws IOException {
    for (String f : List.of("AWSNVMe/AWSNVMe.sys", "ENA/ena.sys")) {
      String name = f.substring(f.indexOf('/') + 1);
      assertThat(DriverPackages.sha256(root.resolve("Windows/System32/drivers/" + name)))
          .isEqualTo(DriverPackages.sha256(drivers.resolve(f)));
      assertThat(root.resolve("ProgramData/liftshift/drivers/" + f)).exists();
    }
    assertThat(root.resolve("Windows/INF/awsnvme.inf")).exists();
    assertThat(
            root.resolve(
                "Windows/System32/DriverStore/FileRepository/ena.inf_amd64_liftshift/ena.sys"))
        .exists();
    String script =
        Files.readString(
            root.resolve("ProgramData/liftshift/first-boot.ps1"), StandardCharsets.ISO_8859_1);
    assertThat(script)
        .contains("pnputil.exe /add-driver")
        .contains("Set-NetIPInterface -InterfaceIndex $_.ifIndex -Dhcp Enabled")
        .contains(WindowsConversionPlanner.FIRST_BOOT_MARKER)
        .contains("\r\n");
    assertThat(
            value(
                hive(root, "SOFTWARE"),
                "Microsoft\\Windows\\CurrentVersion\\RunOnce",
                WindowsConversionPlanner.RUN_ONCE_VALUE))
        .contains("first-boot.ps1");
  }

  private static Path hive(Path root, String name) throws IOException {
    return WindowsPaths.find(root, "Windows/System32/config/" + name).orElseThrow();
  }

  private static String value(Path hive, String key, String name) throws IOException {
    return HiveTool.value(hive, key, name).map(RegistryValue::text).orElse(null);
  }
}
