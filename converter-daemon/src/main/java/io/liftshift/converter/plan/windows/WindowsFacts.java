package io.liftshift.converter.plan.windows;

import io.liftshift.converter.plan.GuestFacts;
import java.util.List;
import java.util.Map;

/**
 * What inspection found on a Windows system volume (read from its SYSTEM and SOFTWARE hives and the
 * partition table).
 *
 * @param productName SOFTWARE\Microsoft\Windows NT\CurrentVersion ProductName
 * @param ntVersion major.minor: CurrentMajorVersionNumber/CurrentMinorVersionNumber where present
 *     (Windows 10 / Server 2016 and later), else CurrentVersion (6.1 = 2008 R2, 6.3 = 2012 R2)
 * @param currentBuild CurrentBuild (7601, 9600, 17763, 20348, ...)
 * @param controlSet the control set SYSTEM\Select\Current names (ControlSet001)
 * @param bootMode UEFI (GPT, an EFI system partition with EFI/Microsoft/Boot/bootmgfw.efi) or
 *     LEGACY_BIOS (MBR, bootmgr on an NTFS partition)
 * @param bootManager where the boot manager was found
 * @param serviceNames every key under the control set's Services
 * @param serviceStarts Start of the services the plan may change (other hypervisors' tools, the AWS
 *     drivers)
 * @param staticInterfaces TCP/IP interfaces with EnableDHCP 0
 * @param rdpDenied Terminal Server fDenyTSConnections (1: RDP refused), or null when absent
 * @param firewallRules the Remote Desktop firewall rules (name to rule string) that exist
 * @param hypervisorTools other hypervisors' tools and drivers found by their service keys: family
 *     (VMware Tools, Hyper-V integration services, Xen PV drivers, virtio drivers, VirtualBox) to
 *     the services present
 * @param hasDriverDatabase SYSTEM has a DriverDatabase key: Plug and Play matches devices there
 *     (Windows 8 / Server 2012 and later), else through the control set's CriticalDeviceDatabase
 */
public record WindowsFacts(
    String productName,
    String editionId,
    String ntVersion,
    String currentBuild,
    String controlSet,
    String bootMode,
    String bootManager,
    String systemDevice,
    String systemUuid,
    List<String> serviceNames,
    Map<String, Long> serviceStarts,
    List<StaticInterface> staticInterfaces,
    Long rdpDenied,
    Map<String, String> firewallRules,
    Map<String, List<String>> hypervisorTools,
    boolean hasDriverDatabase) {
  public WindowsFacts {
    hypervisorTools =
        java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(hypervisorTools));
    serviceNames = List.copyOf(serviceNames);
    serviceStarts = Map.copyOf(serviceStarts);
    staticInterfaces = List.copyOf(staticInterfaces);
    firewallRules = Map.copyOf(firewallRules);
  }

  /** A TCP/IP interface configured with a static address. */
  public record StaticInterface(String guid, List<String> ipAddresses, List<String> gateways) {
    public StaticInterface {
      ipAddresses = List.copyOf(ipAddresses);
      gateways = List.copyOf(gateways);
    }
  }

  /**
   * Whether devices are matched through the DriverDatabase: decided by the hive itself, as virt-v2v
   * does (a SYSTEM\DriverDatabase key exists from Windows 8 / Server 2012, NT 6.2, on), not by the
   * version read from SOFTWARE.
   */
  public boolean usesDriverDatabase() {
    return hasDriverDatabase;
  }

  /** The same facts in the shape every conversion report carries. */
  public GuestFacts asGuestFacts() {
    return new GuestFacts(
        "WINDOWS",
        "windows",
        ntVersion + "." + currentBuild,
        productName,
        systemDevice,
        systemUuid,
        bootManager,
        "none (boot-start drivers are loaded by the boot manager)",
        List.of("tcpip"),
        List.of(ntVersion + "." + currentBuild),
        List.of(bootMode));
  }
}
