package io.liftshift.converter.windows;

import io.liftshift.converter.inspect.Commands;
import io.liftshift.converter.inspect.windows.DriverPackages;
import io.liftshift.converter.inspect.windows.HiveTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Windows-shaped system disks made in the test: a partition table (MBR for BIOS, GPT with an EFI
 * system partition for UEFI), an NTFS volume made by mkntfs and written through ntfs-3g, the
 * directories of a Windows system volume with placeholder files, and SYSTEM and SOFTWARE hives made
 * with the hive tools. No byte of them comes from a Windows installation: they show what the
 * converter does to such a volume, not that Windows boots from it.
 */
final class WindowsVolumes {
  /** The two eras the converter tells apart. */
  enum Era {
    /** NT 6.1, build 7601: CriticalDeviceDatabase; BIOS with bootmgr on an MBR disk. */
    SERVER_2008_R2,
    /** NT 10.0, build 20348: DriverDatabase; UEFI with bootmgfw.efi on a GPT disk. */
    SERVER_2022
  }

  static final String STATIC_IF = "{3C1A2B4D-0000-4000-8000-00000000A001}";
  static final String DHCP_IF = "{3C1A2B4D-0000-4000-8000-00000000A002}";
  static final String RDP_RULE =
      "v2.10|Action=Allow|Active=FALSE|Dir=In|Protocol=6|LPort=3389"
          + "|App=%SystemRoot%\\system32\\svchost.exe|Svc=termservice"
          + "|Name=@FirewallAPI.dll,-28775|Desc=@FirewallAPI.dll,-28756|EmbedCtxt=@FirewallAPI.dll,-28752|";

  private WindowsVolumes() {}

  /** A 48 MiB disk image of that era, at {@code image}. */
  static void build(Path image, Era era, Path work) throws IOException {
    Files.deleteIfExists(image);
    Commands.run(30, "truncate", "-s", "48M", image.toString());
    boolean uefi = era == Era.SERVER_2022;
    String table =
        uefi
            ? "label: gpt\n"
                + "start=2048, size=16384, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"EFI system partition\"\n"
                + "start=18432, size=77824, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=\"Basic data partition\"\n"
            : "label: dos\nstart=2048, size=96256, type=7, bootable\n";
    Path script = work.resolve("sfdisk.txt");
    Files.writeString(script, table);
    Commands.run(30, "sh", "-c", "sfdisk --quiet '" + image + "' < '" + script + "'");
    long[][] parts =
        uefi ? new long[][] {{2048, 16384}, {18432, 77824}} : new long[][] {{2048, 96256}};
    Path mnt = Files.createDirectories(work.resolve("fixture-mnt"));
    if (uefi) {
      String esp = loop(image, parts[0]);
      try {
        // mtools writes the FAT file system without mounting it (no vfat module needed).
        Commands.run(60, "mkfs.vfat", "-n", "SYSTEM", esp);
        Commands.run(
            30,
            "mmd",
            "-i",
            esp,
            "::/EFI",
            "::/EFI/Microsoft",
            "::/EFI/Microsoft/Boot",
            "::/EFI/Boot");
        Path f = work.resolve("placeholder.efi");
        Files.writeString(f, "placeholder (test data, not from Windows)\n");
        for (String p :
            List.of(
                "EFI/Microsoft/Boot/bootmgfw.efi",
                "EFI/Microsoft/Boot/BCD",
                "EFI/Boot/bootx64.efi")) {
          Commands.run(30, "mcopy", "-i", esp, f.toString(), "::/" + p);
        }
      } finally {
        Commands.run(30, "losetup", "--detach", esp);
      }
    }
    String ntfs = loop(image, parts[parts.length - 1]);
    try {
      Commands.run(60, "mkntfs", "--quick", "--force", "--label", "Windows", ntfs);
      Commands.run(30, "mount", "-t", "ntfs-3g", "-o", "rw", ntfs, mnt.toString());
      try {
        if (!uefi) {
          placeholder(mnt, "bootmgr");
          placeholder(mnt, "Boot/BCD");
        }
        for (String d :
            List.of(
                "Windows/System32/drivers",
                "Windows/System32/DriverStore/FileRepository",
                "Windows/INF",
                "ProgramData",
                "Program Files",
                "Users/Administrator")) {
          Files.createDirectories(mnt.resolve(d));
        }
        placeholder(mnt, "Windows/System32/ntoskrnl.exe");
        placeholder(mnt, uefi ? "Windows/System32/winload.efi" : "Windows/System32/winload.exe");
        placeholder(mnt, "Windows/System32/drivers/pvscsi.sys");
        hives(work, Files.createDirectories(mnt.resolve("Windows/System32/config")), era);
      } finally {
        Commands.run(30, "umount", mnt.toString());
      }
    } finally {
      Commands.run(30, "losetup", "--detach", ntfs);
    }
  }

