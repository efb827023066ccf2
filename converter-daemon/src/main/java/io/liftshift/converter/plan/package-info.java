/**
 * The conversion plan: the list of changes (file edits with their before and after, files written
 * or removed, commands run in the guest's chroot, steps skipped and why) that make a guest boot on
 * the target. Planning is a pure function of the guest's files and its device names, so it is
 * tested on fixture trees and printed by {@code --dry-run} without touching a byte. {@link
 * io.liftshift.converter.plan.LinuxConversionPlanner} plans the boot path (fstab, boot loader,
 * initramfs) itself and takes the rest from one part each: {@link
 * io.liftshift.converter.plan.NetworkReconfiguration}, {@link
 * io.liftshift.converter.plan.GuestToolsRemoval}, {@link
 * io.liftshift.converter.plan.ReplicationAgentRemoval} and {@link
 * io.liftshift.converter.plan.FirstBootSetup}.
 */
package io.liftshift.converter.plan;
