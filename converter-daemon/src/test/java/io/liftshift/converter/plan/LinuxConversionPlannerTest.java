package io.liftshift.converter.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liftshift.converter.plan.ConversionStep.EditFile;
import io.liftshift.converter.plan.ConversionStep.RemoveFile;
import io.liftshift.converter.plan.ConversionStep.RunInChroot;
import io.liftshift.converter.plan.ConversionStep.Skip;
import io.liftshift.converter.plan.ConversionStep.WriteFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conversion plan on fixture trees, one per distribution family's network and initramfs. */
class LinuxConversionPlannerTest {
  @TempDir Path dir;

  private static ConversionPlan plan(Path root, GuestDevices devices, String rootUuid)
      throws Exception {
    return new LinuxConversionPlanner(
            new GuestFiles(root),
            devices,
            rootUuid,
            "mgnjob-0123456789abcdef0",
            List.of(
                new LinuxConversionPlanner.PostLaunchAction(
                    "01-hello", "hello", "#!/bin/sh\necho hi\n", 30)))
        .plan();
  }

  private static <T extends ConversionStep> Optional<T> step(
      ConversionPlan p, Class<T> type, String path) {
    return p.steps().stream()
        .filter(type::isInstance)
        .map(type::cast)
        .filter(
            s ->
                (s instanceof EditFile e && e.path().equals(path))
                    || (s instanceof WriteFile w && w.path().equals(path))
                    || (s instanceof RemoveFile r && r.path().equals(path))
                    || (s instanceof Skip k && k.what().equals(path)))
        .findFirst();
  }

  @Test
  void debianWithIfupdownGetsUuidsSerialConsoleNvmeInTheInitramfsAndDhcp() throws Exception {
    Path root = GuestTrees.debian(dir.resolve("debian"));
    GuestDevices devices =
        new GuestDevices().partition(0, 1, "1111-root").partition(1, 1, "3333-data");
    ConversionPlan p = plan(root, devices, "1111-root");

    assertThat(p.guest().family()).isEqualTo("DEBIAN");
    assertThat(p.guest().initramfsTool()).isEqualTo("update-initramfs");
    assertThat(p.guest().networkStacks()).containsExactly("ifupdown");
    assertThat(p.guest().rootDevice()).isEqualTo("/dev/vda1");
    assertThat(p.guest().bootModes()).containsExactly("LEGACY_BIOS");

    EditFile fstab = step(p, EditFile.class, "/etc/fstab").orElseThrow();
    assertThat(fstab.after())
        .contains("UUID=1111-root  /      ext4")
        .contains("UUID=3333-data  /data")
        .contains("/dev/sr0   /media/cdrom0")
        .doesNotContain("/dev/vda1");
    assertThat(step(p, Skip.class, "/dev/sr0 /media/cdrom0")).isPresent();

    EditFile grub = step(p, EditFile.class, "/boot/grub/grub.cfg").orElseThrow();
    assertThat(grub.after())
        .contains("root=UUID=1111-root ro quiet net.ifnames=0 console=tty0 console=ttyS0,115200n8")
        .contains("search --no-floppy --fs-uuid --set=root 1111-root");
    EditFile defaults = step(p, EditFile.class, "/etc/default/grub").orElseThrow();
    assertThat(defaults.after())
        .contains("GRUB_CMDLINE_LINUX=\"net.ifnames=0 console=tty0 console=ttyS0,115200n8\"")
        .contains("GRUB_DISABLE_LINUX_UUID=false");

    EditFile modules = step(p, EditFile.class, "/etc/initramfs-tools/modules").orElseThrow();
    assertThat(modules.after()).contains("\nnvme\n", "\nnvme_core\n", "\nena\n", "\nvirtio_net\n");
    assertThat(modules.after().lines().filter("virtio_pci"::equals)).hasSize(1);
    assertThat(p.steps())
        .filteredOn(RunInChroot.class::isInstance)
        .map(s -> ((RunInChroot) s).command())
        .containsExactly(List.of("update-initramfs", "-u", "-k", "all"));

    EditFile net = step(p, EditFile.class, "/etc/network/interfaces").orElseThrow();
    assertThat(net.before()).contains("192.168.122.10");
    assertThat(net.after()).contains("auto type/1/1=primary", "iface primary inet dhcp");
    assertThat(step(p, RemoveFile.class, "/etc/udev/rules.d/70-persistent-net.rules")).isPresent();
    assertThat(
            step(
                p,
                RemoveFile.class,
                "/etc/systemd/system/multi-user.target.wants/qemu-guest-agent.service"))
        .isPresent();
    assertThat(step(p, RemoveFile.class, "/etc/systemd/system/multi-user.target.wants/ssh.service"))
        .isEmpty();

    WriteFile unit =
        step(p, WriteFile.class, "/etc/systemd/system/liftshift-first-boot.service").orElseThrow();
    assertThat(unit.content()).contains("After=network-online.target");
    assertThat(
            step(p, WriteFile.class, "/usr/local/sbin/liftshift-first-boot").orElseThrow().mode())
        .isEqualTo("0755");
    assertThat(step(p, WriteFile.class, "/etc/liftshift/post-launch.d/01-hello")).isPresent();
    assertThat(step(p, WriteFile.class, "/etc/liftshift/post-launch.timeout/01-hello"))
        .hasValueSatisfying(w -> assertThat(w.content()).isEqualTo("30\n"));
    assertThat(step(p, WriteFile.class, "/etc/liftshift/first-boot.env").orElseThrow().content())
        .contains("LIFTSHIFT_JOB_ID=mgnjob-0123456789abcdef0");
    assertThat(p.describe()).contains("Debian GNU/Linux 12").contains("chroot  update-initramfs");
  }

