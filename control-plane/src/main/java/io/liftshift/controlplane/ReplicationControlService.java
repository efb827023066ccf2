package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;

/**
 * Pause, resume, stop, start and retry of a server's replication, with MGN's preconditions. The
 * state is the service's record at once; the agent learns the wanted state from its next
 * heartbeat's answer.
 */
final class ReplicationControlService {
  private final SourceServerService servers;

  ReplicationControlService(SourceServerService servers) {
    this.servers = servers;
  }

  JsonNode pause(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    return control(c, request, Action.PAUSE);
  }

  JsonNode resume(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    return control(c, request, Action.RESUME);
  }

  JsonNode stop(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    return control(c, request, Action.STOP);
  }

  JsonNode start(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    return control(c, request, Action.START);
  }

  JsonNode retry(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    return control(c, request, Action.RETRY);
  }

  private enum Action {
    PAUSE,
    RESUME,
    STOP,
    START,
    RETRY
  }

  private JsonNode control(StoreTransaction c, ObjectNode request, Action action)
      throws StoreException, ApiException {
    ObjectNode server = servers.server(c, request);
    String id = server.path("sourceServerID").asText();
    ObjectNode dri = (ObjectNode) server.path("dataReplicationInfo");
    ObjectNode priv = (ObjectNode) server.path("_private");
    String state = dri.path("dataReplicationState").asText();
    if (server.path("isArchived").asBoolean() || priv.path("replicationStopped").asBoolean()) {
      throw SourceServerService.conflict(
          server, "source server " + id + " is disconnected from the service");
    }
    switch (action) {
      case PAUSE -> {
        if (state.equals("PAUSED") || state.equals("STOPPED")) {
          throw SourceServerService.conflict(
              server, "replication of " + id + " is " + state + "; it cannot be paused");
        }
        priv.put("stateBeforePause", state);
        priv.put("desiredReplication", "PAUSED");
        dri.put("dataReplicationState", "PAUSED");
      }
      case RESUME -> {
        if (!state.equals("PAUSED")) {
          throw SourceServerService.conflict(
              server, "replication of " + id + " is " + state + ", not PAUSED");
        }
        priv.put("desiredReplication", "RUNNING");
        dri.put("dataReplicationState", priv.path("stateBeforePause").asText("INITIATING"));
      }
      case STOP -> {
        if (state.equals("STOPPED")) {
          throw SourceServerService.conflict(
              server, "replication of " + id + " is already STOPPED");
        }
        priv.put("desiredReplication", "STOPPED");
        dri.put("dataReplicationState", "STOPPED");
      }
      case START -> {
        if (!state.equals("STOPPED")) {
          throw SourceServerService.conflict(
              server, "replication of " + id + " is " + state + ", not STOPPED");
        }
        priv.put("desiredReplication", "RUNNING");
        dri.put("dataReplicationState", "INITIATING");
      }
      case RETRY -> {
        JsonNode viewed = servers.viewOf(server);
        String shown = viewed.path("dataReplicationInfo").path("dataReplicationState").asText();
        if (!shown.equals("STALLED") && !shown.equals("INITIATING")) {
          throw SourceServerService.conflict(
              server,
              "replication of " + id + " is " + shown + "; only a stalled one can be retried");
        }
        priv.put("desiredReplication", "RUNNING");
        priv.put("retryRequestedAt", Ids.now());
        dri.put("dataReplicationState", "INITIATING");
        dri.remove("dataReplicationError");
      }
    }
    servers.save(c, server);
    return servers.viewOf(server);
  }
}
