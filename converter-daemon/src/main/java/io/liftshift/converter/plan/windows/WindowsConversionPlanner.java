package io.liftshift.converter.plan.windows;

import io.liftshift.converter.plan.ConversionPlan;
import io.liftshift.converter.plan.ConversionStep;
import io.liftshift.converter.plan.ConversionStep.CopyFile;
import io.liftshift.converter.plan.ConversionStep.SetRegistryValues;
import io.liftshift.converter.plan.ConversionStep.Skip;
import io.liftshift.converter.plan.ConversionStep.WriteFile;
import io.liftshift.converter.plan.RegistryValue;
import io.liftshift.converter.plan.UnsupportedGuestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Plans the offline conversion of a Windows system volume so that it boots on AWS Nitro: the AWS
 * NVMe driver registered as a boot-start service and matched to the NVMe controller's PCI ids
 * (CriticalDeviceDatabase before Windows 8, DriverDatabase from Windows 8 / Server 2012), the ENA
 * driver likewise for the network adapter, other hypervisors' agents disabled, static addresses
 * turned to DHCP, and a first-boot script. A pure function of the facts and the driver packages:
 * whether a step is already in place is decided when it is applied, against the hives themselves.
 */
public final class WindowsConversionPlanner {
  /** The first-boot script, where Windows sees it. */
  public static final String FIRST_BOOT_SCRIPT = "/ProgramData/liftshift/first-boot.ps1";

  /** Where driver packages are staged for pnputil at first boot. */
  public static final String STAGED_DRIVERS = "/ProgramData/liftshift/drivers";

  /** The RunOnce value that starts the first-boot script. */
  public static final String RUN_ONCE_VALUE = "liftshift-first-boot";

  /** The line the first-boot script writes on the serial console (COM1) when it has run. */
  public static final String FIRST_BOOT_MARKER = "liftshift-first-boot: SUCCEEDED";

  /**
   * Other hypervisors' user-mode agents, by service name: VMware Tools, VirtualBox,
   * Citrix/XenServer and AWS's Xen PV tools, the virtio guest agent and balloon service. Their
   * kernel drivers stay: without their devices they never start.
   */
  public static final List<String> GUEST_TOOL_SERVICES =
      List.of(
          "VMTools",
          "VGAuthService",
          "vm3dservice",
          "VMwareCAFManagementAgentHost",
          "VBoxService",
          "xensvc",
          "XenSvc",
          "xenagent",
          "LiteAgent",
          "QEMU-GA",
          "BalloonService");

  /** The inbox Remote Desktop firewall rules opened when the launch asks for RDP. */
  public static final List<String> RDP_FIREWALL_RULES =
      List.of("RemoteDesktop-UserMode-In-TCP", "RemoteDesktop-UserMode-In-UDP");

  /** Service keys of the AWS drivers (their Start is inspected). */
  public static final List<String> AWS_DRIVER_SERVICES = List.of("AWSNVMe", "ena");

  /**
   * What the launch asks of the converted server.
   *
   * @param enableRdp open Remote Desktop (fDenyTSConnections 0 and its inbox firewall rules)
   * @param ec2Launch EC2Launch v2's installer (AmazonEC2Launch.msi) on this server, checked, or
   *     null when there is none
   */
  public record Settings(String jobId, boolean enableRdp, DriverPackage.PackageFile ec2Launch) {}

  private final WindowsFacts facts;
  private final List<DriverPackage> packages;
  private final Settings settings;
  private final List<ConversionStep> steps = new ArrayList<>();

  public WindowsConversionPlanner(
      WindowsFacts facts, List<DriverPackage> packages, Settings settings) {
    this.facts = facts;
    this.packages = List.copyOf(packages);
    this.settings = settings;
  }

