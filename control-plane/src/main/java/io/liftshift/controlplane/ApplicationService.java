package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;

/**
 * Applications and waves: a wave holds applications, an application holds source servers, each
 * belonging to at most one.
 */
final class ApplicationService {
  private final Account account;
  private final Documents documents;
  private final SourceServerService servers;

  ApplicationService(Account account, Documents documents, SourceServerService servers) {
    this.account = account;
    this.documents = documents;
    this.servers = servers;
  }

  JsonNode create(StoreTransaction c, Documents.Kind kind, ObjectNode request)
      throws StoreException, ApiException {
    return documents.create(c, kind, request, true);
  }

  JsonNode list(StoreTransaction c, Documents.Kind kind, ObjectNode request, String idsMember)
      throws StoreException, ApiException {
    JsonNode filters = request.path("filters");
    return documents.list(c, kind, request, filters.path(idsMember), filters);
  }

  JsonNode update(StoreTransaction c, Documents.Kind kind, ObjectNode request)
      throws StoreException, ApiException {
    return documents.update(c, kind, request, true);
  }

  JsonNode delete(StoreTransaction c, Documents.Kind kind, ObjectNode request)
      throws StoreException, ApiException {
    return documents.delete(c, kind, request);
  }

  JsonNode archive(StoreTransaction c, Documents.Kind kind, ObjectNode request, boolean archived)
      throws StoreException, ApiException {
    return documents.archive(c, kind, request, archived);
  }

  /** Associate or disassociate applications with a wave. */
  JsonNode associateApplications(StoreTransaction c, ObjectNode request, boolean associate)
      throws StoreException, ApiException {
    account.check(c, request);
    String waveId = request.path("waveID").asText();
    ObjectNode wave = documents.load(c, Documents.WAVE, waveId);
    if (wave.path("isArchived").asBoolean()) {
      throw new ApiException("ConflictException", 409, "wave " + waveId + " is archived");
    }
    for (JsonNode n : request.path("applicationIDs")) {
      ObjectNode app = documents.load(c, Documents.APPLICATION, n.asText());
      if (associate) {
        app.put("waveID", waveId);
      } else if (waveId.equals(app.path("waveID").asText())) {
        app.remove("waveID");
      }
      c.update(Documents.APPLICATION.type(), n.asText(), app.toString());
    }
    return Json.MAPPER.createObjectNode();
  }

  /** Associate or disassociate source servers with an application. */
  JsonNode associateServers(StoreTransaction c, ObjectNode request, boolean associate)
      throws StoreException, ApiException {
    account.check(c, request);
    String appId = request.path("applicationID").asText();
    ObjectNode app = documents.load(c, Documents.APPLICATION, appId);
    if (app.path("isArchived").asBoolean()) {
      throw new ApiException("ConflictException", 409, "application " + appId + " is archived");
    }
    for (JsonNode n : request.path("sourceServerIDs")) {
      ObjectNode server = SourceServerService.load(c, n.asText());
      if (associate) {
        server.put("applicationID", appId);
      } else if (appId.equals(server.path("applicationID").asText())) {
        server.remove("applicationID");
      }
      servers.save(c, server);
    }
    return Json.MAPPER.createObjectNode();
  }
}
