package io.liftshift.converter.inspect;

/**
 * A block device seen on the volumes.
 *
 * @param volumeIndex which launch volume it is on (the source's disk order)
 * @param partition its partition number, or 0 for a whole disk or a logical volume
 * @param type disk, loop, part or lvm
 * @param fsType ext4, xfs, swap, LVM2_member, ntfs, ... or empty
 * @param partitionTable dos (MBR) or gpt for a disk, else empty
 */
public record BlockDevice(
    String path,
    int volumeIndex,
    int partition,
    String type,
    String fsType,
    String uuid,
    String label,
    String partitionTable) {

  public boolean isLinuxFilesystem() {
    return fsType.equals("ext4")
        || fsType.equals("ext3")
        || fsType.equals("ext2")
        || fsType.equals("xfs")
        || fsType.equals("btrfs");
  }
}
