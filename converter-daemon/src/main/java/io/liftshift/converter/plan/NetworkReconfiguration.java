package io.liftshift.converter.plan;

import io.liftshift.converter.plan.ConversionStep.RemoveFile;
import io.liftshift.converter.plan.ConversionStep.Skip;
import io.liftshift.converter.plan.ConversionStep.WriteFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The network part of a Linux conversion: the source's interface names, MAC addresses and static
 * addresses do not exist on the target, so each network stack the guest uses (ifupdown, netplan,
 * NetworkManager, network-scripts) gets DHCP on whatever interface it finds, and persistent-net
 * rules go. Apart from {@link LinuxConversionPlanner} because it is the one part that reads the
 * guest's network configuration.
 */
final class NetworkReconfiguration {
  private final GuestFiles guest;

  NetworkReconfiguration(GuestFiles guest) {
    this.guest = guest;
  }

  static final String IFUPDOWN_DHCP =
      """
      # Written by liftshift's converter. The target's network interface has a new name and MAC, so
      # the first Ethernet interface, whatever its name, gets its address by DHCP (ifupdown >= 0.8).
      source /etc/network/interfaces.d/*

      auto lo
      iface lo inet loopback

      auto type/1/1=primary
      iface primary inet dhcp
      """;

  static final String NETPLAN_DHCP =
      """
      # Written by liftshift's converter: DHCP on the first Ethernet interface, whatever its name.
      network:
        version: 2
        ethernets:
          primary:
            match:
              name: "e*"
            dhcp4: true
      """;

  static final String NM_DHCP =
      """
      # Written by liftshift's converter: DHCP on any Ethernet interface, whatever its name or MAC.
      [connection]
      id=liftshift-dhcp
      type=ethernet
      autoconnect=true

      [ipv4]
      method=auto

      [ipv6]
      method=auto
      """;

  /** The network changes for a guest with these facts. */
  List<ConversionStep> steps(GuestFacts facts) throws IOException {
    List<ConversionStep> steps = new ArrayList<>();
    network(steps, facts);
    persistentNetRules(steps);
    return steps;
  }

  private void network(List<ConversionStep> steps, GuestFacts facts) throws IOException {
    List<String> stacks = facts.networkStacks();
    if (stacks.isEmpty()) {
      steps.add(
          new Skip(
              "network",
              "network configuration",
              "none found (ifupdown, netplan, NetworkManager, ifcfg): the guest's defaults apply"));
      return;
    }
    if (stacks.contains("ifupdown")) {
      String before = guest.read("/etc/network/interfaces").orElseThrow();
      steps.add(
          ConversionStep.editOrSkip(
              "network",
              "/etc/network/interfaces",
              before,
              IFUPDOWN_DHCP,
              "static addresses and interface names of the source do not exist on the target"));
      for (String f : guest.list("/etc/network/interfaces.d")) {
        String text = guest.read(f).orElse("");
        if (Pattern.compile("(?m)^\\s*iface\\s+(?!lo\\s)").matcher(text).find()) {
          steps.add(
              new RemoveFile(
                  "network", f, text, "configures an interface of the source by name or address"));
        }
      }
    }
    if (stacks.contains("netplan")) {
      for (String f : guest.list("/etc/netplan")) {
        if (f.endsWith(".yaml")) {
          steps.add(
              new RemoveFile(
                  "network", f, guest.read(f).orElse(""), "binds the source's interfaces"));
        }
      }
      steps.add(
          new WriteFile(
              "network",
              "/etc/netplan/50-liftshift.yaml",
              NETPLAN_DHCP,
              "0600",
              "DHCP on the first interface, whatever its name"));
    }
    if (stacks.contains("NetworkManager")) {
      for (String f : guest.list("/etc/NetworkManager/system-connections")) {
        String text = guest.read(f).orElse("");
        if (text.contains("type=ethernet") || text.contains("type=802-3-ethernet")) {
          steps.add(
              new RemoveFile(
                  "network", f, text, "an Ethernet connection of the source (name, MAC, address)"));
        }
      }
      steps.add(
          new WriteFile(
              "network",
              "/etc/NetworkManager/system-connections/liftshift-dhcp.nmconnection",
              NM_DHCP,
              "0600",
              "DHCP on any Ethernet interface, whatever its name"));
    }
    if (stacks.contains("ifcfg")) {
      for (String f : guest.list("/etc/sysconfig/network-scripts")) {
        if (f.contains("/ifcfg-") && !f.endsWith("/ifcfg-lo")) {
          steps.add(
              new RemoveFile(
                  "network",
                  f,
                  guest.read(f).orElse(""),
                  "binds an interface of the source by name, MAC or static address"));
        }
      }
      if (!stacks.contains("NetworkManager")) {
        steps.add(
            new WriteFile(
                "network",
                "/etc/sysconfig/network-scripts/ifcfg-eth0",
                "# Written by liftshift's converter\nDEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n"
                    + "TYPE=Ethernet\n",
                "0644",
                "DHCP on the first interface (network-scripts names it eth0 on the target)"));
      }
    }
  }

  private void persistentNetRules(List<ConversionStep> steps) throws IOException {
    boolean any = false;
    for (String f : guest.list("/etc/udev/rules.d")) {
      if (f.contains("persistent-net")) {
        steps.add(
            new RemoveFile(
                "network",
                f,
                guest.read(f).orElse(guest.linkTarget(f).orElse("")),
                "binds interface names to the source's MAC addresses"));
        any = true;
      }
    }
    if (!any) {
      steps.add(new Skip("network", "persistent-net rules", "none found"));
    }
  }
}
