package io.liftshift.converter.plan;

import io.liftshift.converter.plan.ConversionStep.RemoveFile;
import io.liftshift.converter.plan.ConversionStep.Skip;
import io.liftshift.converter.plan.ConversionStep.Symlink;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes other hypervisors' guest tools out of the boot (VMware, Hyper-V, VirtualBox, Xen, Azure,
 * qemu's agent): their enabling links go and their units are masked, since on the target they fail
 * or wait for a hypervisor that is not there. Apart from {@link LinuxConversionPlanner} because it
 * concerns services, not the boot path.
 */
final class GuestToolsRemoval {
  /** Other hypervisors' guest tools (VMware, Hyper-V, VirtualBox, Xen, Azure, qemu's agent). */
  static final List<String> GUEST_TOOLS =
      List.of(
          "open-vm-tools",
          "vmtoolsd",
          "vgauth",
          "vmware-tools",
          "hv-kvp-daemon",
          "hv-vss-daemon",
          "hv-fcopy-daemon",
          "hypervkvpd",
          "hypervvssd",
          "hypervfcopyd",
          "vboxadd",
          "vboxadd-service",
          "virtualbox-guest-utils",
          "xe-daemon",
          "xe-linux-distribution",
          "walinuxagent",
          "waagent",
          "qemu-guest-agent");

  private final GuestFiles guest;

  GuestToolsRemoval(GuestFiles guest) {
    this.guest = guest;
  }

  /** The removals and masks, or one skip saying none is enabled. */
  List<ConversionStep> steps() throws IOException {
    List<ConversionStep> steps = new ArrayList<>();
    boolean any = false;
    for (String wants : guest.list("/etc/systemd/system")) {
      if (!wants.endsWith(".wants")) {
        continue;
      }
      for (String link : guest.list(wants)) {
        String unit = link.substring(link.lastIndexOf('/') + 1);
        if (GUEST_TOOLS.stream().anyMatch(t -> unit.equals(t + ".service"))) {
          steps.add(
              new RemoveFile(
                  "guest-tools",
                  link,
                  guest.linkTarget(link).orElse(""),
                  "another hypervisor's guest tools: not on the target"));
          any = true;
        }
      }
    }
    for (String rc : guest.list("/etc")) {
      if (!rc.matches("/etc/rc[0-6S]\\.d")) {
        continue;
      }
      for (String link : guest.list(rc)) {
        String name = link.substring(link.lastIndexOf('/') + 1);
        if (name.startsWith("S") && GUEST_TOOLS.contains(name.replaceFirst("^S\\d\\d", ""))) {
          steps.add(
              new RemoveFile(
                  "guest-tools",
                  link,
                  guest.linkTarget(link).orElse(""),
                  "another hypervisor's guest tools: not on the target"));
          any = true;
        }
      }
    }
    for (String tool : GUEST_TOOLS) {
      String unit = tool + ".service";
      boolean installed =
          guest.exists("/lib/systemd/system/" + unit)
              || guest.exists("/usr/lib/systemd/system/" + unit);
      if (installed && !guest.exists("/etc/systemd/system/" + unit)) {
        // Masked, not only disabled: udev or a device unit may start it anyway.
        steps.add(
            new Symlink(
                "guest-tools",
                "/etc/systemd/system/" + unit,
                "/dev/null",
                "another hypervisor's guest tools, masked: udev could start it on the target"));
        any = true;
      }
    }
    if (!any) {
      steps.add(
          new Skip("guest-tools", "hypervisor guest tools", "none enabled (VMware, Hyper-V, ...)"));
    }
    return steps;
  }
}
