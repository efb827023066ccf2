package io.liftshift.converter.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Fixture root filesystems of the guest families the converter handles, as plain directories. */
public final class GuestTrees {
  private GuestTrees() {}

  public static void write(Path root, String guestPath, String content) throws IOException {
    Path p = root.resolve(guestPath.substring(1));
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  public static void link(Path root, String guestPath, String target) throws IOException {
    Path p = root.resolve(guestPath.substring(1));
    Files.createDirectories(p.getParent());
    Files.createSymbolicLink(p, Path.of(target));
  }

  private static void kernel(Path root, String version, boolean withEna) throws IOException {
    String base = "kernel/drivers/";
    write(
        root,
        "/usr/lib/modules/" + version + "/modules.dep",
        base
            + "nvme/host/nvme.ko.xz: "
            + base
            + "nvme/host/nvme-core.ko.xz\n"
            + base
            + "nvme/host/nvme-core.ko.xz:\n"
            + base
            + "net/virtio_net.ko.xz: "
            + base
            + "net/net_failover.ko.xz\n"
            + base
            + "virtio/virtio_pci.ko.xz:\n"
            + (withEna ? base + "net/ethernet/amazon/ena/ena.ko.xz:\n" : ""));
    write(root, "/usr/lib/modules/" + version + "/modules.builtin", "kernel/fs/ext4/ext4.ko\n");
  }

  /** Debian 12 as the fixture image has it: ifupdown, static eth0, /dev/vda1, virtio only. */
  public static Path debian(Path root) throws IOException {
    write(root, "/boot/grub/i386-pc/core.img", "");
    link(root, "/lib", "usr/lib");
    write(
        root,
        "/etc/os-release",
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
            + "VERSION_ID=\"12\"\nID=debian\n");
    write(
        root,
        "/etc/fstab",
        "# /etc/fstab: static file system information.\n"
            + "/dev/vda1  /      ext4  errors=remount-ro  0  1\n"
            + "/dev/vdb1  /data  ext4  defaults,nofail    0  2\n"
            + "/dev/sr0   /media/cdrom0 udf,iso9660 user,noauto 0 0\n"
            + "proc       /proc  proc  defaults           0  0\n");
    write(
        root,
        "/boot/grub/grub.cfg",
        "menuentry 'Debian GNU/Linux' {\n"
            + "\tsearch --no-floppy --fs-uuid --set=root 1111-root\n"
            + "\tlinux\t/boot/vmlinuz-6.1.0-37-amd64 root=/dev/vda1 ro quiet net.ifnames=0\n"
            + "\tinitrd\t/boot/initrd.img-6.1.0-37-amd64\n"
            + "}\n");
    write(
        root,
        "/etc/default/grub",
        "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
            + "GRUB_CMDLINE_LINUX=\"net.ifnames=0\"\nGRUB_DISABLE_LINUX_UUID=true\n");
    write(root, "/usr/sbin/update-initramfs", "#!/bin/sh\n");
    write(
        root,
        "/etc/initramfs-tools/modules",
        "# List of modules that you want to include in your initramfs.\nvirtio_pci\nvirtio_blk\n");
    kernel(root, "6.1.0-37-amd64", true);
    write(
        root,
        "/etc/network/interfaces",
        "source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n\n"
            + "auto eth0\niface eth0 inet static\n  address 192.168.122.10/24\n"
            + "  gateway 192.168.122.1\n");
    write(
        root,
        "/etc/udev/rules.d/70-persistent-net.rules",
        "SUBSYSTEM==\"net\", ACTION==\"add\", ATTR{address}==\"52:54:00:12:34:56\","
            + " NAME=\"eth0\"\n");
    link(
        root,
        "/etc/systemd/system/multi-user.target.wants/qemu-guest-agent.service",
        "/lib/systemd/system/qemu-guest-agent.service");
    link(
        root,
        "/etc/systemd/system/multi-user.target.wants/ssh.service",
        "/lib/systemd/system/ssh.service");
    return root;
  }

  /** Ubuntu 22.04: netplan, UUIDs already in fstab, VMware tools. */
  public static Path ubuntu(Path root) throws IOException {
    link(root, "/lib", "usr/lib");
    write(
        root,
        "/etc/os-release",
        "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\n");
    write(root, "/etc/fstab", "UUID=2222-root / ext4 defaults 0 1\n");
    write(
        root,
        "/boot/grub/grub.cfg",
        "\tlinux /boot/vmlinuz-5.15.0-1-generic root=UUID=2222-root ro\n");
    write(root, "/usr/sbin/update-initramfs", "#!/bin/sh\n");
    kernel(root, "5.15.0-1-generic", true);
    write(
        root,
        "/etc/netplan/00-installer-config.yaml",
        "network:\n  ethernets:\n    ens160:\n      addresses: [10.1.2.3/24]\n  version: 2\n");
    link(
        root,
        "/etc/systemd/system/multi-user.target.wants/open-vm-tools.service",
        "/lib/systemd/system/open-vm-tools.service");
    return root;
  }

  /** RHEL 9: NetworkManager keyfile + ifcfg, dracut, BLS entries, no ENA module. */
  public static Path rhel(Path root) throws IOException {
    write(root, "/boot/efi/EFI/redhat/shimx64.efi", "");
    write(root, "/boot/efi/EFI/redhat/grubx64.efi", "");
    link(root, "/lib", "usr/lib");
    write(
        root,
        "/etc/os-release",
        "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"\n"
            + "PRETTY_NAME=\"Red Hat Enterprise Linux 9.4 (Plow)\"\n");
    write(
        root,
        "/etc/fstab",
        "/dev/mapper/rhel-root / xfs defaults 0 0\n/dev/sda1 /boot xfs defaults 0 0\n");
    write(
        root,
        "/boot/loader/entries/abc-5.14.0.conf",
        "title Red Hat Enterprise Linux\nlinux /vmlinuz-5.14.0\n"
            + "options root=/dev/mapper/rhel-root ro crashkernel=auto\n");
    write(root, "/boot/grub2/grub.cfg", "blscfg\n");
    write(root, "/usr/bin/dracut", "#!/bin/sh\n");
    kernel(root, "5.14.0-427.el9.x86_64", false);
    write(root, "/etc/NetworkManager/NetworkManager.conf", "[main]\n");
    write(
        root,
        "/etc/NetworkManager/system-connections/ens192.nmconnection",
        "[connection]\nid=ens192\ntype=ethernet\ninterface-name=ens192\n[ipv4]\n"
            + "method=manual\naddress1=10.0.0.5/24\n");
    write(
        root,
        "/etc/sysconfig/network-scripts/ifcfg-ens192",
        "DEVICE=ens192\nHWADDR=00:50:56:aa:bb:cc\nBOOTPROTO=none\nIPADDR=10.0.0.5\n");
    write(root, "/etc/sysconfig/network-scripts/ifcfg-lo", "DEVICE=lo\n");
    write(root, "/etc/systemd/system/.keep", "");
    return root;
  }

  /** CentOS 7: network-scripts only (no NetworkManager), dracut. */
  public static Path centos7(Path root) throws IOException {
    link(root, "/lib", "usr/lib");
    write(
        root,
        "/etc/os-release",
        "NAME=\"CentOS Linux\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\n"
            + "PRETTY_NAME=\"CentOS Linux 7 (Core)\"\n");
    write(root, "/etc/fstab", "/dev/sda2 / xfs defaults 0 0\n");
    write(root, "/boot/grub2/grub.cfg", "\tlinux16 /vmlinuz-3.10.0 root=/dev/sda2 ro\n");
    write(root, "/usr/sbin/dracut", "#!/bin/sh\n");
    kernel(root, "3.10.0-1160.el7.x86_64", true);
    write(
        root,
        "/etc/sysconfig/network-scripts/ifcfg-eth0",
        "DEVICE=eth0\nHWADDR=00:15:5d:01:02:03\nBOOTPROTO=static\nIPADDR=172.16.0.9\n");
    link(
        root,
        "/etc/systemd/system/multi-user.target.wants/hypervkvpd.service",
        "/usr/lib/systemd/system/hypervkvpd.service");
    return root;
  }
}
