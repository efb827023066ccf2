package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;

/**
 * The replication and launch configuration templates, and InitializeService, which creates the
 * default ones new source servers take their settings from.
 */
final class TemplateService {
  static final String DEFAULT_REPLICATION_TEMPLATE = "defaultReplicationTemplate";
  static final String DEFAULT_LAUNCH_TEMPLATE = "defaultLaunchTemplate";

  private final Account account;
  private final Documents documents;

  TemplateService(Account account, Documents documents) {
    this.account = account;
    this.documents = documents;
  }

  /** As in MGN: initializes the account once and creates the default templates. */
  JsonNode initializeService(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    account.initialize(c);
    if (Account.setting(c, DEFAULT_REPLICATION_TEMPLATE) == null) {
      ObjectNode r = Json.MAPPER.createObjectNode();
      r.put("stagingAreaSubnetId", "");
      r.put("associateDefaultSecurityGroup", true);
      r.putArray("replicationServersSecurityGroupsIDs");
      r.put("replicationServerInstanceType", "t3.small");
      r.put("useDedicatedReplicationServer", false);
      r.put("defaultLargeStagingDiskType", "GP3");
      r.put("ebsEncryption", "DEFAULT");
      r.put("bandwidthThrottling", 0);
      r.put("dataPlaneRouting", "PRIVATE_IP");
      r.put("createPublicIP", false);
      r.putObject("stagingAreaTags");
      r.put("internetProtocol", "IPV4");
      JsonNode t = documents.create(c, Documents.REPLICATION_TEMPLATE, r, false);
      Account.setSetting(
          c, DEFAULT_REPLICATION_TEMPLATE, t.path("replicationConfigurationTemplateID").asText());
    }
    if (Account.setting(c, DEFAULT_LAUNCH_TEMPLATE) == null) {
      ObjectNode l = Json.MAPPER.createObjectNode();
      l.put("launchDisposition", "STARTED");
      l.put("targetInstanceTypeRightSizingMethod", "BASIC");
      l.put("copyPrivateIp", false);
      l.put("copyTags", false);
      l.putObject("licensing").put("osByol", false);
      l.put("bootMode", "USE_SOURCE");
      JsonNode t = documents.create(c, Documents.LAUNCH_TEMPLATE, l, false);
      Account.setSetting(
          c, DEFAULT_LAUNCH_TEMPLATE, t.path("launchConfigurationTemplateID").asText());
    }
    return null;
  }

  JsonNode create(StoreTransaction c, Documents.Kind kind, ObjectNode request)
      throws StoreException, ApiException {
    return documents.create(c, kind, request, false);
  }

  JsonNode describe(StoreTransaction c, Documents.Kind kind, ObjectNode request, String idsMember)
      throws StoreException, ApiException {
    return documents.list(c, kind, request, request.path(idsMember), null);
  }

  JsonNode update(StoreTransaction c, Documents.Kind kind, ObjectNode request)
      throws StoreException, ApiException {
    return documents.update(c, kind, request, false);
  }

  JsonNode delete(StoreTransaction c, Documents.Kind kind, ObjectNode request)
      throws StoreException, ApiException {
    return documents.delete(c, kind, request);
  }
}