  public ConversionPlan plan() throws UnsupportedGuestException {
    String cs = facts.controlSet();
    for (String needed : List.of("AWSNVMe", "ENA")) {
      if (packages.stream().noneMatch(p -> p.name().equalsIgnoreCase(needed))) {
        throw new UnsupportedGuestException(
            "the AWS "
                + needed
                + " driver package is not on this conversion server: without it "
                + facts.productName()
                + (needed.equals("ENA") ? " has no network" : " stops at INACCESSIBLE_BOOT_DEVICE")
                + " on Nitro (give the packages' directory with --windows-drivers)");
      }
    }
    steps.add(
        new Skip(
            "boot",
            "boot configuration (BCD) and boot manager " + facts.bootManager(),
            "left as they are: the disks keep their signatures and partitions; the image is"
                + " registered with boot mode "
                + (facts.bootMode().equals("UEFI") ? "uefi" : "legacy-bios")));
    for (DriverPackage p : packages) {
      driver(cs, p);
    }
    guestTools(cs);
    network(cs);
    rdp(cs);
    firstBoot();
    steps.add(
        new Skip(
            "unchanged",
            "drive letters (MountedDevices), accounts, licensing, the page file, the old"
                + " hypervisor's drivers",
            "not needed to boot on Nitro; the old storage and network drivers find no device"
                + " there and do not start"));
    return new ConversionPlan(facts.asGuestFacts(), steps);
  }

  private void driver(String cs, DriverPackage p) {
    String area = p.isStorage() ? "storage-driver" : "network-driver";
    String why =
        p.isStorage()
            ? "the Nitro NVMe controller (EBS volumes) needs AWS's NVMe driver loaded at boot,"
                + " else Windows stops at INACCESSIBLE_BOOT_DEVICE"
            : "the Elastic Network Adapter needs AWS's ENA driver, else the server has no network";
    DriverPackage.PackageFile sys = file(p, p.sysFile());
    steps.add(
        new CopyFile(
            area, "/Windows/System32/drivers/" + p.sysFile(), sys.source(), sys.sha256(), why));
    DriverPackage.PackageFile inf = file(p, p.infFile());
    steps.add(
        new CopyFile(
            area,
            "/Windows/INF/" + p.infFile().toLowerCase(Locale.ROOT),
            inf.source(),
            inf.sha256(),
            "the INF that the DriverDatabase entries name"));
    for (DriverPackage.PackageFile f : p.files()) {
      steps.add(
          new CopyFile(
              area,
              "/Windows/System32/DriverStore/FileRepository/" + p.driverStoreId() + "/" + f.name(),
              f.source(),
              f.sha256(),
              "the driver package in the driver store, where the DriverDatabase says it is"));
      steps.add(
          new CopyFile(
              area,
              STAGED_DRIVERS + "/" + p.name() + "/" + f.name(),
              f.source(),
              f.sha256(),
              "staged for pnputil at first boot, which installs the package as Windows would"));
    }
    Map<String, RegistryValue> svc = new LinkedHashMap<>();
    svc.put("Type", RegistryValue.dword(1));
    svc.put("Start", RegistryValue.dword(p.startType()));
    svc.put("ErrorControl", RegistryValue.dword(1));
    svc.put("Group", RegistryValue.sz(p.group()));
    svc.put("ImagePath", RegistryValue.expandSz("\\SystemRoot\\System32\\drivers\\" + p.sysFile()));
    svc.put(
        "DisplayName",
        RegistryValue.sz(
            p.name().equals("ENA")
                ? "Amazon Elastic Network Adapter"
                : "AWS NVMe Elastic Block Storage Adapter"));
    registry(
        area,
        "SYSTEM",
        cs + "\\Services\\" + p.service(),
        svc,
        p.isStorage()
            ? "a kernel driver (Type 1) started by the boot loader (Start 0) in the "
                + p.group()
                + " group"
            : "a kernel driver (Type 1) started when Plug and Play finds the adapter (Start 3)");
    if (p.isStorage()) {
      registry(
          area,
          "SYSTEM",
          cs + "\\Services\\" + p.service() + "\\Parameters\\PnpInterface",
          Map.of("5", RegistryValue.dword(1)),
          "a Storport miniport says it drives PCI devices (interface type 5)");
    }
    if (facts.usesDriverDatabase()) {
      driverDatabase(area, p);
    } else {
      for (String id : p.pciIds()) {
        Map<String, RegistryValue> cdd = new LinkedHashMap<>();
        cdd.put("Service", RegistryValue.sz(p.service()));
        cdd.put("ClassGUID", RegistryValue.sz(p.classGuid()));
        registry(
            area,
            "SYSTEM",
            cs
                + "\\Control\\CriticalDeviceDatabase\\"
                + id.toLowerCase(Locale.ROOT).replace('\\', '#'),
            cdd,
            "SYSTEM has no DriverDatabase (Windows before 8): the boot device is bound to its"
                + " service through the CriticalDeviceDatabase");
      }
    }
  }

