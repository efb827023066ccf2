package io.liftshift.converter.plan.windows;

import java.util.List;

/**
 * One of AWS's Windows driver packages as the conversion server holds it, checked: every file's
 * SHA-256 matched the pinned list, and the PCI ids and install section were read from its INF.
 *
 * @param name AWSNVMe or ENA (the package's directory)
 * @param service the Windows service the INF installs (AWSNVMe, ena)
 * @param sysFile the driver binary (AWSNVMe.sys, ena.sys)
 * @param infFile the INF's name
 * @param configuration the INF's install section for the devices (DriverDatabase's configuration)
 * @param pciIds hardware ids from the INF's models section, like {@code PCI\VEN_1D0F&DEV_8061}
 * @param files every file of the package, with where it is on this server and its SHA-256
 * @param startType Start value of the service: 0 (boot) for storage, 3 (on demand) for network
 * @param group the service's load-order group
 * @param classGuid the device setup class (SCSIAdapter or Net)
 */
public record DriverPackage(
    String name,
    String service,
    String sysFile,
    String infFile,
    String configuration,
    List<String> pciIds,
    List<PackageFile> files,
    int startType,
    String group,
    String classGuid) {
  public DriverPackage {
    pciIds = List.copyOf(pciIds);
    files = List.copyOf(files);
  }

  /** A file of a package on the conversion server. */
  public record PackageFile(String name, String source, String sha256) {}

  /** The storage controller class (Start 0: loaded by the boot loader with the kernel). */
  public static final String SCSI_ADAPTER_CLASS = "{4D36E97B-E325-11CE-BFC1-08002BE10318}";

  public static final String NET_CLASS = "{4D36E972-E325-11CE-BFC1-08002BE10318}";

  /** The package's id in the driver store ({@code <inf>_amd64_<suffix>}). */
  public String driverStoreId() {
    return infFile.toLowerCase(java.util.Locale.ROOT) + "_amd64_liftshift";
  }

  public boolean isStorage() {
    return startType == 0;
  }
}
