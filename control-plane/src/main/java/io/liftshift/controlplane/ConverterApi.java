package io.liftshift.controlplane;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.cloud.LaunchCloud;
import io.liftshift.cloud.StagingVolume;
import io.liftshift.contract.ConverterContract;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.StoreException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A conversion server's job and report: the launch writes the job (its volumes and post-launch
 * actions) under a token only that server gets, the server fetches it and reports through the
 * control plane's converter API ({@link ConverterEndpoints}), and the launch waits for the report.
 */
final class ConverterApi {
  static final String CONVERSION = "conversion";

  /** How long a conversion may take. */
  static final long DEFAULT_CONVERSION_TIMEOUT_MILLIS = 60 * 60_000L;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final ControlPlaneStore db;
  private final LaunchCloud cloud;

  ConverterApi(ControlPlaneStore db, LaunchCloud cloud) {
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
      throws StoreException {
    byte[] t = new byte[32];
    RANDOM.nextBytes(t);
    String token = "lsct-" + HexFormat.of().formatHex(t);
    List<ConverterContract.Volume> vols = new ArrayList<>();
    for (int i = 0; i < volumes.size(); i++) {
      StagingVolume v = volumes.get(i);
      vols.add(
          new ConverterContract.Volume(
              v.devicePath() != null ? v.devicePath().toString() : null,
              v.devicePath() != null ? null : v.volumeId(),
              i < deviceNames.size() ? deviceNames.get(i) : ""));
    }
    ConverterContract.Job job =
        new ConverterContract.Job(
            jobId,
            serverId,
            vols,
            Json.MAPPER.convertValue(
                PostLaunchActions.forConversion(actions),
                new TypeReference<List<ConverterContract.PostLaunchAction>>() {}));
    // Stored as served (ConverterEndpoints.job), with the token's digest beside it.
    ObjectNode conversion = Json.MAPPER.valueToTree(job);
    conversion.put("tokenSha256", BearerTokens.sha256(token));
    String conversionId = conversionId(jobId, serverId);
    db.transaction(
        c -> {
          c.delete(CONVERSION, conversionId);
          c.insert(CONVERSION, conversionId, conversion.toString());
          return null;
        });
    return token;
  }

  JsonNode awaitConversion(String conversionId, String conversionServer) throws Exception {
    long deadline = System.currentTimeMillis() + DEFAULT_CONVERSION_TIMEOUT_MILLIS;
    boolean exited = false;
    while (System.currentTimeMillis() < deadline) {
      JsonNode c = db.transaction(x -> Json.parse(x.body(CONVERSION, conversionId).orElseThrow()));
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
}
