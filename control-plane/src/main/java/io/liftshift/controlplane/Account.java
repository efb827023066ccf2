package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
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

  static String setting(StoreTransaction c, String name) throws StoreException {
    return c.setting(name).orElse(null);
  }

  static void setSetting(StoreTransaction c, String name, String value) throws StoreException {
    c.setSetting(name, value);
  }

  /** The account id; the service is uninitialized without one. */
  String accountId(StoreTransaction c) throws StoreException, ApiException {
    String id = setting(c, "accountId");
    if (id == null) {
      throw ApiException.uninitialized();
    }
    return id;
  }

  String region() {
    return region;
  }

  String arn(StoreTransaction c, String type, String id) throws StoreException, ApiException {
    return arnPrefix(c) + type + "/" + id;
  }

  /** What every ARN of this installation starts with. */
  String arnPrefix(StoreTransaction c) throws StoreException, ApiException {
    return "arn:aws:mgn:" + region + ":" + accountId(c) + ":";
  }

  /** Refuses a request for another account (managed accounts) and drops the member. */
  void check(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
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
  void initialize(StoreTransaction c) throws StoreException {
    if (setting(c, "accountId") == null) {
      setSetting(c, "accountId", Ids.newAccountId());
    }
  }

  /** ListManagedAccounts: this installation's own account only. */
  JsonNode listManagedAccounts(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    List<JsonNode> items = new ArrayList<>();
    items.add(Json.MAPPER.createObjectNode().put("accountId", accountId(c)));
    return Paging.page(items, request);
  }
}
