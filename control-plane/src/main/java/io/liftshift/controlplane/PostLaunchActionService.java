package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Post-launch actions, kept per source server or per launch configuration template (Put, List and
 * Remove of SourceServerAction and TemplateAction). Running them is the launch's first boot ({@link
 * PostLaunchActions}).
 */
final class PostLaunchActionService {
  static final String ON_SERVER = "source-server-actions";
  static final String ON_TEMPLATE = "template-actions";

  private final Account account;
  private final Documents documents;
  private final SourceServerService servers;

  /** Where post-launch action scripts must be ({@link PostLaunchActions}). */
  private final Path postLaunchScriptsDir;

  PostLaunchActionService(
      Account account,
      Documents documents,
      SourceServerService servers,
      Path postLaunchScriptsDir) {
    this.account = account;
    this.documents = documents;
    this.servers = servers;
    this.postLaunchScriptsDir = postLaunchScriptsDir;
  }

  Path postLaunchScriptsDir() {
    return postLaunchScriptsDir;
  }

  JsonNode put(StoreTransaction c, ObjectNode request, boolean onServer)
      throws StoreException, ApiException {
    String owner = owner(c, request, onServer);
    String type = onServer ? ON_SERVER : ON_TEMPLATE;
    ObjectNode all = c.body(type, owner).map(Json::parse).orElse(Json.MAPPER.createObjectNode());
    String refused =
        PostLaunchActions.refusal(
            request.path("documentIdentifier").asText(), postLaunchScriptsDir);
    if (refused != null) {
      throw ApiException.validation("fieldValidationFailed", refused);
    }
    ObjectNode action = request.deepCopy();
    action.remove(List.of("sourceServerID", "launchConfigurationTemplateID", "accountID"));
    action.put("active", request.path("active").asBoolean(true));
    action.put("timeoutSeconds", request.path("timeoutSeconds").asInt(600));
    action.put("mustSucceedForCutover", request.path("mustSucceedForCutover").asBoolean(true));
    int order = request.path("order").asInt();
    for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals(action.path("actionID").asText())
          && e.getValue().path("order").asInt() == order) {
        throw ApiException.validation(
            "fieldValidationFailed",
            "order: " + order + " is already used by action " + e.getKey());
      }
    }
    boolean exists = c.body(type, owner).isPresent();
    all.set(action.path("actionID").asText(), action);
    if (exists) {
      c.update(type, owner, all.toString());
    } else {
      c.insert(type, owner, all.toString());
    }
    return action;
  }

  /**
   * A new source server gets the default launch template's post-launch actions, as in MGN; later
   * changes to the template's actions do not reach it.
   */
  static void copyTemplateActions(StoreTransaction c, String serverId) throws StoreException {
    String templateId = Account.setting(c, TemplateService.DEFAULT_LAUNCH_TEMPLATE);
    if (templateId == null) {
      return;
    }
    Optional<String> actions = c.body(ON_TEMPLATE, templateId);
    if (actions.isPresent() && c.body(ON_SERVER, serverId).isEmpty()) {
      c.insert(ON_SERVER, serverId, actions.get());
    }
  }

  private String owner(StoreTransaction c, ObjectNode request, boolean onServer)
      throws StoreException, ApiException {
    if (onServer) {
      return servers.server(c, request).path("sourceServerID").asText();
    }
    account.check(c, request);
    String id = request.path("launchConfigurationTemplateID").asText();
    documents.load(c, Documents.LAUNCH_TEMPLATE, id);
    return id;
  }

  JsonNode list(StoreTransaction c, ObjectNode request, boolean onServer)
      throws StoreException, ApiException {
    String owner = owner(c, request, onServer);
    String type = onServer ? ON_SERVER : ON_TEMPLATE;
    Set<String> ids = new HashSet<>();
    request.path("filters").path("actionIDs").forEach(n -> ids.add(n.asText()));
    List<JsonNode> items = new ArrayList<>();
    c.body(type, owner)
        .map(Json::parse)
        .ifPresent(
            all ->
                all.forEach(
                    a -> {
                      if (ids.isEmpty() || ids.contains(a.path("actionID").asText())) {
                        items.add(a);
                      }
                    }));
    items.sort(Comparator.comparingInt(a -> a.path("order").asInt()));
    return Paging.page(items, request);
  }

  JsonNode remove(StoreTransaction c, ObjectNode request, boolean onServer)
      throws StoreException, ApiException {
    String owner = owner(c, request, onServer);
    String type = onServer ? ON_SERVER : ON_TEMPLATE;
    String id = request.path("actionID").asText();
    ObjectNode all = c.body(type, owner).map(Json::parse).orElse(Json.MAPPER.createObjectNode());
    if (all.remove(id) == null) {
      throw ApiException.notFound("Action", id);
    }
    c.update(type, owner, all.toString());
    return null;
  }
}