  /** Windows 8 / Server 2012 and later find a new device's driver in SYSTEM\DriverDatabase. */
  private void driverDatabase(String area, DriverPackage p) {
    String inf = p.infFile().toLowerCase(Locale.ROOT);
    String pkg = p.driverStoreId();
    for (String id : p.pciIds()) {
      registry(
          area,
          "SYSTEM",
          "DriverDatabase\\DeviceIds\\" + id,
          Map.of(inf, RegistryValue.binary(new byte[] {1, (byte) 0xff, 0, 0})),
          "Plug and Play finds the driver for " + id + " here (rank 0xff0001)");
    }
    Map<String, RegistryValue> infFiles = new LinkedHashMap<>();
    infFiles.put("", RegistryValue.multiSz(List.of(pkg)));
    infFiles.put("Active", RegistryValue.sz(pkg));
    infFiles.put("Configurations", RegistryValue.multiSz(List.of(p.configuration())));
    registry(
        area, "SYSTEM", "DriverDatabase\\DriverInfFiles\\" + inf, infFiles, "the INF's package");
    Map<String, RegistryValue> pk = new LinkedHashMap<>();
    pk.put("", RegistryValue.sz(inf));
    // virt-v2v (windows_virtio.ml, ddb_regedits): "Version is necessary for Windows-Kernel-Pnp in
    // w10/w2k16"; its bytes 8-23 are the device setup class GUID.
    pk.put("Version", RegistryValue.binary(packageVersion(p.classGuid())));
    pk.put("Provider", RegistryValue.sz("Amazon Web Services, Inc."));
    pk.put("SignerScore", RegistryValue.dword(0x0d000005L));
    registry(area, "SYSTEM", "DriverDatabase\\DriverPackages\\" + pkg, pk, "the package itself");
    Map<String, RegistryValue> conf = new LinkedHashMap<>();
    conf.put("Service", RegistryValue.sz(p.service()));
    conf.put("ConfigFlags", RegistryValue.dword(0));
    registry(
        area,
        "SYSTEM",
        "DriverDatabase\\DriverPackages\\" + pkg + "\\Configurations\\" + p.configuration(),
        conf,
        "the install section binds the devices to the " + p.service() + " service");
    for (String id : p.pciIds()) {
      registry(
          area,
          "SYSTEM",
          "DriverDatabase\\DriverPackages\\" + pkg + "\\Descriptors\\" + id,
          Map.of("Configuration", RegistryValue.sz(p.configuration())),
          "the package's descriptor for " + id);
    }
  }

  private void guestTools(String cs) {
    facts
        .hypervisorTools()
        .forEach(
            (family, services) ->
                steps.add(
                    new Skip(
                        "guest-tools",
                        family + " found: " + String.join(", ", services),
                        family.startsWith("Hyper-V")
                            ? "part of Windows, started only by Hyper-V: left as they are"
                            : "kernel drivers left (they find no device on Nitro and do not"
                                + " start); the user-mode agents among them are disabled below")));
    for (String name : facts.serviceNames()) {
      if (GUEST_TOOL_SERVICES.stream().noneMatch(t -> t.equalsIgnoreCase(name))) {
        continue;
      }
      Long start = startOf(name).orElse(null);
      registry(
          "guest-tools",
          "SYSTEM",
          cs + "\\Services\\" + name,
          Map.of("Start", RegistryValue.dword(4)),
          "the old hypervisor's agent (Start was "
              + start
              + "): disabled, it only reports errors on Nitro");
    }
  }

