package io.liftshift.converter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.cloud.aws.AwsStagingVolumes;
import io.liftshift.converter.plan.LinuxConversionPlanner.PostLaunchAction;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The converter daemon on a conversion server: fetches its one job from the control plane over 443,
 * converts off the event loop, posts the plan and report back, and is done. Deployment fails when
 * the job cannot be fetched (a wrong token, an unreachable control plane).
 */
public final class ConverterVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(ConverterVerticle.class.getName());
  static final ObjectMapper JSON = new ObjectMapper();
  public static final String JOB_PATH = "/converter/v1/job";
  public static final String REPORT_PATH = "/converter/v1/report";

  private final ConverterOptions options;
  private final Promise<Conversion.Outcome> done = Promise.promise();
  private HttpClient http;

  public ConverterVerticle(ConverterOptions options) {
    this.options = options;
  }

  /** Completes when the report is delivered (or fails with why it could not be). */
  public Future<Conversion.Outcome> done() {
    return done.future();
  }

  @Override
  public Future<?> start() {
    http =
        HttpClient.newBuilder()
            .sslContext(
                TlsPolicy.pinnedClientContext(options.caFingerprint(), ServerRole.CONTROL_PLANE))
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    Future<ConversionJob> job = vertx.executeBlocking(this::fetchJob);
    job.onSuccess(
        j ->
            vertx
                .executeBlocking(
                    () -> {
                      Conversion.Outcome o =
                          new Conversion(j, options.workDir()).run(options.dryRun());
                      report(j, o);
                      return o;
                    },
                    false)
                .onComplete(done));
    return job;
  }

  private ConversionJob fetchJob() throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(options.controlPlane().resolve(JOB_PATH))
                .header("Authorization", "Bearer " + options.jobToken())
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(
          "the control plane refused the job (" + r.statusCode() + "): " + r.body());
    }
    JsonNode j = JSON.readTree(r.body());
    List<String> volumes = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (JsonNode v : j.path("volumes")) {
      if (v.has("path")) {
        volumes.add(v.path("path").asText());
      } else {
        // An EBS volume attached to this instance: its NVMe device is named by the volume id.
        String id = v.path("volumeId").asText();
        volumes.add(awaitNvme(id));
      }
      names.add(v.path("sourceDeviceName").asText(""));
    }
    List<PostLaunchAction> actions = new ArrayList<>();
    for (JsonNode a : j.path("postLaunchActions")) {
      actions.add(
          new PostLaunchAction(
              a.path("id").asText(),
              a.path("name").asText(),
              a.path("script").asText(),
              a.path("timeoutSeconds").asInt(600)));
    }
    LOG.info("job " + j.path("jobID").asText() + ": " + volumes.size() + " volume(s)");
    return new ConversionJob(
        j.path("jobID").asText(), j.path("sourceServerID").asText(), volumes, names, actions);
  }

  private static String awaitNvme(String volumeId) throws IOException, InterruptedException {
    for (int i = 0; i < 300; i++) {
      var p = AwsStagingVolumes.nvmeDevice(volumeId);
      if (p.isPresent()) {
        return p.get().toRealPath().toString();
      }
      Thread.sleep(1000);
    }
    throw new IOException("volume " + volumeId + " did not appear as an NVMe device in 5 minutes");
  }

  private void report(ConversionJob job, Conversion.Outcome o) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("jobID", job.jobId());
    body.set("plan", JSON.valueToTree(o.plan()));
    body.set("report", JSON.valueToTree(o.report()));
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(options.controlPlane().resolve(REPORT_PATH))
                    .header("Authorization", "Bearer " + options.jobToken())
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = new IOException("report refused (" + r.statusCode() + "): " + r.body());
        if (r.statusCode() < 500) {
          break;
        }
      } catch (IOException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      try {
        Thread.sleep(1000L << attempt);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    // Kept on this server's disk too, for whoever looks at it.
    Files.writeString(
        options.workDir().resolve("report-" + job.jobId() + ".json"), body.toPrettyString());
    throw last;
  }
}
