package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.Database;
import io.liftshift.controlplane.store.Resources;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The MGN operations this version serves, with MGN's semantics. Each runs in one transaction: a
 * request that fails changes nothing.
 */
final class Operations {
  /** One operation's implementation. */
  @FunctionalInterface
  interface Handler {
    JsonNode handle(Connection c, ObjectNode request) throws SQLException, ApiException;
  }

  static final String REPLICATION_TEMPLATE = "replication-configuration-template";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Database db;
  private final String region;
  private final Map<String, Handler> handlers;

  Operations(Database db, String region) {
    this.db = db;
    this.region = region;
    this.handlers =
        Map.of(
            "InitializeService", this::initializeService,
            "CreateReplicationConfigurationTemplate", this::createReplicationTemplate,
            "DescribeReplicationConfigurationTemplates", this::describeReplicationTemplates,
            "UpdateReplicationConfigurationTemplate", this::updateReplicationTemplate,
            "DeleteReplicationConfigurationTemplate", this::deleteReplicationTemplate,
            "DescribeSourceServers", this::describeSourceServers);
  }

  boolean serves(String operation) {
    return handlers.containsKey(operation);
  }

  JsonNode run(String operation, ObjectNode request) throws SQLException, ApiException {
    Handler h = handlers.get(operation);
    try {
      return db.transaction(
          c -> {
            try {
              return h.handle(c, request);
            } catch (ApiException e) {
              throw new WrappedApiException(e);
            }
          });
    } catch (WrappedApiException w) {
      throw w.api;
    }
  }

  /** Carries an API error out of a transaction, which it rolls back. */
  private static final class WrappedApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient ApiException api;

    WrappedApiException(ApiException api) {
      super(api.getMessage(), null, false, false);
      this.api = api;
    }
  }

  static String newId(String prefix) {
    StringBuilder b = new StringBuilder(prefix);
    for (int i = 0; i < 17; i++) {
      b.append(ID_CHARS.charAt(RANDOM.nextInt(ID_CHARS.length())));
    }
    return b.toString();
  }

  private String setting(Connection c, String name) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("SELECT value FROM service WHERE name=?")) {
      p.setString(1, name);
      try (var r = p.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }

  private void setSetting(Connection c, String name, String value) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("INSERT OR REPLACE INTO service(name, value) VALUES (?,?)")) {
      p.setString(1, name);
      p.setString(2, value);
      p.executeUpdate();
    }
  }

  private String accountId(Connection c) throws SQLException, ApiException {
    String id = setting(c, "accountId");
    if (id == null) {
      throw ApiException.uninitialized();
    }
    return id;
  }

  private String arn(Connection c, String type, String id) throws SQLException, ApiException {
    return "arn:aws:mgn:" + region + ":" + accountId(c) + ":" + type + "/" + id;
  }

  private JsonNode initializeService(Connection c, ObjectNode request) throws SQLException {
    if (setting(c, "accountId") == null) {
      StringBuilder account = new StringBuilder();
      for (int i = 0; i < 12; i++) {
        account.append(RANDOM.nextInt(10));
      }
      setSetting(c, "accountId", account.toString());
    }
    setSetting(c, "initialized", "true");
    return null;
  }

  private JsonNode createReplicationTemplate(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    String id = newId("rct-");
    ObjectNode t = request.deepCopy();
    t.put("replicationConfigurationTemplateID", id);
    t.put("arn", arn(c, REPLICATION_TEMPLATE, id));
    if (!t.has("tags")) {
      t.putObject("tags");
    }
    Resources.insert(c, REPLICATION_TEMPLATE, id, t.toString());
    return t;
  }

  private ObjectNode load(Connection c, String type, String resourceType, String id)
      throws SQLException, ApiException {
    String body =
        Resources.get(c, type, id).orElseThrow(() -> ApiException.notFound(resourceType, id));
    try {
      return (ObjectNode) JSON.readTree(body);
    } catch (java.io.IOException e) {
      throw new SQLException("stored " + type + " " + id + " is not JSON", e);
    }
  }

  private JsonNode updateReplicationTemplate(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    accountId(c);
    String id = request.path("replicationConfigurationTemplateID").asText();
    ObjectNode t = load(c, REPLICATION_TEMPLATE, "ReplicationConfigurationTemplate", id);
    request
        .fields()
        .forEachRemaining(
            f -> {
              if (!f.getKey().equals("arn")) {
                t.set(f.getKey(), f.getValue());
              }
            });
    Resources.update(c, REPLICATION_TEMPLATE, id, t.toString());
    return t;
  }

  private JsonNode deleteReplicationTemplate(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    accountId(c);
    String id = request.path("replicationConfigurationTemplateID").asText();
    if (!Resources.delete(c, REPLICATION_TEMPLATE, id)) {
      throw ApiException.notFound("ReplicationConfigurationTemplate", id);
    }
    return null;
  }

  private JsonNode describeReplicationTemplates(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    accountId(c);
    Set<String> ids = new HashSet<>();
    request.path("replicationConfigurationTemplateIDs").forEach(n -> ids.add(n.asText()));
    List<JsonNode> items = new ArrayList<>();
    for (Resources.Row r : Resources.list(c, REPLICATION_TEMPLATE)) {
      if (ids.isEmpty() || ids.contains(r.id())) {
        try {
          items.add(JSON.readTree(r.body()));
        } catch (java.io.IOException e) {
          throw new SQLException(e);
        }
      }
    }
    return page(items, request);
  }

  private JsonNode describeSourceServers(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    accountId(c);
    // Source servers appear once agents register (agent registration lands with this issue).
    return page(new ArrayList<>(), request);
  }

  /** MGN pagination: {@code maxResults} items and an opaque {@code nextToken}. */
  private static JsonNode page(List<JsonNode> items, ObjectNode request) throws ApiException {
    int max = request.path("maxResults").asInt(1000);
    int start = 0;
    String token = request.path("nextToken").asText("");
    if (!token.isEmpty()) {
      try {
        start =
            Integer.parseInt(
                new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        ApiException v =
            ApiException.validation(
                "fieldValidationFailed", "nextToken: is not a token this service issued");
        throw v;
      }
      if (start < 0 || start > items.size()) {
        throw ApiException.validation("fieldValidationFailed", "nextToken: is out of range");
      }
    }
    ObjectNode out = JSON.createObjectNode();
    ArrayNode arr = out.putArray("items");
    int end = Math.min(items.size(), start + max);
    for (int i = start; i < end; i++) {
      arr.add(items.get(i));
    }
    if (end < items.size()) {
      out.put(
          "nextToken",
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(Integer.toString(end).getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }
}
