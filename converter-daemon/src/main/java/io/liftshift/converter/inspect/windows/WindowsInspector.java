package io.liftshift.converter.inspect.windows;

import io.liftshift.converter.plan.RegistryValue;
import io.liftshift.converter.plan.UnsupportedGuestException;
import io.liftshift.converter.plan.windows.HypervisorTools;
import io.liftshift.converter.plan.windows.WindowsConversionPlanner;
import io.liftshift.converter.plan.windows.WindowsFacts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a Windows system volume's facts from its hives (never the live registry of anything): the
 * edition and version from SOFTWARE, the current control set, services, static addresses and Remote
 * Desktop settings, other hypervisors' tools (by their service keys) and whether Plug and Play uses
 * the DriverDatabase from SYSTEM. A hive the tools cannot open fails the inspection.
 */
public final class WindowsInspector {
  static final String CURRENT_VERSION = "Microsoft\\Windows NT\\CurrentVersion";

  private final Path system;
  private final Path software;

  /** The hives to read (on the mounted volume, or copies of them). */
  public WindowsInspector(Path systemHive, Path softwareHive) {
    this.system = systemHive;
    this.software = softwareHive;
  }

  public WindowsFacts inspect(String bootMode, String bootManager, String device, String uuid)
      throws IOException, UnsupportedGuestException {
    HiveTool.check(system, "SYSTEM");
    HiveTool.check(software, "SOFTWARE");
    Map<String, RegistryValue> version =
        HiveTool.values(software, CURRENT_VERSION)
            .orElseThrow(
                () ->
                    new UnsupportedGuestException(
                        "the SOFTWARE hive has no " + CURRENT_VERSION + ": not a Windows system"));
    String product = text(version, "ProductName").orElse("Windows (no ProductName)");
    String nt =
        text(version, "CurrentMajorVersionNumber").isPresent()
            ? text(version, "CurrentMajorVersionNumber").get()
                + "."
                + text(version, "CurrentMinorVersionNumber").orElse("0")
            : text(version, "CurrentVersion")
                .orElseThrow(
                    () ->
                        new UnsupportedGuestException(
                            product + ": neither CurrentMajorVersionNumber nor CurrentVersion"));
    if (!nt.matches("\\d+\\.\\d+")) {
      throw new UnsupportedGuestException(product + ": unreadable version " + nt);
    }
    String[] mm = nt.split("\\.");
    int major = Integer.parseInt(mm[0]);
    int minor = Integer.parseInt(mm[1]);
    if (major < 6 || (major == 6 && minor < 1)) {
      throw new UnsupportedGuestException(
          product + " (NT " + nt + "): Windows before Server 2008 R2 / 7 is not converted");
    }
    long current =
        HiveTool.value(system, "Select", "Current")
            .map(v -> Long.parseLong(v.text()))
            .orElseThrow(() -> new IOException("the SYSTEM hive has no Select\\Current"));
    String cs = String.format("ControlSet%03d", current);
    List<String> services =
        HiveTool.subkeys(system, cs + "\\Services")
            .orElseThrow(() -> new IOException("the SYSTEM hive has no " + cs + "\\Services"));
    Map<String, Long> starts = new LinkedHashMap<>();
    List<String> watched = new ArrayList<>(WindowsConversionPlanner.GUEST_TOOL_SERVICES);
    watched.addAll(WindowsConversionPlanner.AWS_DRIVER_SERVICES);
    for (String s : services) {
      if (watched.stream().anyMatch(w -> w.equalsIgnoreCase(s))) {
        HiveTool.value(system, cs + "\\Services\\" + s, "Start")
            .ifPresent(v -> starts.put(s, Long.parseLong(v.text())));
      }
    }
    List<WindowsFacts.StaticInterface> statics = new ArrayList<>();
    String ifaces = cs + "\\Services\\Tcpip\\Parameters\\Interfaces";
    for (String guid : HiveTool.subkeys(system, ifaces).orElse(List.of())) {
      Map<String, RegistryValue> v = HiveTool.values(system, ifaces + "\\" + guid).orElseThrow();
      if (text(v, "EnableDHCP").orElse("1").equals("0")) {
        statics.add(
            new WindowsFacts.StaticInterface(
                guid, entries(v, "IPAddress"), entries(v, "DefaultGateway")));
      }
    }
    Long rdpDenied =
        HiveTool.value(system, cs + "\\Control\\Terminal Server", "fDenyTSConnections")
            .map(v -> Long.parseLong(v.text()))
            .orElse(null);
    Map<String, String> rules = new LinkedHashMap<>();
    Optional<Map<String, RegistryValue>> fw =
        HiveTool.values(
            system, cs + "\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\FirewallRules");
    for (String rule : WindowsConversionPlanner.RDP_FIREWALL_RULES) {
      fw.flatMap(f -> text(f, rule)).ifPresent(t -> rules.put(rule, t));
    }
    return new WindowsFacts(
        product,
        text(version, "EditionID").orElse(""),
        nt,
        text(version, "CurrentBuild").orElse(text(version, "CurrentBuildNumber").orElse("")),
        cs,
        bootMode,
        bootManager,
        device,
        uuid,
        services,
        starts,
        statics,
        rdpDenied,
        rules,
        HypervisorTools.found(services),
        HiveTool.subkeys(system, "DriverDatabase").isPresent());
  }

  private static Optional<String> text(Map<String, RegistryValue> values, String name) {
    return values.entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(name))
        .map(e -> e.getValue().text())
        .findFirst();
  }

  private static List<String> entries(Map<String, RegistryValue> values, String name) {
    return values.entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(name))
        .map(e -> e.getValue().entries())
        .findFirst()
        .orElse(List.of());
  }
}