  private void network(String cs) {
    if (facts.staticInterfaces().isEmpty()) {
      steps.add(
          new Skip(
              "network",
              "TCP/IP interfaces",
              "none has a static address: the ENA adapter gets its address from DHCP"));
    }
    for (WindowsFacts.StaticInterface i : facts.staticInterfaces()) {
      registry(
          "network",
          "SYSTEM",
          cs + "\\Services\\Tcpip\\Parameters\\Interfaces\\" + i.guid(),
          Map.of("EnableDHCP", RegistryValue.dword(1)),
          "static address "
              + i.ipAddresses()
              + " (gateway "
              + i.gateways()
              + ") would not fit the VPC subnet: DHCP (the first-boot script resets every"
              + " adapter too)");
    }
  }

  private void rdp(String cs) {
    if (!settings.enableRdp()) {
      steps.add(
          new Skip(
              "rdp",
              "Remote Desktop (fDenyTSConnections " + facts.rdpDenied() + ")",
              "left as the source had it: the launch settings do not ask for RDP"));
      return;
    }
    registry(
        "rdp",
        "SYSTEM",
        cs + "\\Control\\Terminal Server",
        Map.of("fDenyTSConnections", RegistryValue.dword(0)),
        "the launch settings ask for Remote Desktop");
    Map<String, RegistryValue> rules = new LinkedHashMap<>();
    for (String name : RDP_FIREWALL_RULES) {
      String rule = facts.firewallRules().get(name);
      if (rule != null) {
        rules.put(name, RegistryValue.sz(rule.replace("|Active=FALSE|", "|Active=TRUE|")));
      }
    }
    if (!rules.isEmpty()) {
      registry(
          "rdp",
          "SYSTEM",
          cs + "\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\FirewallRules",
          rules,
          "Windows Firewall's inbox Remote Desktop rules, turned on");
    }
  }

  private void firstBoot() {
    DriverPackage.PackageFile ec2Launch = settings.ec2Launch();
    if (ec2Launch != null) {
      steps.add(
          new CopyFile(
              "first-boot",
              "/ProgramData/liftshift/AmazonEC2Launch.msi",
              ec2Launch.source(),
              ec2Launch.sha256(),
              "EC2Launch v2, installed by the first-boot script"));
    }
    steps.add(
        new WriteFile(
            "first-boot",
            FIRST_BOOT_SCRIPT,
            FirstBootScript.render(packages, ec2Launch != null),
            "0644",
            "installs the staged drivers with pnputil"
                + (ec2Launch != null ? ", installs EC2Launch v2" : "")
                + ", resets every adapter to DHCP, reports on COM1"));
    registry(
        "first-boot",
        "SOFTWARE",
        "Microsoft\\Windows\\CurrentVersion\\RunOnce",
        Map.of(
            RUN_ONCE_VALUE,
            RegistryValue.expandSz(
                "powershell.exe -NoProfile -ExecutionPolicy Bypass -File"
                    + " \"%ProgramData%\\liftshift\\first-boot.ps1\"")),
        "runs the first-boot script once, at the first logon (RunOnce)");
  }

  /**
   * A DriverPackages Version value as virt-v2v writes it: a fixed 8-byte header, the class GUID in
   * its binary layout (first three fields little-endian), 24 zero bytes (date and version unset).
   */
  static byte[] packageVersion(String classGuid) {
    String[] g = classGuid.replaceAll("[{}]", "").split("-");
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(48).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {0, (byte) 0xff, 9, 0, 0, 0, 0, 0});
    b.putInt((int) Long.parseLong(g[0], 16));
    b.putShort((short) Integer.parseInt(g[1], 16));
    b.putShort((short) Integer.parseInt(g[2], 16));
    b.put(java.util.HexFormat.of().parseHex(g[3] + g[4]));
    return b.array();
  }

  private void registry(
      String area, String hive, String key, Map<String, RegistryValue> values, String why) {
    steps.add(new SetRegistryValues(area, hive, key, values, Map.of(), why));
  }

  private Optional<Long> startOf(String service) {
    return facts.serviceStarts().entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(service))
        .map(Map.Entry::getValue)
        .findFirst();
  }

  private static DriverPackage.PackageFile file(DriverPackage p, String name) {
    return p.files().stream()
        .filter(f -> f.name().equalsIgnoreCase(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(p.name() + " package has no " + name));
  }
}
