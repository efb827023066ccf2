package io.liftshift.cloud;

import java.nio.file.Path;

/**
 * A volume in the staging area that holds one replicated source disk, byte for byte.
 *
 * @param volumeId the cloud's id for the volume (a file name locally, vol-... on AWS)
 * @param name the stable name derived from source server and disk
 * @param sizeBytes exactly the source disk's size
 * @param devicePath where the replication server reads and writes it (a file or block device)
 * @param created true when this call created the volume, so that it is known to hold only zeros
 */
public record StagingVolume(
    String volumeId, String name, long sizeBytes, Path devicePath, boolean created) {}
