package io.liftshift.converter;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.cloud.aws.AwsStagingVolumes;
import io.liftshift.contract.ContractJson;
import io.liftshift.contract.ConverterContract;
import io.liftshift.contract.PrivateApiClient;
import io.liftshift.converter.plan.LinuxConversionPlanner.PostLaunchAction;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.io.IOException;
import java.net.http.HttpClient;
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
  static final ObjectMapper JSON = ContractJson.MAPPER;

  private final ConverterOptions options;
  private final Promise<Conversion.Outcome> done = Promise.promise();
  private PrivateApiClient controlPlane;

  public ConverterVerticle(ConverterOptions options) {
    this.options = options;
  }

  /** Completes when the report is delivered (or fails with why it could not be). */
  public Future<Conversion.Outcome> done() {
    return done.future();
  }

  @Override
  public Future<?> start() {
    controlPlane =
        new PrivateApiClient(
            HttpClient.newBuilder()
                .sslContext(
                    TlsPolicy.pinnedClientContext(
                        options.caFingerprint(), ServerRole.CONTROL_PLANE))
                .connectTimeout(Duration.ofSeconds(10))
                .build(),
            options.controlPlane().resolve("/").toString());
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
        controlPlane.post(ConverterContract.JOB, options.jobToken(), "{}", Duration.ofSeconds(30));
    if (r.statusCode() != 200) {
      throw new IOException(
          "the control plane refused the job (" + r.statusCode() + "): " + r.body());
    }
    ConverterContract.Job j = ContractJson.read(r.body(), ConverterContract.Job.class);
    List<String> volumes = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (ConverterContract.Volume v : orEmpty(j.volumes())) {
      if (v.path() != null) {
        volumes.add(v.path());
      } else {
        // An EBS volume attached to this instance: its NVMe device is named by the volume id.
        volumes.add(awaitNvme(v.volumeId()));
      }
      names.add(v.sourceDeviceName() == null ? "" : v.sourceDeviceName());
    }
    List<PostLaunchAction> actions = new ArrayList<>();
    for (ConverterContract.PostLaunchAction a : orEmpty(j.postLaunchActions())) {
      actions.add(
          new PostLaunchAction(
              a.id(), a.name(), a.script(), a.timeoutSeconds() == null ? 600 : a.timeoutSeconds()));
    }
    LOG.info("job " + j.jobID() + ": " + volumes.size() + " volume(s)");
    return new ConversionJob(j.jobID(), j.sourceServerID(), volumes, names, actions);
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
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
    ConverterContract.Report body =
        new ConverterContract.Report(
            job.jobId(), JSON.valueToTree(o.plan()), JSON.valueToTree(o.report()));
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        HttpResponse<String> r =
            controlPlane.post(
                ConverterContract.REPORT,
                options.jobToken(),
                ContractJson.write(body),
                Duration.ofSeconds(30));
        if (r.statusCode() == 200) {
          return;
        }
        last = new IOException("report refused (" + r.statusCode() + "): " + r.body());
        if (r.statusCode() < 500) {
          break;
        }
      } catch (IOException e) {
        last = e;
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
        options.workDir().resolve("report-" + job.jobId() + ".json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body));
    throw last;
  }
}
