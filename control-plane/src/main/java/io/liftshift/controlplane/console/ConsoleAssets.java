package io.liftshift.controlplane.console;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPOutputStream;

/**
 * Serves the console's built assets (module {@code console/}, on the classpath under {@code
 * io/liftshift/console/site/}) at {@code /console/}, gzipped once in memory, with a strict
 * Content-Security-Policy (no inline script or style, no framing, API calls to this origin only).
 *
 * <p>The console holds no session here: every API call it makes is SigV4-signed in the browser with
 * a key kept in the tab's memory, so a cross-site request carries no credential (no cookie to ride
 * on) and the API refuses it like any unsigned call.
 */
public final class ConsoleAssets {
  /** Where the console lives on the control plane's listener. */
  public static final String PREFIX = "/console/";

  /**
   * Scripts and styles from this origin only; fonts are inlined (data:) by the build; API calls to
   * this origin; never framed.
   */
  public static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          + "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
          + "frame-ancestors 'none'";

  private static final String SITE = "io/liftshift/console/site/";

  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "svg", "image/svg+xml",
          "png", "image/png",
          "ico", "image/x-icon",
          "woff2", "font/woff2",
          "json", "application/json");

  /** A file of the site: its bytes as built and gzipped. */
  private record Asset(String type, Buffer plain, Buffer gzipped) {}

  private final Map<String, Optional<Asset>> cache = new ConcurrentHashMap<>();
  private final ClassLoader loader;

  public ConsoleAssets() {
    this(ConsoleAssets.class.getClassLoader());
  }

  ConsoleAssets(ClassLoader loader) {
    this.loader = loader;
  }

  /** True for the paths the console owns: {@code /console} and everything under it. */
  public static boolean handles(String path) {
    return path.equals("/console") || path.startsWith(PREFIX);
  }

  /** Answers a request whose path {@link #handles} accepted. */
  public void serve(Vertx vertx, HttpServerRequest req) {
    HttpServerResponse r = req.response();
    secure(r);
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      r.setStatusCode(405).putHeader("allow", "GET, HEAD").end();
      return;
    }
    String path = req.path();
    if (path.equals("/console")) {
      r.setStatusCode(301).putHeader("location", PREFIX).end();
      return;
    }
    String file = path.substring(PREFIX.length());
    if (file.isEmpty()) {
      file = "index.html";
    }
    if (!file.matches("[A-Za-z0-9_./-]{1,200}") || file.contains("..") || file.startsWith("/")) {
      r.setStatusCode(404).end();
      return;
    }
    String name = file;
    vertx
        .executeBlocking(() -> cache.computeIfAbsent(name, this::load))
        .onComplete(
            ar -> {
              if (ar.failed() || ar.result().isEmpty()) {
                r.setStatusCode(404)
                    .putHeader("content-type", "text/plain; charset=utf-8")
                    .end(
                        name.equals("index.html")
                            ? "the console is not built into this control plane"
                            : "not found");
                return;
              }
              Asset a = ar.result().get();
              r.putHeader("content-type", a.type());
              // Hashed names never change content; the page itself is always fetched anew.
              r.putHeader(
                  "cache-control",
                  name.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-store");
              r.putHeader("vary", "accept-encoding");
              String accepts = req.getHeader("accept-encoding");
              boolean gzip = accepts != null && accepts.contains("gzip");
              Buffer body = gzip ? a.gzipped() : a.plain();
              if (gzip) {
                r.putHeader("content-encoding", "gzip");
              }
              if (req.method() == HttpMethod.HEAD) {
                r.putHeader("content-length", String.valueOf(body.length())).end();
              } else {
                r.end(body);
              }
            });
  }

  /** Headers on every console answer: no framing, no sniffing, no referrer, this origin only. */
  static void secure(HttpServerResponse r) {
    r.putHeader("content-security-policy", CONTENT_SECURITY_POLICY)
        .putHeader("x-frame-options", "DENY")
        .putHeader("x-content-type-options", "nosniff")
        .putHeader("referrer-policy", "no-referrer")
        .putHeader("cross-origin-opener-policy", "same-origin")
        .putHeader("cross-origin-resource-policy", "same-origin")
        .putHeader("strict-transport-security", "max-age=31536000");
  }

  private Optional<Asset> load(String file) {
    try (InputStream in = loader.getResourceAsStream(SITE + file)) {
      if (in == null) {
        return Optional.empty();
      }
      byte[] bytes = in.readAllBytes();
      ByteArrayOutputStream zipped = new ByteArrayOutputStream(bytes.length / 3 + 64);
      try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
        gz.write(bytes);
      }
      String ext = file.substring(file.lastIndexOf('.') + 1);
      return Optional.of(
          new Asset(
              TYPES.getOrDefault(ext, "application/octet-stream"),
              Buffer.buffer(bytes),
              Buffer.buffer(zipped.toByteArray())));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
