package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** The API view of a stored source server: private fields removed, liveness derived. */
final class SourceServerView {
  private SourceServerView() {}

  static ObjectNode view(ObjectNode stored, long agentNotSeenMillis, Instant now) {
    ObjectNode s = stored.deepCopy();
    long lastSeen = s.path("_private").path("lastSeenEpochMillis").asLong(0);
    s.remove("_private");
    boolean tracked =
        !s.path("isArchived").asBoolean()
            && !stored.path("_private").path("replicationStopped").asBoolean();
    if (tracked && now.toEpochMilli() - lastSeen > agentNotSeenMillis) {
      ObjectNode dri = (ObjectNode) s.path("dataReplicationInfo");
      dri.put("dataReplicationState", "DISCONNECTED");
      dri.putObject("dataReplicationError")
          .put("error", "AGENT_NOT_SEEN")
          .put("rawError", "no heartbeat for " + (now.toEpochMilli() - lastSeen) / 1000 + " s");
    }
    return s;
  }
}
