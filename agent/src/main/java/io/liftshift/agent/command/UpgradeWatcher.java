package io.liftshift.agent.command;

import io.liftshift.agent.ControlPlaneLink;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks the control plane which agent version it serves ({@code GET /agent/v1/version}, over the
 * pinned CA) and, when it differs from this agent's, hands over to the setup script, which
 * downloads and verifies the bundle, swaps the release atomically and restarts the service. The
 * agent's change state lives in the state directory, outside the release, so the restarted agent
 * resumes without a resync. The control plane's version is authoritative: a different version,
 * newer or older (a rollback), is installed.
 */
final class UpgradeWatcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(UpgradeWatcher.class.getName());
  static final String VERSION_PATH = "/agent/v1/version";
  private static final Pattern VERSION = Pattern.compile("\"agentVersion\"\\s*:\\s*\"([^\"]+)\"");

  /** After a failed upgrade, wait this long before trying again. */
  private static final long RETRY_AFTER_FAILURE_MILLIS = 3_600_000L;

  private final ControlPlaneLink.Identity identity;
  private final long intervalMillis;
  private final HttpClient http;
  private final Thread thread;
  private volatile boolean closed;

  UpgradeWatcher(ControlPlaneLink.Identity identity, long intervalMillis) {
    this.identity = identity;
    this.intervalMillis = intervalMillis;
    this.http =
        HttpClient.newBuilder()
            .sslContext(TlsPolicy.pinnedClientContext(identity.ca(), ServerRole.CONTROL_PLANE))
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    this.thread = new Thread(this::run, "agent-upgrade");
    thread.setDaemon(true);
  }

  UpgradeWatcher start() {
    thread.start();
    return this;
  }

  /** The version the control plane serves, empty when it serves no bundle. */
  Optional<String> offered() throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(identity.endpoint().replaceAll("/+$", "") + VERSION_PATH))
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    if (r.statusCode() != 200) {
      throw new IOException("agent version refused (" + r.statusCode() + ")");
    }
    Matcher m = VERSION.matcher(r.body());
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private void run() {
    while (!closed) {
      long wait = intervalMillis;
      try {
        Optional<String> offered = offered();
        String running = AgentVersion.current();
        if (offered.isPresent() && !offered.get().equals(running)) {
          LOG.info(
              "the control plane serves agent "
                  + offered.get()
                  + " (this is "
                  + running
                  + "): upgrading");
          try {
            Installation.upgrade();
          } catch (IOException e) {
            LOG.warning("upgrade to " + offered.get() + " failed: " + e.getMessage());
            wait = Math.max(intervalMillis, RETRY_AFTER_FAILURE_MILLIS);
          }
        }
      } catch (IOException e) {
        LOG.fine("agent version check: " + e.getMessage());
      } catch (InterruptedException e) {
        return;
      }
      try {
        Thread.sleep(wait);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
