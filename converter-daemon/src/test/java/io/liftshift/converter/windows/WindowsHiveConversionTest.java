package io.liftshift.converter.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liftshift.converter.apply.ConversionReport;
import io.liftshift.converter.apply.ConversionReport.StepOutcome;
import io.liftshift.converter.apply.windows.WindowsPlanApplier;
import io.liftshift.converter.inspect.Commands;
import io.liftshift.converter.inspect.windows.DriverPackages;
import io.liftshift.converter.inspect.windows.HiveTool;
import io.liftshift.converter.inspect.windows.WindowsInspector;
import io.liftshift.converter.plan.ConversionPlan;
import io.liftshift.converter.plan.UnsupportedGuestException;
import io.liftshift.converter.plan.windows.WindowsConversionPlanner;
import io.liftshift.converter.plan.windows.WindowsFacts;
import io.liftshift.converter.windows.WindowsVolumes.Era;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inspect, plan and apply on a Windows system tree in a plain directory (hives made with the hive
 * tools, no NTFS, no mount): runs without root, so every machine with the hive tools checks the
 * Windows steps themselves. The result is read back with hivexget and hivexregedit --export, other
 * tools than the hivexsh through which the converter reads, so a misreading there cannot hide a
 * wrong write. {@link WindowsConversionTest} does the same through NTFS images as root.
 */
class WindowsHiveConversionTest {
  @TempDir Path dir;
  private Path root;
  private Path config;

  @BeforeEach
  void setUp() throws IOException {
    for (String tool : List.of("hivexsh", "hivexregedit", "hivexget")) {
      assumeTrue(onPath(tool), tool + " is not installed (scripts/setup installs libhivex-bin)");
    }
    root = Files.createDirectories(dir.resolve("volume"));
    for (String d :
        List.of(
            "Windows/System32/drivers",
            "Windows/System32/DriverStore/FileRepository",
            "Windows/INF",
            "ProgramData")) {
      Files.createDirectories(root.resolve(d));
    }
    config = Files.createDirectories(root.resolve("Windows/System32/config"));
  }

  @Test
  void server2022InspectedPlannedAndAppliedWithDriverDatabaseEntries() throws Exception {
    WindowsVolumes.hives(dir, config, Era.SERVER_2022);

    WindowsFacts facts = inspect();

    assertThat(facts.productName()).isEqualTo("Windows Server 2022 Datacenter");
    assertThat(facts.ntVersion()).isEqualTo("10.0");
    assertThat(facts.currentBuild()).isEqualTo("20348");
    assertThat(facts.controlSet()).isEqualTo("ControlSet001");
    assertThat(facts.hasDriverDatabase()).isTrue();
    assertThat(facts.staticInterfaces())
        .singleElement()
        .satisfies(i -> assertThat(i.ipAddresses()).containsExactly("10.20.30.40"));
    assertThat(facts.hypervisorTools())
        .containsEntry("VMware Tools", List.of("pvscsi", "VMTools"))
        .containsEntry("Hyper-V integration services", List.of("vmicheartbeat"))
        .containsEntry("Xen PV drivers", List.of("xenvbd"))
        .containsEntry("virtio drivers", List.of("QEMU-GA", "viostor"));

    ConversionPlan plan = plan(facts);
    assertThat(plan.describe())
        .contains("Xen PV drivers found: xenvbd")
        .contains("DriverDatabase\\DriverPackages\\awsnvme.inf_amd64_liftshift")
        .doesNotContain("CriticalDeviceDatabase");

    ConversionReport r = apply(plan, false);
    assertThat(r.status()).as(r.reason()).isEqualTo("SUCCEEDED");

    Path system = config.resolve("SYSTEM");
    assertThat(hivexget(system, "ControlSet001\\Services\\AWSNVMe", "Start")).isEqualTo("0");
    assertThat(hivexget(system, "ControlSet001\\Services\\AWSNVMe", "Group"))
        .isEqualTo("SCSI miniport");
    assertThat(hivexget(system, "ControlSet001\\Services\\ena", "Start")).isEqualTo("3");
    assertThat(hivexget(system, "ControlSet001\\Services\\VMTools", "Start")).isEqualTo("4");
    assertThat(hivexget(system, "ControlSet001\\Services\\viostor", "Start"))
        .as("other hypervisors' kernel drivers are left")
        .isEqualTo("0");
    String exported =
        export(system, "SYSTEM", "DriverDatabase\\DriverPackages\\awsnvme.inf_amd64_liftshift");
    // hivexregedit --export writes REG_BINARY as hex(3), REG_SZ as hex(1) (UTF-16LE).
    // virt-v2v's Version value, with the SCSIAdapter class {4D36E97B-E325-11CE-BFC1-08002BE10318}.
    assertThat(exported)
        .contains(
            "\"Version\"=hex(3):00,ff,09,00,00,00,00,00,7b,e9,36,4d,25,e3,ce,11,bf,c1,08,00,2b,e1,03,18,"
                + "00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00")
        .contains(
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\DriverDatabase\\DriverPackages\\"
                + "awsnvme.inf_amd64_liftshift\\Configurations\\AWSNVMe_Inst]")
        .contains("\"ConfigFlags\"=dword:00000000");
    assertThat(
            hivexget(
                system,
                "DriverDatabase\\DriverPackages\\awsnvme.inf_amd64_liftshift\\Configurations\\AWSNVMe_Inst",
                "Service"))
        .isEqualTo("AWSNVMe");
    assertThat(export(system, "SYSTEM", "DriverDatabase\\DeviceIds\\PCI\\VEN_1D0F&DEV_EC20"))
        .contains("\"ena.inf\"=hex(3):01,ff,00,00");
    assertThat(
            hivexget(
                config.resolve("SOFTWARE"),
                "Microsoft\\Windows\\CurrentVersion\\RunOnce",
                WindowsConversionPlanner.RUN_ONCE_VALUE))
        .contains("first-boot.ps1");
    assertThat(root.resolve("Windows/System32/drivers/AWSNVMe.sys")).exists();
    assertThat(root.resolve("ProgramData/liftshift/first-boot.ps1")).exists();

    String systemSha = DriverPackages.sha256(system);
    ConversionReport dry = apply(plan(inspect()), true);
    assertThat(dry.status()).isEqualTo("PLANNED");
    assertThat(dry.steps()).extracting(StepOutcome::outcome).containsOnly("UNCHANGED", "SKIPPED");
    assertThat(DriverPackages.sha256(system)).isEqualTo(systemSha);
  }

