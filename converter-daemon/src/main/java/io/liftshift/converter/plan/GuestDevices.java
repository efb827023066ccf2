package io.liftshift.converter.plan;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which filesystem each device name of the source machine meant. The guest's fstab and boot loader
 * name devices as its old hypervisor showed them ({@code /dev/vda1}, {@code /dev/sda2}, {@code
 * /dev/xvda1}, {@code /dev/nvme0n1p1}); on the target those names change, UUIDs do not. The launch
 * keeps the source's disk order, so disk N, partition P is the same filesystem under every naming
 * scheme.
 */
public final class GuestDevices {
  private final Map<String, String> uuidByName = new LinkedHashMap<>();

  /** Registers the filesystem on disk {@code diskIndex} (0-based), partition {@code partition}. */
  public GuestDevices partition(int diskIndex, int partition, String uuid) {
    for (String prefix : new String[] {"vd", "sd", "xvd", "hd"}) {
      uuidByName.put("/dev/" + prefix + letters(diskIndex) + partition, uuid);
    }
    uuidByName.put("/dev/nvme" + diskIndex + "n1p" + partition, uuid);
    return this;
  }

  /** Registers a name the source itself reported (an agent's device name, an LVM path). */
  public GuestDevices alias(String deviceName, String uuid) {
    uuidByName.put(deviceName, uuid);
    return this;
  }

  public Optional<String> uuidOf(String deviceName) {
    return Optional.ofNullable(uuidByName.get(deviceName));
  }

  public Map<String, String> names() {
    return Map.copyOf(uuidByName);
  }

  /** a..z, then aa, ab, ... as Linux names disks. */
  static String letters(int index) {
    StringBuilder b = new StringBuilder();
    int n = index;
    do {
      b.insert(0, (char) ('a' + n % 26));
      n = n / 26 - 1;
    } while (n >= 0);
    return b.toString();
  }
}
