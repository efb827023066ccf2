package io.liftshift.cloud;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** Provisions the staging volumes that replicated disks are written into. */
public interface StagingVolumes {

  /**
   * Returns the volume with this name, creating it with {@code sizeBytes} when it does not exist.
   *
   * @throws VolumeSizeMismatchException when it exists with another size: a different disk, or a
   *     source disk that was resized, must not be written into it
   * @throws IOException when the volume cannot be created (for example, a full disk)
   */
  StagingVolume provision(String name, long sizeBytes) throws IOException;

  Optional<StagingVolume> find(String name) throws IOException;

  List<StagingVolume> list() throws IOException;

  /** Deletes the volume; a missing volume is not an error. */
  void delete(String name) throws IOException;
}