  @Test
  void ubuntuWithNetplanKeepsUuidsAndReplacesTheNetplanConfiguration() throws Exception {
    Path root = GuestTrees.ubuntu(dir.resolve("ubuntu"));
    ConversionPlan p = plan(root, new GuestDevices().partition(0, 1, "2222-root"), "2222-root");
    assertThat(p.guest().family()).isEqualTo("DEBIAN");
    assertThat(p.guest().networkStacks()).containsExactly("netplan");
    assertThat(step(p, Skip.class, "/etc/fstab").orElseThrow().why()).contains("already");
    assertThat(step(p, RemoveFile.class, "/etc/netplan/00-installer-config.yaml")).isPresent();
    assertThat(step(p, WriteFile.class, "/etc/netplan/50-liftshift.yaml").orElseThrow().content())
        .contains("dhcp4: true")
        .contains("name: \"e*\"");
    assertThat(
            step(
                p,
                RemoveFile.class,
                "/etc/systemd/system/multi-user.target.wants/open-vm-tools.service"))
        .isPresent();
    assertThat(step(p, WriteFile.class, "/etc/initramfs-tools/modules").orElseThrow().content())
        .contains("nvme");
  }

  @Test
  void rhelWithNetworkManagerAndDracutGetsAKeyfileAndDracutDrivers() throws Exception {
    Path root = GuestTrees.rhel(dir.resolve("rhel"));
    GuestDevices devices =
        new GuestDevices().partition(0, 1, "4444-boot").alias("/dev/mapper/rhel-root", "5555-root");
    ConversionPlan p = plan(root, devices, "5555-root");
    assertThat(p.guest().family()).isEqualTo("RHEL");
    assertThat(p.guest().initramfsTool()).isEqualTo("dracut");
    assertThat(p.guest().networkStacks()).containsExactly("NetworkManager", "ifcfg");
    assertThat(p.guest().bootModes()).containsExactly("UEFI");
    assertThat(p.steps())
        .anySatisfy(
            st ->
                assertThat(st)
                    .isInstanceOfSatisfying(
                        RunInChroot.class,
                        r ->
                            assertThat(String.join(" ", r.command()))
                                .contains(
                                    "cp /boot/efi/EFI/redhat/shimx64.efi"
                                        + " /boot/efi/EFI/BOOT/BOOTX64.EFI")));

    assertThat(step(p, EditFile.class, "/etc/fstab").orElseThrow().after())
        .contains("/dev/mapper/rhel-root / xfs")
        .contains("UUID=4444-boot /boot xfs");
    assertThat(
            step(p, EditFile.class, "/boot/loader/entries/abc-5.14.0.conf").orElseThrow().after())
        .contains("options root=/dev/mapper/rhel-root ro crashkernel=auto console=tty0");
    WriteFile dracut =
        step(p, WriteFile.class, "/etc/dracut.conf.d/90-liftshift-target.conf").orElseThrow();
    assertThat(dracut.content())
        .contains("add_drivers+=\" nvme nvme_core virtio_net virtio_pci \"");
    assertThat(step(p, Skip.class, "ena").orElseThrow().why())
        .contains("no ena driver")
        .contains("install a kernel that has it");
    assertThat(p.steps())
        .filteredOn(RunInChroot.class::isInstance)
        .map(s -> ((RunInChroot) s).command())
        .hasSize(2)
        .contains(List.of("dracut", "--force", "--regenerate-all"));
    assertThat(
            step(p, RemoveFile.class, "/etc/NetworkManager/system-connections/ens192.nmconnection"))
        .isPresent();
    assertThat(step(p, RemoveFile.class, "/etc/sysconfig/network-scripts/ifcfg-ens192"))
        .isPresent();
    assertThat(step(p, RemoveFile.class, "/etc/sysconfig/network-scripts/ifcfg-lo")).isEmpty();
    assertThat(
            step(
                    p,
                    WriteFile.class,
                    "/etc/NetworkManager/system-connections/liftshift-dhcp.nmconnection")
                .orElseThrow()
                .content())
        .contains("method=auto")
        .doesNotContain("interface-name");
  }

