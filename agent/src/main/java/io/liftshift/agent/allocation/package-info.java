/**
 * What of a source disk the filesystem-aware initial sync reads (<b>source disk → agent</b>, before
 * anything is sent): {@link io.liftshift.agent.allocation.DiskLayout} walks the partition table and
 * recognises ext4, XFS and LVM, whose readers report the blocks in use as {@link
 * io.liftshift.agent.allocation.UsedRanges}; anything not recognised is read whole. The change
 * tracker runs from before these maps are read, so a block allocated later is still replicated.
 */
package io.liftshift.agent.allocation;
