package io.liftshift.contract;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A daemon's POST to the private API: a JSON body with a bearer token, answered with a status and a
 * JSON body. The caller brings the {@link HttpClient} (pinned to the installation's CA, which this
 * module does not know) and decides what each status means to it.
 *
 * <p>Bodies are strings on purpose: the agent writes its few bodies by hand and carries no JSON
 * library, so this class must not load Jackson.
 */
public final class PrivateApiClient {
  private final HttpClient http;
  private final String endpoint;

  /**
   * @param endpoint the control plane's base URL, {@code https://HOST:443}; trailing slashes are
   *     ignored
   */
  public PrivateApiClient(HttpClient http, String endpoint) {
    this.http = http;
    this.endpoint = endpoint.replaceAll("/+$", "");
  }

  public String endpoint() {
    return endpoint;
  }

  /** Posts {@code jsonBody} to {@code path} (a constant of the contract classes). */
  public HttpResponse<String> post(String path, String bearer, String jsonBody, Duration timeout)
      throws IOException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(endpoint + path))
            .timeout(timeout)
            .header("Authorization", "Bearer " + bearer)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(jsonBody))
            .build();
    try {
      return http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
