package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.StoreException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One record per server a job is working on, kept from the start of its part to the end: what the
 * launch has made in the cloud and not yet handed over (the held snapshot set, the launch's own
 * volumes, the conversion server, an image not yet behind an instance). The launch memory lives in
 * the control plane's process; this record is what a restarted one finds of it ({@link
 * InterruptedLaunches}).
 */
final class LaunchesInFlight {
  static final String IN_FLIGHT = "launch-in-flight";

  private final ControlPlaneStore db;

  LaunchesInFlight(ControlPlaneStore db) {
    this.db = db;
  }

  static String id(String jobId, String serverId) {
    return jobId + "." + serverId;
  }

  /** The server's part of the job begins: nothing made yet. */
  void begin(String jobId, String serverId) throws StoreException {
    ObjectNode r =
        Json.MAPPER.createObjectNode().put("jobID", jobId).put("sourceServerID", serverId);
    db.transaction(
        c -> {
          c.delete(IN_FLIGHT, id(jobId, serverId));
          c.insert(IN_FLIGHT, id(jobId, serverId), r.toString());
          return null;
        });
  }

  /** Records a change to what the launch holds (written before the next step relies on it). */
  void change(String jobId, String serverId, Consumer<ObjectNode> change) throws StoreException {
    db.transaction(
        c -> {
          Optional<String> body = c.body(IN_FLIGHT, id(jobId, serverId));
          if (body.isPresent()) {
            ObjectNode r = Json.parse(body.get());
            change.accept(r);
            c.update(IN_FLIGHT, id(jobId, serverId), r.toString());
          }
          return null;
        });
  }

  /** The server's part of the job ended and released what it made. */
  void end(String jobId, String serverId) throws StoreException {
    db.transaction(c -> c.delete(IN_FLIGHT, id(jobId, serverId)));
  }

  static ObjectNode volume(StagingVolume v) {
    ObjectNode o =
        Json.MAPPER
            .createObjectNode()
            .put("volumeId", v.volumeId())
            .put("name", v.name())
            .put("sizeBytes", v.sizeBytes());
    if (v.devicePath() != null) {
      o.put("devicePath", v.devicePath().toString());
    }
    return o;
  }

  static StagingVolume volume(com.fasterxml.jackson.databind.JsonNode o) {
    String path = o.path("devicePath").asText("");
    return new StagingVolume(
        o.path("volumeId").asText(),
        o.path("name").asText(),
        o.path("sizeBytes").asLong(),
        path.isEmpty() ? null : Path.of(path),
        true);
  }
}
