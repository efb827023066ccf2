/**
 * The Windows conversion plan: registry values to set in the offline SYSTEM and SOFTWARE hives (AWS
 * NVMe and ENA drivers as services matched to their PCI ids, other hypervisors' agents disabled,
 * DHCP, Remote Desktop), files to copy (checked by SHA-256) and the first-boot script. Pure data,
 * made from the facts the inspection read (other hypervisors' tools known by their service keys,
 * {@link io.liftshift.converter.plan.windows.HypervisorTools}) and the checked driver packages.
 */
package io.liftshift.converter.plan.windows;
