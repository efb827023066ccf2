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
import java.util.Iterator;
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

  /** A kind of resource: its storage type, id format and names in the API. */
  private record Kind(String type, String prefix, String idField, String apiName) {}

  private static final Kind REPLICATION_TEMPLATE_KIND =
      new Kind(
          REPLICATION_TEMPLATE,
          "rct-",
          "replicationConfigurationTemplateID",
          "ReplicationConfigurationTemplate");
  private static final Kind LAUNCH_TEMPLATE =
      new Kind(
          "launch-configuration-template",
          "lct-",
          "launchConfigurationTemplateID",
          "LaunchConfigurationTemplate");
  private static final Kind APPLICATION =
      new Kind("application", "app-", "applicationID", "Application");
  private static final Kind WAVE = new Kind("wave", "wave-", "waveID", "Wave");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Database db;
  private final String region;
  private final long agentNotSeenMillis;
  private final Map<String, Handler> handlers;

  /** Where post-launch action scripts must be ({@link PostLaunchActions}). */
  private final java.nio.file.Path postLaunchScriptsDir;

  Operations(
      Database db,
      String region,
      long agentNotSeenMillis,
      java.nio.file.Path postLaunchScriptsDir) {
    this.db = db;
    this.postLaunchScriptsDir = postLaunchScriptsDir;
    this.region = region;
    this.agentNotSeenMillis = agentNotSeenMillis;
    this.handlers =
        Map.ofEntries(
            Map.entry("InitializeService", this::initializeService),
            Map.entry(
                "CreateReplicationConfigurationTemplate",
                (c, r) -> create(c, REPLICATION_TEMPLATE_KIND, r, false)),
            Map.entry(
                "DescribeReplicationConfigurationTemplates",
                (c, r) ->
                    list(
                        c,
                        REPLICATION_TEMPLATE_KIND,
                        r,
                        r.path("replicationConfigurationTemplateIDs"),
                        null)),
            Map.entry(
                "UpdateReplicationConfigurationTemplate",
                (c, r) -> update(c, REPLICATION_TEMPLATE_KIND, r, false)),
            Map.entry(
                "DeleteReplicationConfigurationTemplate",
                (c, r) -> delete(c, REPLICATION_TEMPLATE_KIND, r)),
            Map.entry("DescribeSourceServers", this::describeSourceServers),
            Map.entry(
                "CreateLaunchConfigurationTemplate",
                (c, r) -> create(c, LAUNCH_TEMPLATE, r, false)),
            Map.entry(
                "DescribeLaunchConfigurationTemplates",
                (c, r) ->
                    list(c, LAUNCH_TEMPLATE, r, r.path("launchConfigurationTemplateIDs"), null)),
            Map.entry(
                "UpdateLaunchConfigurationTemplate",
                (c, r) -> update(c, LAUNCH_TEMPLATE, r, false)),
            Map.entry("DeleteLaunchConfigurationTemplate", (c, r) -> delete(c, LAUNCH_TEMPLATE, r)),
            Map.entry("CreateApplication", (c, r) -> create(c, APPLICATION, r, true)),
            Map.entry(
                "ListApplications",
                (c, r) ->
                    list(
                        c,
                        APPLICATION,
                        r,
                        r.path("filters").path("applicationIDs"),
                        r.path("filters"))),
            Map.entry("UpdateApplication", (c, r) -> update(c, APPLICATION, r, true)),
            Map.entry("DeleteApplication", (c, r) -> delete(c, APPLICATION, r)),
            Map.entry("ArchiveApplication", (c, r) -> archive(c, APPLICATION, r, true)),
            Map.entry("UnarchiveApplication", (c, r) -> archive(c, APPLICATION, r, false)),
            Map.entry("CreateWave", (c, r) -> create(c, WAVE, r, true)),
            Map.entry(
                "ListWaves",
                (c, r) -> list(c, WAVE, r, r.path("filters").path("waveIDs"), r.path("filters"))),
            Map.entry("UpdateWave", (c, r) -> update(c, WAVE, r, true)),
            Map.entry("DeleteWave", (c, r) -> delete(c, WAVE, r)),
            Map.entry("ArchiveWave", (c, r) -> archive(c, WAVE, r, true)),
            Map.entry("UnarchiveWave", (c, r) -> archive(c, WAVE, r, false)),
            Map.entry("GetReplicationConfiguration", (c, r) -> serverConfig(c, r, true, false)),
            Map.entry("UpdateReplicationConfiguration", (c, r) -> serverConfig(c, r, true, true)),
            Map.entry("GetLaunchConfiguration", (c, r) -> serverConfig(c, r, false, false)),
            Map.entry("UpdateLaunchConfiguration", (c, r) -> serverConfig(c, r, false, true)),
            Map.entry("ChangeServerLifeCycleState", this::changeLifeCycleState),
            Map.entry("MarkAsArchived", this::markAsArchived),
            Map.entry("UpdateSourceServerReplicationType", this::updateReplicationType),
            Map.entry("DisconnectFromService", this::disconnectFromService),
            Map.entry("StartTest", (c, r) -> startLaunch(c, r, "START_TEST")),
            Map.entry("StartCutover", (c, r) -> startLaunch(c, r, "START_CUTOVER")),
            Map.entry("TerminateTargetInstances", this::terminateTargetInstances),
            Map.entry("FinalizeCutover", this::finalizeCutover),
            Map.entry("DescribeJobs", this::describeJobs),
            Map.entry("DescribeJobLogItems", this::describeJobLogItems),
            Map.entry("PauseReplication", (c, r) -> replicationControl(c, r, "PAUSE")),
            Map.entry("ResumeReplication", (c, r) -> replicationControl(c, r, "RESUME")),
            Map.entry("StopReplication", (c, r) -> replicationControl(c, r, "STOP")),
            Map.entry("StartReplication", (c, r) -> replicationControl(c, r, "START")),
            Map.entry("RetryDataReplication", (c, r) -> replicationControl(c, r, "RETRY")),
            Map.entry("AssociateApplications", (c, r) -> associateApplications(c, r, true)),
            Map.entry("DisassociateApplications", (c, r) -> associateApplications(c, r, false)),
            Map.entry("AssociateSourceServers", (c, r) -> associateServers(c, r, true)),
            Map.entry("DisassociateSourceServers", (c, r) -> associateServers(c, r, false)),
            Map.entry("DeleteJob", this::deleteJob),
            Map.entry("DeleteSourceServer", this::deleteSourceServer),
            Map.entry("ListManagedAccounts", this::listManagedAccounts),
            Map.entry("DescribeVcenterClients", (c, r) -> page(new ArrayList<>(), r)),
            Map.entry("PutSourceServerAction", (c, r) -> putAction(c, r, true)),
            Map.entry("ListSourceServerActions", (c, r) -> listActions(c, r, true)),
            Map.entry("RemoveSourceServerAction", (c, r) -> removeAction(c, r, true)),
            Map.entry("PutTemplateAction", (c, r) -> putAction(c, r, false)),
            Map.entry("ListTemplateActions", (c, r) -> listActions(c, r, false)),
            Map.entry("RemoveTemplateAction", (c, r) -> removeAction(c, r, false)),
            Map.entry("TagResource", (c, r) -> tags(c, r, "tag")),
            Map.entry("UntagResource", (c, r) -> tags(c, r, "untag")),
            Map.entry("ListTagsForResource", (c, r) -> tags(c, r, "list")));
  }

  /**
   * The point-in-time policy member (DRS's {@code pitPolicy}: a list of PITPolicyRule) that
   * liftshift adds to a source server's replication configuration; MGN's shape has no place for it.
   */
  static final String PIT_POLICY = "pitPolicy";

  static final Set<String> PIT_POLICY_OPERATIONS = Set.of("UpdateReplicationConfiguration");

  static void checkPitPolicy(JsonNode pitPolicy) throws ApiException {
    try {
      if (!pitPolicy.isArray()) {
        throw new IllegalArgumentException("pitPolicy must be a list of PITPolicyRule");
      }
      io.liftshift.cloud.PointInTimePolicy.fromRules(JSON.convertValue(pitPolicy, List.class));
    } catch (IllegalArgumentException e) {
      throw ApiException.validation("other", e.getMessage());
    }
  }

  /** The server's PIT policy: its own, or AWS's default. */
  static JsonNode pitPolicy(JsonNode replicationConfiguration) {
    JsonNode own = replicationConfiguration.path(PIT_POLICY);
    return own.isArray()
        ? own
        : JSON.valueToTree(io.liftshift.cloud.PointInTimePolicy.defaults().toRules());
  }

  boolean serves(String operation) {
    return handlers.containsKey(operation);
  }

  /**
   * Why liftshift will not honour an operation of the MGN API, or empty. These are MGN features
   * that depend on AWS-only machinery (agentless vCenter discovery, connectors, Organizations, the
   * import/export and network-migration services), not work left to do.
   */
  static java.util.Optional<String> unsupported(String operation) {
    if (operation.contains("NetworkMigration")) {
      return java.util.Optional.of(
          "network migration (MGN's VPC and network mapping service) is not part of liftshift");
    }
    if (operation.contains("Connector") || operation.equals("UpdateSourceServer")) {
      return java.util.Optional.of(
          "connectors (MGN's remote execution of agent installs through SSM) are not supported;"
              + " install the agent with 'liftshift agent install'");
    }
    if (operation.equals("DeleteVcenterClient")) {
      return java.util.Optional.of(
          "agentless vCenter replication is not supported; liftshift replicates with its agent"
              + " (replication type AGENT_BASED)");
    }
    if (operation.contains("Import") || operation.contains("Export")) {
      return java.util.Optional.of(
          "bulk import and export through S3 files are not supported; use the API or the CDK app");
    }
    return java.util.Optional.empty();
  }

  JsonNode run(String operation, ObjectNode request) throws SQLException, ApiException {
    Handler h = handlers.get(operation);
    JsonNode answer;
    try {
      answer =
          db.transaction(
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
    // A launch job runs once the transaction that created it has committed.
    LaunchRunner runner = launches;
    if (runner != null
        && (operation.equals("StartTest")
            || operation.equals("StartCutover")
            || operation.equals("TerminateTargetInstances"))
        && answer.path("job").has("jobID")) {
      runner.submit(answer.path("job").path("jobID").asText());
    }
    return answer;
  }

  /** Launch jobs run through this from now on; without it they stay PENDING. */
  void launches(LaunchRunner runner) {
    this.launches = runner;
  }

  private volatile LaunchRunner launches;

  /** Carries an API error out of a transaction, which it rolls back. */
  static final class WrappedApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient ApiException api;

    WrappedApiException(ApiException api) {
      super(api.getMessage(), null, false, false);
      this.api = api;
    }
  }

  static String newId(String prefix) {
    if (prefix.equals("s-")) {
      StringBuilder b = new StringBuilder(prefix);
      for (int i = 0; i < 17; i++) {
        b.append("0123456789abcdef".charAt(RANDOM.nextInt(16)));
      }
      return b.toString();
    }
    StringBuilder b = new StringBuilder(prefix);
    for (int i = 0; i < 17; i++) {
      b.append(ID_CHARS.charAt(RANDOM.nextInt(ID_CHARS.length())));
    }
    return b.toString();
  }

  static String setting(Connection c, String name) throws SQLException {
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

  /**
   * As in MGN: initializes the account once and creates the default replication and launch
   * configuration templates that new source servers take their settings from.
   */
  private JsonNode initializeService(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    if (setting(c, "accountId") == null) {
      StringBuilder account = new StringBuilder();
      for (int i = 0; i < 12; i++) {
        account.append(RANDOM.nextInt(10));
      }
      setSetting(c, "accountId", account.toString());
    }
    if (setting(c, "defaultReplicationTemplate") == null) {
      ObjectNode r = JSON.createObjectNode();
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
      JsonNode t = create(c, REPLICATION_TEMPLATE_KIND, r, false);
      setSetting(
          c, "defaultReplicationTemplate", t.path("replicationConfigurationTemplateID").asText());
    }
    if (setting(c, "defaultLaunchTemplate") == null) {
      ObjectNode l = JSON.createObjectNode();
      l.put("launchDisposition", "STARTED");
      l.put("targetInstanceTypeRightSizingMethod", "BASIC");
      l.put("copyPrivateIp", false);
      l.put("copyTags", false);
      l.putObject("licensing").put("osByol", false);
      l.put("bootMode", "USE_SOURCE");
      JsonNode t = create(c, LAUNCH_TEMPLATE, l, false);
      setSetting(c, "defaultLaunchTemplate", t.path("launchConfigurationTemplateID").asText());
    }
    return null;
  }

  static String now() {
    return java.time.format.DateTimeFormatter.ISO_INSTANT.format(
        java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
  }

  private void checkAccount(Connection c, ObjectNode request) throws SQLException, ApiException {
    String own = accountId(c);
    String asked = request.path("accountID").asText(own);
    if (!asked.equals(own)) {
      throw ApiException.validation(
          "fieldValidationFailed",
          "accountID: managed accounts are not supported; omit it or use " + own);
    }
    request.remove("accountID");
  }

  private JsonNode create(Connection c, Kind kind, ObjectNode request, boolean dated)
      throws SQLException, ApiException {
    checkAccount(c, request);
    String id = newId(kind.prefix());
    ObjectNode t = request.deepCopy();
    t.put(kind.idField(), id);
    t.put("arn", arn(c, kind.type(), id));
    if (!t.has("tags")) {
      t.putObject("tags");
    }
    if (dated) {
      t.put("isArchived", false);
      t.put("creationDateTime", now());
      t.put("lastModifiedDateTime", now());
    }
    Resources.insert(c, kind.type(), id, t.toString());
    return t;
  }

  private JsonNode update(Connection c, Kind kind, ObjectNode request, boolean dated)
      throws SQLException, ApiException {
    checkAccount(c, request);
    String id = request.path(kind.idField()).asText();
    ObjectNode t = load(c, kind.type(), kind.apiName(), id);
    request
        .fields()
        .forEachRemaining(
            f -> {
              if (!f.getKey().equals("arn")) {
                t.set(f.getKey(), f.getValue());
              }
            });
    if (dated) {
      t.put("lastModifiedDateTime", now());
    }
    Resources.update(c, kind.type(), id, t.toString());
    return t;
  }

  private JsonNode archive(Connection c, Kind kind, ObjectNode request, boolean archived)
      throws SQLException, ApiException {
    checkAccount(c, request);
    String id = request.path(kind.idField()).asText();
    ObjectNode t = load(c, kind.type(), kind.apiName(), id);
    t.put("isArchived", archived);
    t.put("lastModifiedDateTime", now());
    Resources.update(c, kind.type(), id, t.toString());
    return t;
  }

  private JsonNode delete(Connection c, Kind kind, ObjectNode request)
      throws SQLException, ApiException {
    checkAccount(c, request);
    String id = request.path(kind.idField()).asText();
    if (!Resources.delete(c, kind.type(), id)) {
      throw ApiException.notFound(kind.apiName(), id);
    }
    return null;
  }

  private JsonNode list(
      Connection c, Kind kind, ObjectNode request, JsonNode idFilter, JsonNode filters)
      throws SQLException, ApiException {
    checkAccount(c, request);
    Set<String> ids = new HashSet<>();
    idFilter.forEach(n -> ids.add(n.asText()));
    JsonNode archived = filters == null ? null : filters.get("isArchived");
    Set<String> waves = new HashSet<>();
    if (filters != null && kind == APPLICATION) {
      filters.path("waveIDs").forEach(n -> waves.add(n.asText()));
    }
    List<JsonNode> items = new ArrayList<>();
    for (Resources.Row r : Resources.list(c, kind.type())) {
      JsonNode item;
      try {
        item = JSON.readTree(r.body());
      } catch (java.io.IOException e) {
        throw new SQLException(e);
      }
      if ((ids.isEmpty() || ids.contains(r.id()))
          && (archived == null || archived.asBoolean() == item.path("isArchived").asBoolean())
          && (waves.isEmpty() || waves.contains(item.path("waveID").asText()))) {
        items.add(item);
      }
    }
    return page(items, request);
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

  private JsonNode describeSourceServers(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    accountId(c);
    JsonNode f = request.path("filters");
    Set<String> ids = new HashSet<>();
    f.path("sourceServerIDs").forEach(n -> ids.add(n.asText()));
    Set<String> states = new HashSet<>();
    f.path("lifeCycleStates").forEach(n -> states.add(n.asText()));
    Set<String> types = new HashSet<>();
    f.path("replicationTypes").forEach(n -> types.add(n.asText()));
    Set<String> apps = new HashSet<>();
    f.path("applicationIDs").forEach(n -> apps.add(n.asText()));
    JsonNode archived = f.get("isArchived");
    java.time.Instant now = java.time.Instant.now();
    List<JsonNode> items = new ArrayList<>();
    for (Resources.Row r : Resources.list(c, AgentApi.SOURCE_SERVER)) {
      ObjectNode s = AgentApi.view(AgentApi.parse(r.body()), agentNotSeenMillis, now);
      if ((ids.isEmpty() || ids.contains(r.id()))
          && (states.isEmpty() || states.contains(s.path("lifeCycle").path("state").asText()))
          && (types.isEmpty() || types.contains(s.path("replicationType").asText()))
          && (apps.isEmpty() || apps.contains(s.path("applicationID").asText()))
          && (archived == null || archived.asBoolean() == s.path("isArchived").asBoolean())) {
        items.add(s);
      }
    }
    return page(items, request);
  }

  private ObjectNode server(Connection c, ObjectNode request) throws SQLException, ApiException {
    checkAccount(c, request);
    String id = request.path("sourceServerID").asText();
    return load(c, AgentApi.SOURCE_SERVER, "SourceServer", id);
  }

  private void save(Connection c, ObjectNode server) throws SQLException {
    Resources.update(
        c, AgentApi.SOURCE_SERVER, server.path("sourceServerID").asText(), server.toString());
  }

  private JsonNode viewOf(ObjectNode stored) {
    return AgentApi.view(stored, agentNotSeenMillis, java.time.Instant.now());
  }

  private static ApiException conflict(ObjectNode server, String message) {
    ApiException e = new ApiException("ConflictException", 409, message);
    e.extra()
        .put("resourceId", server.path("sourceServerID").asText())
        .put("resourceType", "SOURCE_SERVER");
    return e;
  }

  java.nio.file.Path postLaunchScriptsDir() {
    return postLaunchScriptsDir;
  }

  /** The server's launch configuration as GetLaunchConfiguration shows it, for a launch. */
  JsonNode launchConfiguration(Connection c, String serverId) throws SQLException, ApiException {
    return serverConfig(c, JSON.createObjectNode().put("sourceServerID", serverId), false, false);
  }

  /**
   * A source server's replication or launch configuration: taken from the default template the
   * first time it is read, then its own. Updates merge; the server's id and name stay.
   */
  private JsonNode serverConfig(
      Connection c, ObjectNode request, boolean replication, boolean update)
      throws SQLException, ApiException {
    ObjectNode server = server(c, request);
    String id = server.path("sourceServerID").asText();
    String type = replication ? "replication-configuration" : "launch-configuration";
    ObjectNode config;
    java.util.Optional<String> stored = Resources.get(c, type, id);
    if (stored.isPresent()) {
      config = AgentApi.parse(stored.get());
    } else {
      String templateId =
          setting(c, replication ? "defaultReplicationTemplate" : "defaultLaunchTemplate");
      ObjectNode template =
          templateId == null
              ? JSON.createObjectNode()
              : load(
                  c,
                  replication ? REPLICATION_TEMPLATE : LAUNCH_TEMPLATE.type(),
                  replication ? "ReplicationConfigurationTemplate" : "LaunchConfigurationTemplate",
                  templateId);
      config = JSON.createObjectNode();
      config.put("sourceServerID", id);
      config.put(
          "name",
          server.path("sourceProperties").path("identificationHints").path("hostname").asText(id));
      String[] fields =
          replication
              ? new String[] {
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
              }
              : new String[] {
                "launchDisposition",
                "targetInstanceTypeRightSizingMethod",
                "copyPrivateIp",
                "copyTags",
                "licensing",
                "bootMode",
                "postLaunchActions"
              };
      for (String f : fields) {
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
      Resources.insert(c, type, id, config.toString());
    }
    if (update) {
      if (server.path("isArchived").asBoolean()) {
        throw conflict(server, "source server " + id + " is archived");
      }
      request.remove("sourceServerID");
      request.fields().forEachRemaining(f -> config.set(f.getKey(), f.getValue()));
      Resources.update(c, type, id, config.toString());
    }
    if (replication) {
      ObjectNode shown = config.deepCopy();
      shown.set(PIT_POLICY, pitPolicy(config));
      return shown;
    }
    return config;
  }

  /** Initial sync complete: every disk fully replicated. */
  static boolean launchable(ObjectNode server) {
    JsonNode disks = server.path("dataReplicationInfo").path("replicatedDisks");
    if (!disks.isArray() || disks.isEmpty()) {
      return false;
    }
    for (JsonNode d : disks) {
      if (d.path("totalStorageBytes").asLong(0) == 0
          || d.path("replicatedStorageBytes").asLong(0) < d.path("totalStorageBytes").asLong(0)) {
        return false;
      }
    }
    return true;
  }

  private static final Map<String, Set<String>> MANUAL_TRANSITIONS =
      Map.of(
          "READY_FOR_TEST", Set.of("NOT_READY", "READY_FOR_TEST", "TESTING", "READY_FOR_CUTOVER"),
          "READY_FOR_CUTOVER", Set.of("READY_FOR_TEST", "TESTING", "READY_FOR_CUTOVER"),
          "CUTOVER", Set.of("READY_FOR_CUTOVER", "CUTTING_OVER", "CUTOVER"));

  private JsonNode changeLifeCycleState(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    ObjectNode server = server(c, request);
    String id = server.path("sourceServerID").asText();
    String target = request.path("lifeCycle").path("state").asText();
    String current = server.path("lifeCycle").path("state").asText();
    if (server.path("isArchived").asBoolean()) {
      throw conflict(server, "source server " + id + " is archived");
    }
    if (!launchable(server)) {
      throw conflict(
          server,
          "source server "
              + id
              + " is "
              + current
              + " and not launchable yet: its initial sync has not completed");
    }
    if (!MANUAL_TRANSITIONS.getOrDefault(target, Set.of()).contains(current)) {
      throw conflict(
          server, "source server " + id + " is " + current + "; it cannot be set to " + target);
    }
    ObjectNode priv = (ObjectNode) server.path("_private");
    if (target.equals("READY_FOR_CUTOVER")) {
      String refused = cutoverRefusal(c, server);
      if (refused != null) {
        throw conflict(
            server, "source server " + id + " cannot be made ready for cutover: " + refused);
      }
      if (!server.path("lifeCycle").has("lastTest") && !priv.has(TEST_SKIPPED)) {
        // MGN lets a server skip its test this way; the cutover job will say that it did.
        priv.putObject(TEST_SKIPPED)
            .put(
                "reason",
                "marked READY_FOR_CUTOVER through ChangeServerLifeCycleState without a test"
                    + " launch")
            .put("dateTime", now());
      }
    }
    ((ObjectNode) server.path("lifeCycle")).put("state", target);
    save(c, server);
    return viewOf(server);
  }

  private JsonNode markAsArchived(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    ObjectNode server = server(c, request);
    String state = server.path("lifeCycle").path("state").asText();
    if (!state.equals("DISCONNECTED") && !state.equals("CUTOVER")) {
      throw conflict(
          server,
          "source server "
              + server.path("sourceServerID").asText()
              + " is "
              + state
              + "; only DISCONNECTED or CUTOVER servers can be archived");
    }
    server.put("isArchived", true);
    save(c, server);
    return viewOf(server);
  }

  /**
   * Served for AGENT_BASED, the only replication type liftshift has; SNAPSHOT_SHIPPING (agentless,
   * from vCenter) is refused with the reason.
   */
  private JsonNode updateReplicationType(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    ObjectNode server = server(c, request);
    String type = request.path("replicationType").asText();
    if (!type.equals("AGENT_BASED")) {
      throw ApiException.validation(
          "other",
          "replicationType: "
              + type
              + " (agentless vCenter replication) is not supported; liftshift replicates with"
              + " its agent (AGENT_BASED)");
    }
    server.put("replicationType", type);
    save(c, server);
    return viewOf(server);
  }

  private JsonNode disconnectFromService(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    ObjectNode server = server(c, request);
    if (server.path("isArchived").asBoolean()) {
      throw conflict(
          server, "source server " + server.path("sourceServerID").asText() + " is archived");
    }
    ((ObjectNode) server.path("lifeCycle")).put("state", "DISCONNECTED");
    ObjectNode dri = (ObjectNode) server.path("dataReplicationInfo");
    stopReplication(server);
    save(c, server);
    return viewOf(server);
  }

  /** What MGN does to a server it stops replicating (disconnect, finalized cutover). */
  private static void stopReplication(ObjectNode server) {
    ObjectNode dri = (ObjectNode) server.path("dataReplicationInfo");
    dri.put("dataReplicationState", "DISCONNECTED");
    dri.remove("lagDuration");
    dri.remove("etaDateTime");
    dri.remove("dataReplicationError");
    for (JsonNode d : dri.path("replicatedDisks")) {
      ((ObjectNode) d).put("totalStorageBytes", 0);
    }
    ((ObjectNode) server.path("_private")).put("replicationStopped", true);
  }

  static final String JOB = "job";
  static final String JOB_LOG = "job-log";

  /** Appends one event (MGN's JobLogEvent) to a job's log. */
  static void appendJobLog(Connection c, String jobId, String event, Map<String, String> data)
      throws SQLException {
    java.util.Optional<String> text = Resources.get(c, JOB_LOG, jobId);
    if (text.isEmpty()) {
      return;
    }
    ArrayNode items;
    try {
      items = (ArrayNode) JSON.readTree(text.get());
    } catch (java.io.IOException e) {
      throw new SQLException("job log of " + jobId + " is not JSON", e);
    }
    ObjectNode item = items.addObject().put("logDateTime", now()).put("event", event);
    ObjectNode d = item.putObject("eventData");
    data.forEach(d::put);
    Resources.update(c, JOB_LOG, jobId, items.toString());
  }

  private static final Map<String, Set<String>> LAUNCHABLE_FROM =
      Map.of(
          "START_TEST", Set.of("READY_FOR_TEST", "TESTING", "READY_FOR_CUTOVER"),
          "START_CUTOVER", Set.of("READY_FOR_CUTOVER", "CUTTING_OVER"));

  private ObjectNode newJob(
      Connection c, String type, String initiatedBy, ObjectNode request, List<String> servers)
      throws SQLException, ApiException {
    String jobId = newId("mgnjob-");
    ObjectNode job = JSON.createObjectNode();
    job.put("jobID", jobId);
    job.put("arn", arn(c, "job", jobId));
    job.put("type", type);
    job.put("initiatedBy", initiatedBy);
    job.put("creationDateTime", now());
    // The launch itself belongs to the launch backend (conversion and boot); until one takes
    // the job, it stays PENDING and never claims that anything was launched.
    job.put("status", "PENDING");
    ArrayNode ps = job.putArray("participatingServers");
    for (String id : servers) {
      ps.addObject().put("sourceServerID", id).put("launchStatus", "PENDING");
    }
    job.set("tags", request.has("tags") ? request.get("tags") : JSON.createObjectNode());
    Resources.insert(c, JOB, jobId, job.toString());
    ArrayNode log = JSON.createArrayNode();
    log.addObject().put("logDateTime", now()).put("event", "JOB_START").putObject("eventData");
    Resources.insert(c, JOB_LOG, jobId, log.toString());
    return job;
  }

  private JsonNode startLaunch(Connection c, ObjectNode request, String initiatedBy)
      throws SQLException, ApiException {
    checkAccount(c, request);
    boolean test = initiatedBy.equals("START_TEST");
    JsonNode tags = request.path("tags");
    String skipReason = test ? "" : tags.path(JobTags.SKIP_TEST_REASON).asText("").strip();
    boolean promote =
        !test && tags.path(JobTags.PROMOTE_TEST_INSTANCE).asText("").equalsIgnoreCase("true");
    if (promote && !skipReason.isEmpty()) {
      throw ApiException.validation(
          "other",
          "tags: a cutover either promotes the test instance ("
              + JobTags.PROMOTE_TEST_INSTANCE
              + ") or skips the test ("
              + JobTags.SKIP_TEST_REASON
              + "), not both");
    }
    Set<String> allowed = new HashSet<>(LAUNCHABLE_FROM.get(initiatedBy));
    if (!skipReason.isEmpty()) {
      allowed.add("READY_FOR_TEST");
    }
    if (promote) {
      allowed.add("TESTING");
    }
    List<ObjectNode> servers = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (JsonNode n : request.path("sourceServerIDs")) {
      ObjectNode server = load(c, AgentApi.SOURCE_SERVER, "SourceServer", n.asText());
      String state = server.path("lifeCycle").path("state").asText();
      if (server.path("isArchived").asBoolean()
          || !launchable(server)
          || !allowed.contains(state)) {
        throw conflict(
            server,
            "source server "
                + n.asText()
                + " is "
                + state
                + (launchable(server) ? "" : " and its initial sync has not completed")
                + "; "
                + (test ? "a test" : "a cutover")
                + " launch needs "
                + LAUNCHABLE_FROM.get(initiatedBy)
                + (!test && state.equals("READY_FOR_TEST")
                    ? " (to cut over without a test, give the reason as the job tag "
                        + JobTags.SKIP_TEST_REASON
                        + ")"
                    : ""));
      }
      ObjectNode priv = (ObjectNode) server.path("_private");
      String refused = test ? null : cutoverRefusal(c, server);
      if (refused != null) {
        throw conflict(server, "source server " + n.asText() + " cannot be cut over: " + refused);
      }
      if (promote && !priv.has("testLaunch")) {
        throw conflict(
            server,
            "source server "
                + n.asText()
                + " has no test instance to promote; launch a test first, or cut over without "
                + JobTags.PROMOTE_TEST_INSTANCE);
      }
      if (test) {
        priv.remove(TEST_SKIPPED);
      } else if (!skipReason.isEmpty() && !server.path("lifeCycle").has("lastTest")) {
        priv.putObject(TEST_SKIPPED).put("reason", skipReason).put("dateTime", now());
      }
      servers.add(server);
      ids.add(n.asText());
    }
    ObjectNode job = newJob(c, "LAUNCH", initiatedBy, request, ids);
    for (ObjectNode server : servers) {
      ObjectNode life = (ObjectNode) server.path("lifeCycle");
      life.put("state", test ? "TESTING" : "CUTTING_OVER");
      ObjectNode last = life.putObject(test ? "lastTest" : "lastCutover");
      last.putObject("initiated")
          .put("apiCallDateTime", now())
          .put("jobID", job.path("jobID").asText());
      save(c, server);
    }
    ObjectNode out = JSON.createObjectNode();
    out.set("job", job);
    return out;
  }

  /**
   * Why a server may not be cut over (a must-succeed post-launch action failed on its test
   * instance), or absent. A test whose actions pass clears it.
   */
  static final String CUTOVER_BLOCKED_BY = "cutoverBlockedBy";

  /**
   * Why the server may not go to cutover now, or null: a must-succeed post-launch action failed on
   * its last test instance, or its test launch (with its actions) has not finished.
   */
  static String cutoverRefusal(Connection c, ObjectNode server) throws SQLException {
    String blocked = server.path("_private").path(CUTOVER_BLOCKED_BY).asText("");
    if (!blocked.isEmpty()) {
      return blocked + " (launch a test again once it is fixed)";
    }
    String testJob =
        server.path("lifeCycle").path("lastTest").path("initiated").path("jobID").asText("");
    if (!testJob.isEmpty()) {
      String status =
          Resources.get(c, JOB, testJob)
              .map(j -> AgentApi.parse(j).path("status").asText())
              .orElse("COMPLETED");
      // PENDING is left alone: without a launch backend a job stays PENDING for good.
      if (status.equals("STARTED")) {
        return "its test launch "
            + testJob
            + " is "
            + status
            + "; wait for it (and its post-launch actions) to end";
      }
    }
    return null;
  }

  /** The reason a server goes to cutover without a test launch, logged by the cutover job. */
  static final String TEST_SKIPPED = "testSkipped";

  private JsonNode terminateTargetInstances(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    checkAccount(c, request);
    List<String> ids = new ArrayList<>();
    for (JsonNode n : request.path("sourceServerIDs")) {
      load(c, AgentApi.SOURCE_SERVER, "SourceServer", n.asText());
      ids.add(n.asText());
    }
    ObjectNode out = JSON.createObjectNode();
    out.set("job", newJob(c, "TERMINATE", "TERMINATE", request, ids));
    return out;
  }

  private JsonNode finalizeCutover(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    ObjectNode server = server(c, request);
    String state = server.path("lifeCycle").path("state").asText();
    if (!state.equals("CUTTING_OVER")) {
      throw conflict(
          server,
          "source server "
              + server.path("sourceServerID").asText()
              + " is "
              + state
              + "; only a server that is CUTTING_OVER can be finalized");
    }
    ObjectNode life = (ObjectNode) server.path("lifeCycle");
    life.put("state", "CUTOVER");
    ObjectNode last =
        life.has("lastCutover")
            ? (ObjectNode) life.get("lastCutover")
            : life.putObject("lastCutover");
    last.putObject("finalized").put("apiCallDateTime", now());
    stopReplication(server);
    // The replicator deletes the staging volumes and snapshots at its next heartbeat; the cutover
    // job's log shows the cleanup start and end.
    String job = last.path("initiated").path("jobID").asText("");
    if (!job.isEmpty()) {
      ((ObjectNode) server.path("_private")).put("cleanupJobID", job);
      appendJobLog(
          c,
          job,
          "CLEANUP_START",
          Map.of(
              "sourceServerID",
              server.path("sourceServerID").asText(),
              "rawError",
              "finalized: deleting staging volumes and snapshots"));
    }
    save(c, server);
    return viewOf(server);
  }

  private JsonNode describeJobs(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    checkAccount(c, request);
    JsonNode f = request.path("filters");
    Set<String> ids = new HashSet<>();
    f.path("jobIDs").forEach(n -> ids.add(n.asText()));
    String from = f.path("fromDate").asText("");
    String to = f.path("toDate").asText("");
    List<JsonNode> items = new ArrayList<>();
    for (Resources.Row r : Resources.list(c, JOB)) {
      ObjectNode job = AgentApi.parse(r.body());
      String created = job.path("creationDateTime").asText();
      if ((ids.isEmpty() || ids.contains(r.id()))
          && (from.isEmpty() || created.compareTo(from) >= 0)
          && (to.isEmpty() || created.compareTo(to) <= 0)) {
        items.add(job);
      }
    }
    return page(items, request);
  }

  private JsonNode describeJobLogItems(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    checkAccount(c, request);
    String id = request.path("jobID").asText();
    String log = Resources.get(c, JOB_LOG, id).orElseThrow(() -> ApiException.notFound("Job", id));
    List<JsonNode> items = new ArrayList<>();
    try {
      JSON.readTree(log).forEach(items::add);
    } catch (java.io.IOException e) {
      throw new SQLException(e);
    }
    return page(items, request);
  }

  /**
   * Pause, resume, stop, start and retry, with MGN's preconditions. The state is the service's
   * record at once; the agent learns the wanted state from its next heartbeat's answer.
   */
  private JsonNode replicationControl(Connection c, ObjectNode request, String action)
      throws SQLException, ApiException {
    ObjectNode server = server(c, request);
    String id = server.path("sourceServerID").asText();
    ObjectNode dri = (ObjectNode) server.path("dataReplicationInfo");
    ObjectNode priv = (ObjectNode) server.path("_private");
    String state = dri.path("dataReplicationState").asText();
    if (server.path("isArchived").asBoolean() || priv.path("replicationStopped").asBoolean()) {
      throw conflict(server, "source server " + id + " is disconnected from the service");
    }
    switch (action) {
      case "PAUSE" -> {
        if (state.equals("PAUSED") || state.equals("STOPPED")) {
          throw conflict(server, "replication of " + id + " is " + state + "; it cannot be paused");
        }
        priv.put("stateBeforePause", state);
        priv.put("desiredReplication", "PAUSED");
        dri.put("dataReplicationState", "PAUSED");
      }
      case "RESUME" -> {
        if (!state.equals("PAUSED")) {
          throw conflict(server, "replication of " + id + " is " + state + ", not PAUSED");
        }
        priv.put("desiredReplication", "RUNNING");
        dri.put("dataReplicationState", priv.path("stateBeforePause").asText("INITIATING"));
      }
      case "STOP" -> {
        if (state.equals("STOPPED")) {
          throw conflict(server, "replication of " + id + " is already STOPPED");
        }
        priv.put("desiredReplication", "STOPPED");
        dri.put("dataReplicationState", "STOPPED");
      }
      case "START" -> {
        if (!state.equals("STOPPED")) {
          throw conflict(server, "replication of " + id + " is " + state + ", not STOPPED");
        }
        priv.put("desiredReplication", "RUNNING");
        dri.put("dataReplicationState", "INITIATING");
      }
      default -> {
        JsonNode viewed = viewOf(server);
        String shown = viewed.path("dataReplicationInfo").path("dataReplicationState").asText();
        if (!shown.equals("STALLED") && !shown.equals("INITIATING")) {
          throw conflict(
              server,
              "replication of " + id + " is " + shown + "; only a stalled one can be retried");
        }
        priv.put("desiredReplication", "RUNNING");
        priv.put("retryRequestedAt", now());
        dri.put("dataReplicationState", "INITIATING");
        dri.remove("dataReplicationError");
      }
    }
    save(c, server);
    return viewOf(server);
  }

  /** A wave holds applications; an application belongs to at most one wave. */
  private JsonNode associateApplications(Connection c, ObjectNode request, boolean associate)
      throws SQLException, ApiException {
    checkAccount(c, request);
    String waveId = request.path("waveID").asText();
    ObjectNode wave = load(c, WAVE.type(), "Wave", waveId);
    if (wave.path("isArchived").asBoolean()) {
      throw new ApiException("ConflictException", 409, "wave " + waveId + " is archived");
    }
    for (JsonNode n : request.path("applicationIDs")) {
      ObjectNode app = load(c, APPLICATION.type(), "Application", n.asText());
      if (associate) {
        app.put("waveID", waveId);
      } else if (waveId.equals(app.path("waveID").asText())) {
        app.remove("waveID");
      }
      Resources.update(c, APPLICATION.type(), n.asText(), app.toString());
    }
    return JSON.createObjectNode();
  }

  /** An application holds source servers; a server belongs to at most one application. */
  private JsonNode associateServers(Connection c, ObjectNode request, boolean associate)
      throws SQLException, ApiException {
    checkAccount(c, request);
    String appId = request.path("applicationID").asText();
    ObjectNode app = load(c, APPLICATION.type(), "Application", appId);
    if (app.path("isArchived").asBoolean()) {
      throw new ApiException("ConflictException", 409, "application " + appId + " is archived");
    }
    for (JsonNode n : request.path("sourceServerIDs")) {
      ObjectNode server = load(c, AgentApi.SOURCE_SERVER, "SourceServer", n.asText());
      if (associate) {
        server.put("applicationID", appId);
      } else if (appId.equals(server.path("applicationID").asText())) {
        server.remove("applicationID");
      }
      save(c, server);
    }
    return JSON.createObjectNode();
  }

  private JsonNode deleteJob(Connection c, ObjectNode request) throws SQLException, ApiException {
    checkAccount(c, request);
    String id = request.path("jobID").asText();
    ObjectNode job = load(c, JOB, "Job", id);
    if (job.path("status").asText().equals("STARTED")) {
      throw new ApiException(
          "ConflictException", 409, "job " + id + " is STARTED; it cannot be deleted");
    }
    Resources.delete(c, JOB, id);
    Resources.delete(c, JOB_LOG, id);
    return null;
  }

  private JsonNode deleteSourceServer(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    ObjectNode server = server(c, request);
    String id = server.path("sourceServerID").asText();
    String state = server.path("lifeCycle").path("state").asText();
    if (!state.equals("DISCONNECTED") && !state.equals("CUTOVER")) {
      throw conflict(
          server,
          "source server " + id + " is " + state + "; disconnect it from the service first");
    }
    Resources.delete(c, AgentApi.SOURCE_SERVER, id);
    Resources.delete(c, "replication-configuration", id);
    Resources.delete(c, "launch-configuration", id);
    Resources.delete(c, "source-server-actions", id);
    return null;
  }

  /** liftshift serves one account, its own: the management account of no organization. */
  private JsonNode listManagedAccounts(Connection c, ObjectNode request)
      throws SQLException, ApiException {
    List<JsonNode> items = new ArrayList<>();
    items.add(JSON.createObjectNode().put("accountId", accountId(c)));
    return page(items, request);
  }

  /**
   * Post-launch actions, kept per source server or per launch configuration template; running them
   * after a launch comes with the launch issue.
   */
  private JsonNode putAction(Connection c, ObjectNode request, boolean onServer)
      throws SQLException, ApiException {
    String owner = actionOwner(c, request, onServer);
    String type = onServer ? "source-server-actions" : "template-actions";
    ObjectNode all =
        Resources.get(c, type, owner).map(AgentApi::parse).orElse(JSON.createObjectNode());
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
    boolean exists = Resources.get(c, type, owner).isPresent();
    all.set(action.path("actionID").asText(), action);
    if (exists) {
      Resources.update(c, type, owner, all.toString());
    } else {
      Resources.insert(c, type, owner, all.toString());
    }
    return action;
  }

  /**
   * A new source server gets the default launch template's post-launch actions, as in MGN; later
   * changes to the template's actions do not reach it.
   */
  static void copyTemplateActions(Connection c, String serverId) throws SQLException {
    String templateId = setting(c, "defaultLaunchTemplate");
    if (templateId == null) {
      return;
    }
    java.util.Optional<String> actions = Resources.get(c, "template-actions", templateId);
    if (actions.isPresent() && Resources.get(c, "source-server-actions", serverId).isEmpty()) {
      Resources.insert(c, "source-server-actions", serverId, actions.get());
    }
  }

  private String actionOwner(Connection c, ObjectNode request, boolean onServer)
      throws SQLException, ApiException {
    if (onServer) {
      return server(c, request).path("sourceServerID").asText();
    }
    checkAccount(c, request);
    String id = request.path("launchConfigurationTemplateID").asText();
    load(c, LAUNCH_TEMPLATE.type(), "LaunchConfigurationTemplate", id);
    return id;
  }

  private JsonNode listActions(Connection c, ObjectNode request, boolean onServer)
      throws SQLException, ApiException {
    String owner = actionOwner(c, request, onServer);
    String type = onServer ? "source-server-actions" : "template-actions";
    Set<String> ids = new HashSet<>();
    request.path("filters").path("actionIDs").forEach(n -> ids.add(n.asText()));
    List<JsonNode> items = new ArrayList<>();
    Resources.get(c, type, owner)
        .map(AgentApi::parse)
        .ifPresent(
            all ->
                all.forEach(
                    a -> {
                      if (ids.isEmpty() || ids.contains(a.path("actionID").asText())) {
                        items.add(a);
                      }
                    }));
    items.sort(java.util.Comparator.comparingInt(a -> a.path("order").asInt()));
    return page(items, request);
  }

  private JsonNode removeAction(Connection c, ObjectNode request, boolean onServer)
      throws SQLException, ApiException {
    String owner = actionOwner(c, request, onServer);
    String type = onServer ? "source-server-actions" : "template-actions";
    String id = request.path("actionID").asText();
    ObjectNode all =
        Resources.get(c, type, owner).map(AgentApi::parse).orElse(JSON.createObjectNode());
    if (all.remove(id) == null) {
      throw ApiException.notFound("Action", id);
    }
    Resources.update(c, type, owner, all.toString());
    return null;
  }

  private static final Set<String> TAGGABLE =
      Set.of(
          AgentApi.SOURCE_SERVER,
          REPLICATION_TEMPLATE,
          "launch-configuration-template",
          "application",
          "wave",
          JOB);

  /** Tags on any of liftshift's resources, by ARN. */
  private JsonNode tags(Connection c, ObjectNode request, String action)
      throws SQLException, ApiException {
    String arn = request.path("resourceArn").asText();
    String prefix = "arn:aws:mgn:" + region + ":" + accountId(c) + ":";
    int slash = arn.indexOf('/', prefix.length());
    if (!arn.startsWith(prefix) || slash < 0) {
      throw ApiException.validation(
          "fieldValidationFailed", "resourceArn: not an ARN of this installation: " + arn);
    }
    String type = arn.substring(prefix.length(), slash);
    String id = arn.substring(slash + 1);
    if (!TAGGABLE.contains(type)) {
      throw ApiException.notFound("Resource", arn);
    }
    ObjectNode resource =
        AgentApi.parse(
            Resources.get(c, type, id).orElseThrow(() -> ApiException.notFound("Resource", arn)));
    ObjectNode tags =
        resource.path("tags").isObject()
            ? (ObjectNode) resource.get("tags")
            : resource.putObject("tags");
    switch (action) {
      case "tag" ->
          request.path("tags").fields().forEachRemaining(f -> tags.set(f.getKey(), f.getValue()));
      case "untag" -> request.path("tagKeys").forEach(k -> tags.remove(k.asText()));
      default -> {
        ObjectNode out = JSON.createObjectNode();
        out.set("tags", tags);
        return out;
      }
    }
    if (tags.size() > 50) {
      throw ApiException.validation(
          "fieldValidationFailed", "tags: a resource has at most 50 tags");
    }
    Resources.update(c, type, id, resource.toString());
    return null;
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
