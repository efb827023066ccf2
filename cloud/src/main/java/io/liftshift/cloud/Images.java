package io.liftshift.cloud;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Bootable images made from converted volumes (converter → <b>image</b> → launched instance in the
 * flow). A launch registers the volumes the conversion server changed as an image, then starts the
 * target instance from it; on AWS an image is an AMI over EBS snapshots, locally a directory of
 * volume files that instances boot through copy-on-write overlays.
 */
public interface Images {
  /** How the firmware starts the boot volume: MGN's BootMode values. */
  enum BootMode {
    LEGACY_BIOS,
    UEFI
  }

  /**
   * A registered image.
   *
   * @param volumeSizesBytes the size of each volume, the boot volume first
   */
  record Image(
      String imageId,
      String name,
      BootMode bootMode,
      List<Long> volumeSizesBytes,
      Map<String, String> tags,
      Instant createdAt) {
    public Image {
      volumeSizesBytes = List.copyOf(volumeSizesBytes);
      tags = Map.copyOf(tags);
    }
  }

  /**
   * Registers the volumes (the boot volume first) as an image. The volumes are consumed: the image
   * owns their content afterwards and the caller must not write or delete them.
   */
  Image register(
      String name, List<StagingVolume> volumes, BootMode bootMode, Map<String, String> tags)
      throws IOException;

  Optional<Image> describe(String imageId) throws IOException;

  /** Images carrying every one of these tags. */
  List<Image> list(Map<String, String> tags) throws IOException;

  /** Deregisters the image and deletes what it holds; an unknown id is not an error. */
  void deregister(String imageId) throws IOException;
}
