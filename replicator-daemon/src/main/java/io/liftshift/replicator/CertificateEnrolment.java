package io.liftshift.replicator;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.liftshift.contract.ContractJson;
import io.liftshift.contract.PrivateApiClient;
import io.liftshift.contract.ReplicatorContract;
import io.liftshift.trust.ServerEnrolment;
import io.liftshift.trust.ServerIdentity;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Gets this replicator's TLS identity for port 1500 from the control plane (docs/control-plane.md,
 * "Replicator API"), so that a replication server never holds the installation CA's key. Runs in
 * {@link Replicator#start} before anything listens: it blocks, and no event loop exists yet.
 */
final class CertificateEnrolment {
  private static final Logger LOG = Logger.getLogger(CertificateEnrolment.class.getName());
  static final String PATH = ReplicatorContract.CERTIFICATE;

  /**
   * Waits 1, 2, 4, 8, 16 and 30 s between attempts: about a minute for a control plane that boots
   * beside its fleet, after which start fails and the service manager may start it again.
   */
  static final int DEFAULT_ATTEMPTS = 7;

  static final long DEFAULT_FIRST_BACKOFF_MILLIS = 1000;
  private static final long MAX_BACKOFF_MILLIS = 30_000;

  private final ReplicatorOptions options;
  private final int attempts;
  private final long firstBackoffMillis;

  CertificateEnrolment(ReplicatorOptions options) {
    this(options, DEFAULT_ATTEMPTS, DEFAULT_FIRST_BACKOFF_MILLIS);
  }

  CertificateEnrolment(ReplicatorOptions options, int attempts, long firstBackoffMillis) {
    this.options = options;
    this.attempts = attempts;
    this.firstBackoffMillis = firstBackoffMillis;
  }

  /** The stored identity while it is good, otherwise a freshly certified one. */
  ServerIdentity identity() throws IOException, InterruptedException {
    ServerEnrolment enrolment =
        new ServerEnrolment(
            options.dataDir().resolve("tls"), ServerRole.REPLICATOR, options.caFingerprint());
    Optional<ServerIdentity> stored = enrolment.stored(options.subjectAltNames());
    if (stored.isPresent()) {
      return stored.get();
    }
    String body =
        ContractJson.write(
            new ReplicatorContract.CertificateRequest(
                enrolment.certificateRequest(), options.subjectAltNames()));
    PrivateApiClient controlPlane =
        new PrivateApiClient(
            HttpClient.newBuilder()
                .sslContext(
                    TlsPolicy.pinnedClientContext(
                        options.caFingerprint(), ServerRole.CONTROL_PLANE))
                .connectTimeout(Duration.ofSeconds(5))
                .build(),
            options.controlPlaneEndpoint());
    String endpoint = controlPlane.endpoint();
    String last = "";
    long backoff = firstBackoffMillis;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        LOG.warning(
            "cannot enrol with the control plane at "
                + endpoint
                + ": "
                + last
                + "; retrying in "
                + backoff
                + " ms");
        Thread.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
      }
      HttpResponse<String> r;
      try {
        r = controlPlane.post(PATH, options.installToken(), body, Duration.ofSeconds(10));
      } catch (IOException e) {
        if (pinRefused(e)) {
          throw new IOException(
              "the control plane at "
                  + endpoint
                  + " does not present a certificate of the CA "
                  + options.caFingerprint()
                  + ": check --ca-fingerprint against 'liftshift ca show' on the control plane",
              e);
        }
        last = String.valueOf(e.getMessage());
        continue;
      }
      if (r.statusCode() == 200) {
        return accept(enrolment, r.body());
      }
      if (r.statusCode() == 400 || r.statusCode() == 401) {
        // The token or the names are wrong: asking again gets the same answer.
        throw new IOException(
            "the control plane at "
                + endpoint
                + " refused to certify this replicator ("
                + r.statusCode()
                + "): "
                + r.body()
                + (r.statusCode() == 401
                    ? "; give a valid --install-token ('liftshift admin create-install-token"
                        + " --for replication-servers')"
                    : ""));
      }
      last = "HTTP " + r.statusCode() + " " + r.body();
    }
    throw new IOException(
        "could not get a certificate from the control plane at "
            + endpoint
            + " after "
            + attempts
            + " attempts (last: "
            + last
            + "): check that it runs and that this server reaches it on that address");
  }

  private ServerIdentity accept(ServerEnrolment enrolment, String answer) throws IOException {
    try {
      ServerIdentity id =
          enrolment.accept(
              ContractJson.read(answer, ReplicatorContract.CertificateChain.class)
                  .certificateChain(),
              options.subjectAltNames());
      LOG.info("certificate for " + options.subjectAltNames() + " issued by the control plane");
      return id;
    } catch (CertificateException | JsonProcessingException | RuntimeException e) {
      throw new IOException(
          "the certificate the control plane answered was refused: " + e.getMessage(), e);
    }
  }

  /** A TLS handshake refused for the pin fails the same way each time: no point retrying. */
  private static boolean pinRefused(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertificateException) {
        return true;
      }
    }
    return false;
  }
}
