package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.util.Optional;

/**
 * A source server's replication and launch configurations: taken from the default template the
 * first time one is read, then the server's own. Updates merge; the server's id and name stay.
 */
final class ServerConfigurations {
  static final String REPLICATION = "replication-configuration";
  static final String LAUNCH = "launch-configuration";

  private static final String[] REPLICATION_FIELDS = {
    "stagingAreaSubnetId",
    "associateDefaultSecurityGroup",
    "replicationServersSecurityGroupsIDs",
    "replicationServerInstanceType",
    "useDedicatedReplicationServer",
    "defaultLargeStagingDiskType",
    "ebsEncryption",
    "ebsEncryptionKeyArn",
    "bandwidthThrottling",
    "dataPlaneRouting",
    "createPublicIP",
    "stagingAreaTags",
    "internetProtocol"
  };

  private static final String[] LAUNCH_FIELDS = {
    "launchDisposition",
    "targetInstanceTypeRightSizingMethod",
    "copyPrivateIp",
    "copyTags",
    "licensing",
    "bootMode",
    "postLaunchActions"
  };

  private final SourceServerService servers;

  ServerConfigurations(SourceServerService servers) {
    this.servers = servers;
  }

  JsonNode getReplication(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    return configuration(c, request, true, false);
  }

  JsonNode updateReplication(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    return configuration(c, request, true, true);
  }

  JsonNode getLaunch(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    return configuration(c, request, false, false);
  }

  JsonNode updateLaunch(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
    return configuration(c, request, false, true);
  }

  /** The server's launch configuration as GetLaunchConfiguration shows it, for a launch. */
  JsonNode launchConfiguration(StoreTransaction c, String serverId)
      throws StoreException, ApiException {
    return getLaunch(c, Json.MAPPER.createObjectNode().put("sourceServerID", serverId));
  }

  private JsonNode configuration(
      StoreTransaction c, ObjectNode request, boolean replication, boolean update)
      throws StoreException, ApiException {
    ObjectNode server = servers.server(c, request);
    String id = server.path("sourceServerID").asText();
    String type = replication ? REPLICATION : LAUNCH;
    ObjectNode config;
    Optional<String> stored = c.body(type, id);
    if (stored.isPresent()) {
      config = Json.parse(stored.get());
    } else {
      config = fromTemplate(c, server, replication);
      c.insert(type, id, config.toString());
    }
    if (update) {
      if (server.path("isArchived").asBoolean()) {
        throw SourceServerService.conflict(server, "source server " + id + " is archived");
      }
      request.remove("sourceServerID");
      request.fields().forEachRemaining(f -> config.set(f.getKey(), f.getValue()));
      c.update(type, id, config.toString());
    }
    if (replication) {
      ObjectNode shown = config.deepCopy();
      shown.set(PitPolicies.PIT_POLICY, PitPolicies.of(config));
      return shown;
    }
    return config;
  }

  private static ObjectNode fromTemplate(StoreTransaction c, ObjectNode server, boolean replication)
      throws StoreException, ApiException {
    String id = server.path("sourceServerID").asText();
    String templateId =
        Account.setting(
            c,
            replication
                ? TemplateService.DEFAULT_REPLICATION_TEMPLATE
                : TemplateService.DEFAULT_LAUNCH_TEMPLATE);
    Documents.Kind kind = replication ? Documents.REPLICATION_TEMPLATE : Documents.LAUNCH_TEMPLATE;
    ObjectNode template =
        templateId == null
            ? Json.MAPPER.createObjectNode()
            : Documents.load(c, kind.type(), kind.apiName(), templateId);
    ObjectNode config = Json.MAPPER.createObjectNode();
    config.put("sourceServerID", id);
    config.put(
        "name",
        server.path("sourceProperties").path("identificationHints").path("hostname").asText(id));
    for (String f : replication ? REPLICATION_FIELDS : LAUNCH_FIELDS) {
      if (template.has(f)) {
        config.set(f, template.get(f));
      }
    }
    if (replication) {
      ArrayNode disks = config.putArray("replicatedDisks");
      for (JsonNode d : server.path("sourceProperties").path("disks")) {
        disks
            .addObject()
            .put("deviceName", d.path("deviceName").asText())
            .put("isBootDisk", disks.size() == 0)
            .put("stagingDiskType", "AUTO");
      }
    }
    return config;
  }
}