  /** Runs {@code action} on the image's Windows volume mounted with ntfs-3g. */
  static <T> T onWindowsVolume(
      Path image, Era era, boolean write, Path work, VolumeAction<T> action) throws IOException {
    long[] part = era == Era.SERVER_2022 ? new long[] {18432, 77824} : new long[] {2048, 96256};
    Path mnt = Files.createDirectories(work.resolve("check-mnt"));
    String dev = loop(image, part);
    try {
      Commands.run(30, "mount", "-t", "ntfs-3g", "-o", write ? "rw" : "ro", dev, mnt.toString());
      try {
        return action.run(mnt);
      } finally {
        Commands.run(30, "umount", mnt.toString());
      }
    } finally {
      Commands.run(30, "losetup", "--detach", dev);
    }
  }

  interface VolumeAction<T> {
    T run(Path root) throws IOException;
  }

  /**
   * A driver directory as an operator gives one, with placeholder files: the INFs have the models
   * lines of AWS's packages (the PCI ids named in docs/windows.md), the .sys and .cat files are a
   * few bytes of text. Test data only.
   */
  static Path drivers(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("AWSNVMe"));
    Files.createDirectories(dir.resolve("ENA"));
    Files.createDirectories(dir.resolve("EC2Launch"));
    StringBuilder nvme =
        new StringBuilder("[Version]\r\nClass=SCSIAdapter\r\n\r\n[AWS.NTamd64]\r\n");
    for (String dev : List.of("8061", "0061", "0065", "CD00", "CD01", "CD02")) {
      nvme.append("%AWSNVMe.DeviceDesc% = AWSNVMe_Inst, PCI\\VEN_1D0F&DEV_")
          .append(dev)
          .append("\r\n");
    }
    Files.writeString(dir.resolve("AWSNVMe/AWSNVMe.inf"), nvme, StandardCharsets.ISO_8859_1);
    StringBuilder ena = new StringBuilder("\uFEFF[Version]\r\nClass=Net\r\n\r\n[AWS.NTamd64]\r\n");
    for (String dev : List.of("EC20", "EC21", "0EC2", "1EC2")) {
      ena.append("%ena.DeviceDesc% = ena_inst, PCI\\VEN_1D0F&DEV_").append(dev).append("\r\n");
    }
    Files.writeString(dir.resolve("ENA/ena.inf"), ena, StandardCharsets.UTF_16LE);
    Files.writeString(dir.resolve("AWSNVMe/AWSNVMe.sys"), "placeholder AWSNVMe.sys (test data)\n");
    Files.writeString(dir.resolve("AWSNVMe/awsnvme.cat"), "placeholder catalog (test data)\n");
    Files.writeString(dir.resolve("ENA/ena.sys"), "placeholder ena.sys (test data)\n");
    Files.writeString(dir.resolve("ENA/ena.cat"), "placeholder catalog (test data)\n");
    Files.writeString(
        dir.resolve("EC2Launch/AmazonEC2Launch.msi"), "placeholder EC2Launch v2 (test data)\n");
    StringBuilder sums = new StringBuilder();
    for (String f :
        List.of(
            "AWSNVMe/AWSNVMe.inf",
            "AWSNVMe/AWSNVMe.sys",
            "AWSNVMe/awsnvme.cat",
            "ENA/ena.inf",
            "ENA/ena.sys",
            "ENA/ena.cat",
            "EC2Launch/AmazonEC2Launch.msi")) {
      sums.append(DriverPackages.sha256(dir.resolve(f))).append("  ").append(f).append('\n');
    }
    Files.writeString(dir.resolve("SHA256SUMS"), sums);
    return dir;
  }

  private static String loop(Path image, long[] sectors) throws IOException {
    return Commands.run(
            30,
            "losetup",
            "--find",
            "--show",
            "--offset",
            Long.toString(sectors[0] * 512),
            "--sizelimit",
            Long.toString(sectors[1] * 512),
            image.toString())
        .strip();
  }

  private static void placeholder(Path root, String path) throws IOException {
    Path p = root.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, "placeholder " + path + " (test data, not from Windows)\n");
  }

  /** The era's SYSTEM and SOFTWARE hives, made with the hive tools, into {@code configDir}. */
  static void hives(Path work, Path configDir, Era era) throws IOException {
    hive(work, configDir.resolve("SYSTEM"), "SYSTEM", systemReg(era));
    hive(work, configDir.resolve("SOFTWARE"), "SOFTWARE", softwareReg(era));
  }

  /** An empty hive, then the era's keys merged in with hivexregedit; written to {@code dest}. */
  private static void hive(Path work, Path dest, String name, String reg) throws IOException {
    Path h = work.resolve(name + ".fixture");
    EmptyHive.write(h, name);
    Path r = work.resolve(name + ".fixture.reg");
    Files.writeString(r, "Windows Registry Editor Version 5.00\n\n" + reg, StandardCharsets.UTF_8);
    HiveTool.merge(h, name, r);
    Files.copy(h, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static String systemReg(Era era) {
    List<String> keys = new ArrayList<>();
    String p = "[HKEY_LOCAL_MACHINE\\SYSTEM\\";
    keys.add(
        p
            + "Select]\n\"Current\"=dword:00000001\n\"Default\"=dword:00000001\n\"LastKnownGood\"=dword:00000002");
    for (String k :
        List.of(
            "ControlSet001",
            "ControlSet001\\Control",
            "ControlSet001\\Services",
            "ControlSet001\\Services\\Tcpip",
            "ControlSet001\\Services\\Tcpip\\Parameters",
            "ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces",
            "ControlSet001\\Services\\SharedAccess",
            "ControlSet001\\Services\\SharedAccess\\Parameters",
            "ControlSet001\\Services\\SharedAccess\\Parameters\\FirewallPolicy",
            "ControlSet002")) {
      keys.add(p + k + "]");
    }
    keys.add(p + "ControlSet001\\Control\\Terminal Server]\n\"fDenyTSConnections\"=dword:00000001");
    keys.add(
        p
            + "ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces\\"
            + STATIC_IF
            + "]\n"
            + "\"EnableDHCP\"=dword:00000000\n"
            + "\"IPAddress\"="
            + multi("10.20.30.40")
            + "\n"
            + "\"SubnetMask\"="
            + multi("255.255.255.0")
            + "\n"
            + "\"DefaultGateway\"="
            + multi("10.20.30.1"));
    keys.add(
        p
            + "ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces\\"
            + DHCP_IF
            + "]\n"
            + "\"EnableDHCP\"=dword:00000001");
    keys.add(
        p
            + "ControlSet001\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\FirewallRules]\n"
            + "\"RemoteDesktop-UserMode-In-TCP\"=\""
            + RDP_RULE.replace("\\", "\\\\")
            + "\"");
    keys.add(
        p + "ControlSet001\\Services\\VMTools]\n\"Start\"=dword:00000002\n\"Type\"=dword:00000010");
    keys.add(
        p + "ControlSet001\\Services\\pvscsi]\n\"Start\"=dword:00000000\n\"Type\"=dword:00000001");
    keys.add(p + "ControlSet001\\Services\\Tcpip\\Linkage]");
    if (era == Era.SERVER_2008_R2) {
      keys.add(p + "ControlSet001\\Control\\CriticalDeviceDatabase]");
      keys.add(
          p
              + "ControlSet001\\Control\\CriticalDeviceDatabase\\pci#ven_15ad&dev_07c0]\n"
              + "\"Service\"=\"pvscsi\"");
    } else {
      keys.add(p + "ControlSet001\\Services\\vmicheartbeat]\n\"Start\"=dword:00000003");
      keys.add(p + "ControlSet001\\Services\\QEMU-GA]\n\"Start\"=dword:00000002");
      // A server that once ran on KVM and on Xen too: their drivers are reported, and left.
      keys.add(p + "ControlSet001\\Services\\viostor]\n\"Start\"=dword:00000000");
      keys.add(p + "ControlSet001\\Services\\xenvbd]\n\"Start\"=dword:00000000");
      keys.add(p + "DriverDatabase]");
      keys.add(p + "DriverDatabase\\DeviceIds]");
      keys.add(p + "DriverDatabase\\DeviceIds\\PCI]");
      keys.add(
          p + "DriverDatabase\\DeviceIds\\PCI\\VEN_15AD&DEV_07C0]\n\"pvscsi.inf\"=hex:01,ff,00,00");
      keys.add(p + "DriverDatabase\\DriverInfFiles]");
      keys.add(p + "DriverDatabase\\DriverPackages]");
    }
    return String.join("\n\n", keys) + "\n";
  }

  private static String softwareReg(Era era) {
    String p = "[HKEY_LOCAL_MACHINE\\SOFTWARE\\";
    StringBuilder b = new StringBuilder();
    for (String k :
        List.of(
            "Microsoft",
            "Microsoft\\Windows",
            "Microsoft\\Windows\\CurrentVersion",
            "Microsoft\\Windows\\CurrentVersion\\RunOnce",
            "Microsoft\\Windows NT")) {
      b.append(p).append(k).append("]\n\n");
    }
    b.append(p).append("Microsoft\\Windows NT\\CurrentVersion]\n");
    if (era == Era.SERVER_2008_R2) {
      b.append("\"ProductName\"=\"Windows Server 2008 R2 Datacenter\"\n")
          .append("\"EditionID\"=\"ServerDatacenter\"\n")
          .append("\"CurrentVersion\"=\"6.1\"\n")
          .append("\"CurrentBuild\"=\"7601\"\n");
    } else {
      b.append("\"ProductName\"=\"Windows Server 2022 Datacenter\"\n")
          .append("\"EditionID\"=\"ServerDatacenter\"\n")
          .append("\"CurrentVersion\"=\"6.3\"\n")
          .append("\"CurrentMajorVersionNumber\"=dword:0000000a\n")
          .append("\"CurrentMinorVersionNumber\"=dword:00000000\n")
          .append("\"CurrentBuild\"=\"20348\"\n");
    }
    return b.toString();
  }

  private static String multi(String... entries) {
    return io.liftshift.converter.plan.RegistryValue.multiSz(List.of(entries)).toReg();
  }
}
