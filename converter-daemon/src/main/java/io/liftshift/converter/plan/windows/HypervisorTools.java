package io.liftshift.converter.plan.windows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Other hypervisors' tools and drivers on a Windows guest, known by their service keys: how the
 * inspection tells where the server came from, and what the plan reports as left or disabled.
 */
public final class HypervisorTools {
  /** Family to the service names its installer creates (matched case-insensitively). */
  public static final Map<String, List<String>> FAMILIES = families();

  private HypervisorTools() {}

  private static Map<String, List<String>> families() {
    Map<String, List<String>> f = new LinkedHashMap<>();
    f.put(
        "VMware Tools",
        List.of(
            "VMTools",
            "VGAuthService",
            "vm3dservice",
            "VMwareCAFManagementAgentHost",
            "vmci",
            "vmhgfs",
            "vmmemctl",
            "vmmouse",
            "vmrawdsk",
            "vmusbmouse",
            "vsock",
            "vm3dmp",
            "pvscsi",
            "vmxnet3ndis6"));
    f.put(
        "Hyper-V integration services",
        List.of(
            "vmbus",
            "storvsc",
            "netvsc",
            "VMBusHID",
            "hyperkbd",
            "vmicheartbeat",
            "vmickvpexchange",
            "vmicshutdown",
            "vmictimesync",
            "vmicvss",
            "vmicguestinterface",
            "vmicrdv",
            "vmicvmsession"));
    f.put(
        "Xen PV drivers",
        List.of(
            "xenbus",
            "xenfilt",
            "xenvbd",
            "xendisk",
            "xennet",
            "xenvif",
            "xeniface",
            "xenvkbd",
            "xenhid",
            "xensvc",
            "xenagent",
            "LiteAgent"));
    f.put(
        "virtio drivers",
        List.of(
            "viostor",
            "vioscsi",
            "netkvm",
            "balloon",
            "BalloonService",
            "vioser",
            "viorng",
            "vioinput",
            "pvpanic",
            "fwcfg",
            "QEMU-GA"));
    f.put("VirtualBox Guest Additions", List.of("VBoxService", "VBoxGuest", "VBoxMouse", "VBoxSF"));
    return java.util.Collections.unmodifiableMap(f);
  }

  /**
   * The families whose services are among {@code services}, with the names as the hive has them.
   */
  public static Map<String, List<String>> found(List<String> services) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    FAMILIES.forEach(
        (family, names) -> {
          List<String> present = new ArrayList<>();
          for (String s : services) {
            if (names.stream().anyMatch(n -> n.equalsIgnoreCase(s))) {
              present.add(s);
            }
          }
          if (!present.isEmpty()) {
            out.put(family, List.copyOf(present));
          }
        });
    return out;
  }
}
