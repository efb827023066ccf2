package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.Item;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * MGN's plain resources (configuration templates, applications, waves) kept as documents: create,
 * update, archive, delete and list, with MGN's ids, ARNs and dates.
 */
final class Documents {
  /** A kind of resource: its storage type, id format and names in the API. */
  record Kind(String type, String prefix, String idField, String apiName) {}

  static final Kind REPLICATION_TEMPLATE =
      new Kind(
          "replication-configuration-template",
          "rct-",
          "replicationConfigurationTemplateID",
          "ReplicationConfigurationTemplate");
  static final Kind LAUNCH_TEMPLATE =
      new Kind(
          "launch-configuration-template",
          "lct-",
          "launchConfigurationTemplateID",
          "LaunchConfigurationTemplate");
  static final Kind APPLICATION = new Kind("application", "app-", "applicationID", "Application");
  static final Kind WAVE = new Kind("wave", "wave-", "waveID", "Wave");

  private final Account account;

  Documents(Account account) {
    this.account = account;
  }

  /** Creates one; {@code dated} kinds (applications, waves) also carry archive state and dates. */
  ObjectNode create(StoreTransaction c, Kind kind, ObjectNode request, boolean dated)
      throws StoreException, ApiException {
    account.check(c, request);
    String id = Ids.newId(kind.prefix());
    ObjectNode t = request.deepCopy();
    t.put(kind.idField(), id);
    t.put("arn", account.arn(c, kind.type(), id));
    if (!t.has("tags")) {
      t.putObject("tags");
    }
    if (dated) {
      t.put("isArchived", false);
      t.put("creationDateTime", Ids.now());
      t.put("lastModifiedDateTime", Ids.now());
    }
    c.insert(kind.type(), id, t.toString());
    return t;
  }

  JsonNode update(StoreTransaction c, Kind kind, ObjectNode request, boolean dated)
      throws StoreException, ApiException {
    account.check(c, request);
    String id = request.path(kind.idField()).asText();
    ObjectNode t = load(c, kind, id);
    request
        .fields()
        .forEachRemaining(
            f -> {
              if (!f.getKey().equals("arn")) {
                t.set(f.getKey(), f.getValue());
              }
            });
    if (dated) {
      t.put("lastModifiedDateTime", Ids.now());
    }
    c.update(kind.type(), id, t.toString());
    return t;
  }

  JsonNode archive(StoreTransaction c, Kind kind, ObjectNode request, boolean archived)
      throws StoreException, ApiException {
    account.check(c, request);
    String id = request.path(kind.idField()).asText();
    ObjectNode t = load(c, kind, id);
    t.put("isArchived", archived);
    t.put("lastModifiedDateTime", Ids.now());
    c.update(kind.type(), id, t.toString());
    return t;
  }

  JsonNode delete(StoreTransaction c, Kind kind, ObjectNode request)
      throws StoreException, ApiException {
    account.check(c, request);
    String id = request.path(kind.idField()).asText();
    if (!c.delete(kind.type(), id)) {
      throw ApiException.notFound(kind.apiName(), id);
    }
    return null;
  }

  /**
   * Lists by id, and with {@code filters} by archive state (and for applications by wave), one
   * page.
   */
  JsonNode list(
      StoreTransaction c, Kind kind, ObjectNode request, JsonNode idFilter, JsonNode filters)
      throws StoreException, ApiException {
    account.check(c, request);
    Set<String> ids = new HashSet<>();
    idFilter.forEach(n -> ids.add(n.asText()));
    JsonNode archived = filters == null ? null : filters.get("isArchived");
    Set<String> waves = new HashSet<>();
    if (filters != null && kind == APPLICATION) {
      filters.path("waveIDs").forEach(n -> waves.add(n.asText()));
    }
    List<JsonNode> items = new ArrayList<>();
    for (Item r : c.list(kind.type())) {
      JsonNode item = Json.parse(r.body());
      if ((ids.isEmpty() || ids.contains(r.id()))
          && (archived == null || archived.asBoolean() == item.path("isArchived").asBoolean())
          && (waves.isEmpty() || waves.contains(item.path("waveID").asText()))) {
        items.add(item);
      }
    }
    return Paging.page(items, request);
  }

  ObjectNode load(StoreTransaction c, Kind kind, String id) throws StoreException, ApiException {
    return load(c, kind.type(), kind.apiName(), id);
  }

  static ObjectNode load(StoreTransaction c, String type, String resourceType, String id)
      throws StoreException, ApiException {
    String body = c.body(type, id).orElseThrow(() -> ApiException.notFound(resourceType, id));
    try {
      return (ObjectNode) Json.MAPPER.readTree(body);
    } catch (java.io.IOException e) {
      throw new StoreException("stored " + type + " " + id + " is not JSON", e);
    }
  }
}