  @Test
  void centos7WithNetworkScriptsOnlyGetsADhcpIfcfg() throws Exception {
    Path root = GuestTrees.centos7(dir.resolve("centos"));
    ConversionPlan p = plan(root, new GuestDevices().partition(0, 2, "6666-root"), "6666-root");
    assertThat(p.guest().networkStacks()).containsExactly("ifcfg");
    assertThat(step(p, EditFile.class, "/boot/grub2/grub.cfg").orElseThrow().after())
        .contains("linux16 /vmlinuz-3.10.0 root=UUID=6666-root ro console=tty0");
    assertThat(step(p, RemoveFile.class, "/etc/sysconfig/network-scripts/ifcfg-eth0")).isPresent();
    assertThat(
            step(p, WriteFile.class, "/etc/sysconfig/network-scripts/ifcfg-eth0")
                .orElseThrow()
                .content())
        .contains("BOOTPROTO=dhcp")
        .doesNotContain("HWADDR");
    assertThat(
            step(
                p,
                RemoveFile.class,
                "/etc/systemd/system/multi-user.target.wants/hypervkvpd.service"))
        .isPresent();
  }

  @Test
  void anUnsupportedOperatingSystemIsRefusedWithAReason() throws Exception {
    Path root = dir.resolve("alpine");
    GuestTrees.write(
        root,
        "/etc/os-release",
        "NAME=\"Alpine Linux\"\nID=alpine\nPRETTY_NAME=\"Alpine Linux v3.20\"\n");
    GuestTrees.write(root, "/etc/fstab", "/dev/vda1 / ext4 defaults 0 1\n");
    assertThatThrownBy(() -> plan(root, new GuestDevices(), "x"))
        .isInstanceOf(UnsupportedGuestException.class)
        .hasMessageContaining("unsupported operating system: Alpine Linux v3.20 (ID=alpine)");
    Path none = dir.resolve("none");
    GuestTrees.write(none, "/etc/fstab", "");
    assertThatThrownBy(() -> plan(none, new GuestDevices(), "x"))
        .hasMessageContaining("no /etc/os-release");
  }

  @Test
  void guestSymlinksResolveInsideTheGuestNeverOnThisMachine() throws Exception {
    Path root = dir.resolve("links");
    GuestTrees.write(root, "/usr/lib/os-release", "ID=debian\n");
    GuestTrees.link(root, "/etc/os-release", "/usr/lib/os-release");
    GuestTrees.link(root, "/etc/passwd-escape", "/../../../../etc/hostname");
    GuestFiles g = new GuestFiles(root);
    assertThat(g.read("/etc/os-release")).contains("ID=debian\n");
    assertThat(g.resolve("/etc/passwd-escape").toString())
        .startsWith(root.toAbsolutePath().toString());
  }

  @Test
  void diskNamesFollowLinuxNaming() {
    assertThat(GuestDevices.letters(0)).isEqualTo("a");
    assertThat(GuestDevices.letters(25)).isEqualTo("z");
    assertThat(GuestDevices.letters(26)).isEqualTo("aa");
    GuestDevices d = new GuestDevices().partition(1, 3, "u");
    assertThat(d.uuidOf("/dev/xvdb3")).contains("u");
    assertThat(d.uuidOf("/dev/nvme1n1p3")).contains("u");
  }
}
