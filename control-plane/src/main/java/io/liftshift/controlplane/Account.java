package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one account this installation serves, its service-wide settings and the ARNs of its
 * resources. liftshift serves its own account only: the management account of no organization.
 */
final class Account {
  private final String region;

  Account(String region) {
    this.region = region;
  }

  static String setting(Connection c, String name) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("SELECT value FROM service WHERE name=?")) {
      p.setString(1, name);
      try (var r = p.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }

  static void setSetting(Connection c, String name, String value) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("INSERT OR REPLACE INTO service(name, value) VALUES (?,?)")) {
      p.setString(1, name);
      p.setString(2, value);
      p.executeUpdate();
    }
  }

  /** The account id; the service is uninitialized without one. */
  String accountId(Connection c) throws SQLException, ApiException {
    String id = setting(c, "accountId");
    if (id == null) {
      throw ApiException.uninitialized();
    }
    return id;
  }

  String region() {
    return region;
  }

  String arn(Connection c, String type, String id) throws SQLException, ApiException {
    return arnPrefix(c) + type + "/" + id;
  }

  /** What every ARN of this installation starts with. */
  String arnPrefix(Connection c) throws SQLException, ApiException {
    return "arn:aws:mgn:" + region + ":" + accountId(c) + ":";
  }

  /** Refuses a request for another account (managed accounts) and drops the member. */
  void check(Connection c, ObjectNode request) throws SQLException, ApiException {
    String own = accountId(c);
    String asked = request.path("accountID").asText(own);
    if (!asked.equals(own)) {
      throw ApiException.validation(
          "fieldValidationFailed",
          "accountID: managed accounts are not supported; omit it or use " + own);
    }
    request.remove("accountID");
  }

  /** Gives the account its id once. */
  void initialize(Connection c) throws SQLException {
    if (setting(c, "accountId") == null) {
      setSetting(c, "accountId", Ids.newAccountId());
    }
  }

  /** ListManagedAccounts: this installation's own account only. */
  JsonNode listManagedAccounts(Connection c, ObjectNode request) throws SQLException, ApiException {
    List<JsonNode> items = new ArrayList<>();
    items.add(Json.MAPPER.createObjectNode().put("accountId", accountId(c)));
    return Paging.page(items, request);
  }
}
