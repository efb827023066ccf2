package io.liftshift.cloud;

import java.io.IOException;
import java.util.List;

/**
 * Conversion servers (volumes → <b>converter</b> → image in the flow): short-lived machines that
 * fetch their job from the control plane and convert a launch's volumes in place. Locally they are
 * {@code liftshift converter} processes on loop devices; on AWS, EC2 instances with the volumes
 * attached. A port of its own because a conversion server is started, watched and stopped by its
 * job, not by what it boots from.
 */
public interface ConversionServers {
  /**
   * Starts a conversion server for one source server of a job: it fetches its job from the control
   * plane with {@code jobToken} and converts {@code volumes}. Returns its id (an instance id, or a
   * process id locally). A job's servers convert side by side, each on its own server.
   */
  String start(String jobId, String sourceServerId, String jobToken, List<StagingVolume> volumes)
      throws IOException;

  /** Whether the conversion server still runs (a process that died without reporting fails). */
  boolean running(String conversionServerId) throws IOException;

  /** Stops it for good (terminated right after the conversion, as MGN does). */
  void stop(String conversionServerId) throws IOException;

  /**
   * Stops a conversion server another process of the control plane started (one a restart left
   * behind), with the volumes it was given, which are free again when this returns.
   */
  default void stopLeftBehind(String conversionServerId, List<StagingVolume> volumes)
      throws IOException {
    stop(conversionServerId);
  }
}
