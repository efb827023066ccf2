package io.liftshift.converter.plan;

import java.util.List;

/**
 * What inspection found about the guest operating system.
 *
 * @param family DEBIAN or RHEL (the two Linux families converted), else UNSUPPORTED
 * @param rootDevice the root filesystem as the guest names it in fstab, or as found
 * @param rootUuid the root filesystem's UUID
 * @param bootLoader grub2 (grub.cfg path) or none found
 * @param initramfsTool update-initramfs or dracut
 * @param networkStacks what configures the network: ifupdown, netplan, NetworkManager, ifcfg
 * @param kernels kernel versions under /lib/modules
 * @param bootModes how the disk can boot: LEGACY_BIOS (GRUB for PCs installed), UEFI (an EFI loader
 *     on the EFI system partition), both, or neither found
 */
public record GuestFacts(
    String family,
    String osId,
    String versionId,
    String prettyName,
    String rootDevice,
    String rootUuid,
    String bootLoader,
    String initramfsTool,
    List<String> networkStacks,
    List<String> kernels,
    List<String> bootModes) {
  public GuestFacts {
    networkStacks = List.copyOf(networkStacks);
    kernels = List.copyOf(kernels);
    bootModes = List.copyOf(bootModes);
  }
}
