package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.cloud.LaunchCloud;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.Database;
import io.liftshift.controlplane.store.Resources;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;

/**
 * A conversion server's job and report: the launch writes the job (its volumes and post-launch
 * actions) under a token only that server gets, the server fetches it and reports through the
 * control plane's converter API, and the launch waits for the report.
 */
final class ConverterApi {
  static final String CONVERSION = "conversion";

  /** How long a conversion may take. */
  static final long DEFAULT_CONVERSION_TIMEOUT_MILLIS = 60 * 60_000L;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Database db;
  private final LaunchCloud cloud;

  ConverterApi(Database db, LaunchCloud cloud) {
    this.db = db;
    this.cloud = cloud;
  }

  /** The conversion's id: one per server of a job. */
  static String conversionId(String jobId, String serverId) {
    return jobId + "." + serverId;
  }

  /**
   * Writes the conversion job of the server's volumes (named by the source's device names, "" when
   * unknown) and returns the token its conversion server fetches it with.
   */
  String open(
      String jobId,
      String serverId,
      List<StagingVolume> volumes,
      List<String> deviceNames,
      List<PostLaunchActions.Action> actions)
      throws SQLException {
    byte[] t = new byte[32];
    RANDOM.nextBytes(t);
    String token = "lsct-" + HexFormat.of().formatHex(t);
    ObjectNode conversion = Json.MAPPER.createObjectNode();
    conversion.put("jobID", jobId).put("sourceServerID", serverId);
    conversion.put("tokenSha256", AgentApi.sha256(token));
    ArrayNode vols = conversion.putArray("volumes");
    for (int i = 0; i < volumes.size(); i++) {
      ObjectNode v = vols.addObject();
      if (volumes.get(i).devicePath() != null) {
        v.put("path", volumes.get(i).devicePath().toString());
      } else {
        v.put("volumeId", volumes.get(i).volumeId());
      }
      v.put("sourceDeviceName", i < deviceNames.size() ? deviceNames.get(i) : "");
    }
    conversion.set("postLaunchActions", PostLaunchActions.forConversion(actions));
    String conversionId = conversionId(jobId, serverId);
    db.transaction(
        c -> {
          Resources.delete(c, CONVERSION, conversionId);
          Resources.insert(c, CONVERSION, conversionId, conversion.toString());
          return null;
        });
    return token;
  }

  JsonNode awaitConversion(String conversionId, String conversionServer) throws Exception {
    long deadline = System.currentTimeMillis() + DEFAULT_CONVERSION_TIMEOUT_MILLIS;
    boolean exited = false;
    while (System.currentTimeMillis() < deadline) {
      JsonNode c =
          db.transaction(x -> Json.parse(Resources.get(x, CONVERSION, conversionId).orElseThrow()));
      if (c.has("report")) {
        return c.path("report");
      }
      if (exited) {
        throw new LaunchFailure(
            "CONVERSION_FAIL",
            "conversion server " + conversionServer + " stopped without a report");
      }
      // One more look after the server stopped: its report may have just landed.
      exited = !cloud.conversionServers().running(conversionServer);
      Thread.sleep(500);
    }
    throw new LaunchFailure(
        "CONVERSION_FAIL", "conversion server " + conversionServer + " did not finish in time");
  }

  private static ObjectNode conversionFor(Connection c, String bearer)
      throws SQLException, ApiException {
    if (bearer != null) {
      String digest = AgentApi.sha256(bearer);
      for (Resources.Row r : Resources.list(c, CONVERSION)) {
        ObjectNode conv = Json.parse(r.body());
        if (java.security.MessageDigest.isEqual(
            digest.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            conv.path("tokenSha256")
                .asText()
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
          conv.put("_id", r.id());
          return conv;
        }
      }
    }
    throw AgentApi.unauthorized("the conversion job token is not valid");
  }

  static JsonNode converterJob(Connection c, String bearer) throws SQLException, ApiException {
    ObjectNode conv = conversionFor(c, bearer);
    if (conv.has("report")) {
      throw new ApiException(
          "ConflictException", 409, "job " + conv.path("jobID").asText() + " is already reported");
    }
    ObjectNode out = conv.deepCopy();
    out.remove("tokenSha256");
    out.remove("_id");
    return out;
  }

  static JsonNode converterReport(Connection c, String bearer, ObjectNode request)
      throws SQLException, ApiException {
    ObjectNode conv = conversionFor(c, bearer);
    String id = conv.remove("_id").asText();
    if (!request.path("report").isObject()) {
      throw ApiException.validation(
          "fieldValidationFailed", "report: the conversion report is required");
    }
    conv.set("report", request.get("report"));
    conv.set("plan", request.path("plan"));
    Resources.update(c, CONVERSION, id, conv.toString());
    return Json.MAPPER.createObjectNode().put("accepted", true);
  }
}
