package io.liftshift.cloud;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * An EC2 instance type's size. The local cloud gives its virtual machines the same vCPUs and
 * memory, and right-sizing picks the smallest general-purpose type that fits a source server.
 */
public record InstanceType(String name, int vcpus, int memoryMib) {
  private static final List<InstanceType> KNOWN =
      List.of(
          new InstanceType("t3.micro", 2, 1024),
          new InstanceType("t3.small", 2, 2048),
          new InstanceType("t3.medium", 2, 4096),
          new InstanceType("t3.large", 2, 8192),
          new InstanceType("t3.xlarge", 4, 16384),
          new InstanceType("t3.2xlarge", 8, 32768),
          new InstanceType("m5.large", 2, 8192),
          new InstanceType("m5.xlarge", 4, 16384),
          new InstanceType("m5.2xlarge", 8, 32768),
          new InstanceType("m5.4xlarge", 16, 65536),
          new InstanceType("m5.8xlarge", 32, 131072),
          new InstanceType("m5.12xlarge", 48, 196608),
          new InstanceType("m5.16xlarge", 64, 262144),
          new InstanceType("m5.24xlarge", 96, 393216),
          new InstanceType("c5.large", 2, 4096),
          new InstanceType("c5.xlarge", 4, 8192),
          new InstanceType("c5.2xlarge", 8, 16384),
          new InstanceType("r5.large", 2, 16384),
          new InstanceType("r5.xlarge", 4, 32768),
          new InstanceType("r5.2xlarge", 8, 65536));

  /** Families that right-sizing chooses from, in order of preference (MGN's BASIC right-sizing). */
  private static final List<String> RIGHT_SIZING_FAMILIES = List.of("t3", "m5");

  /** The size of a known instance type. */
  public static Optional<InstanceType> of(String name) {
    return KNOWN.stream().filter(t -> t.name.equals(name)).findFirst();
  }

  /** Well-formed EC2 type names: family, generation, optional attributes, '.', size. */
  public static boolean isWellFormed(String name) {
    return name != null && name.matches("[a-z]+[0-9][a-z0-9-]*\\.[a-z0-9]+");
  }

  /**
   * The smallest known type with at least the source's CPUs and memory, preferring burstable types
   * for small servers as MGN does; the largest m5 when nothing fits.
   */
  public static InstanceType rightSized(int cpus, long ramBytes) {
    long ramMib = Math.max(1, ramBytes >> 20);
    for (String family : RIGHT_SIZING_FAMILIES) {
      Optional<InstanceType> fit =
          KNOWN.stream()
              .filter(t -> t.name.startsWith(family + "."))
              .filter(t -> t.vcpus >= cpus && t.memoryMib >= ramMib)
              .min(Comparator.comparingInt(InstanceType::vcpus).thenComparingInt(t -> t.memoryMib));
      if (fit.isPresent()) {
        return fit.get();
      }
    }
    return of("m5.24xlarge").orElseThrow();
  }
}