  @Test
  void server2008R2GetsCriticalDeviceDatabaseEntriesAndADryRunWritesNothing() throws Exception {
    WindowsVolumes.hives(dir, config, Era.SERVER_2008_R2);
    String before = treeDigest();

    WindowsFacts facts = inspect();
    assertThat(facts.ntVersion()).isEqualTo("6.1");
    assertThat(facts.hasDriverDatabase()).isFalse();
    ConversionReport dry = apply(plan(facts), true);

    assertThat(dry.status()).isEqualTo("PLANNED");
    assertThat(dry.steps()).extracting(StepOutcome::outcome).contains("PLANNED");
    assertThat(treeDigest()).as("a dry run writes nothing").isEqualTo(before);

    assertThat(apply(plan(facts), false).status()).isEqualTo("SUCCEEDED");
    Path system = config.resolve("SYSTEM");
    assertThat(
            export(system, "SYSTEM", "ControlSet001\\Control\\CriticalDeviceDatabase")
                .toLowerCase())
        .contains("criticaldevicedatabase\\pci#ven_1d0f&dev_8061]")
        .contains("criticaldevicedatabase\\pci#ven_1d0f&dev_ec20]");
    assertThat(
            hivexget(
                system,
                "ControlSet001\\Control\\CriticalDeviceDatabase\\pci#ven_1d0f&dev_8061",
                "Service"))
        .isEqualTo("AWSNVMe");
    assertThat(HiveTool.subkeys(system, "DriverDatabase")).isEmpty();
  }

  @Test
  void windowsBefore2008R2IsRefusedWithTheReason() throws Exception {
    WindowsVolumes.hives(dir, config, Era.SERVER_2008_R2);
    Path reg = dir.resolve("2003.reg");
    Files.writeString(
        reg,
        "Windows Registry Editor Version 5.00\n\n"
            + "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\n"
            + "\"ProductName\"=\"Windows Server 2003\"\n\"CurrentVersion\"=\"5.2\"\n",
        StandardCharsets.UTF_8);
    HiveTool.merge(config.resolve("SOFTWARE"), "SOFTWARE", reg);

    assertThatThrownBy(this::inspect)
        .isInstanceOf(UnsupportedGuestException.class)
        .hasMessageContaining("Windows Server 2003 (NT 5.2)")
        .hasMessageContaining("Windows before Server 2008 R2 / 7 is not converted");
  }

  @Test
  void aHiveThatIsNotARegistryFailsTheInspectionWithTheToolsWords() throws Exception {
    WindowsVolumes.hives(dir, config, Era.SERVER_2022);
    Files.writeString(config.resolve("SYSTEM"), "not a registry hive\n");

    assertThatThrownBy(this::inspect)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("the SYSTEM hive")
        .hasMessageContaining("cannot be read");
  }

  private WindowsFacts inspect() throws IOException, UnsupportedGuestException {
    return new WindowsInspector(config.resolve("SYSTEM"), config.resolve("SOFTWARE"))
        .inspect("UEFI", "test tree", "/dev/test", "0000-TEST");
  }

  private ConversionPlan plan(WindowsFacts facts) throws IOException, UnsupportedGuestException {
    DriverPackages.Found found = DriverPackages.load(WindowsVolumes.drivers(dir.resolve("drv")));
    return new WindowsConversionPlanner(
            facts,
            found.packages(),
            new WindowsConversionPlanner.Settings("job-test", true, found.ec2Launch()))
        .plan();
  }

  private ConversionReport apply(ConversionPlan plan, boolean dryRun) throws IOException {
    Path work = Files.createDirectories(dir.resolve("work"));
    return new WindowsPlanApplier(
            new WindowsPlanApplier.Volume() {
              @Override
              public Path readOnlyRoot() {
                return root;
              }

              @Override
              public Path remountReadWrite() {
                return root;
              }
            },
            work)
        .apply(plan, dryRun);
  }

  private String treeDigest() throws IOException {
    StringBuilder b = new StringBuilder();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted().toList()) {
        b.append(root.relativize(p))
            .append(Files.isRegularFile(p) ? " " + DriverPackages.sha256(p) : "/")
            .append('\n');
      }
    }
    return b.toString();
  }

  private static String hivexget(Path hive, String key, String value) throws IOException {
    return Commands.run(30, "hivexget", hive.toString(), key, value).strip();
  }

  private static String export(Path hive, String name, String key) throws IOException {
    return Commands.run(
        30,
        "hivexregedit",
        "--export",
        "--prefix",
        "HKEY_LOCAL_MACHINE\\" + name,
        hive.toString(),
        key);
  }

  private static boolean onPath(String tool) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
  }
}
