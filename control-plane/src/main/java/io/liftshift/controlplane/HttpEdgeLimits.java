package io.liftshift.controlplane;

import io.liftshift.trust.AuthFailureBackoff;
import io.liftshift.trust.RateLimitedLog;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What one client may cost port 443, applied around the control plane's HTTP server: header and
 * request-line limits, TLS and idle deadlines, a deadline for a whole request to arrive, a cap on
 * concurrent connections per address, and a pause for an address whose credentials keep failing. A
 * request answered before its body was read (a body over the limit, chunked or not) is answered and
 * its connection closed, so no client holds a connection the server has stopped reading. Refusals
 * are logged, at most one line per reason every 10 s with the count since.
 */
public final class HttpEdgeLimits {
  private static final Logger LOG = Logger.getLogger(HttpEdgeLimits.class.getName());

  /** Request line (method, path, query): SigV4 queries are far shorter. */
  public static final int DEFAULT_MAX_INITIAL_LINE_BYTES = 8 << 10;

  /** All headers of one request. */
  public static final int DEFAULT_MAX_HEADER_BYTES = 16 << 10;

  /** TLS must complete within this time. */
  public static final int DEFAULT_TLS_HANDSHAKE_SECONDS = 10;

  /** A connection with no traffic either way is closed (agents' long polls last 25 s). */
  public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 60;

  /** From its first byte, a request must have arrived whole within this time. */
  public static final int DEFAULT_REQUEST_DEADLINE_SECONDS = 30;

  /** Concurrent connections from one address. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;

  /** Authentication failures (401/403) from one address within a minute before a pause. */
  public static final int DEFAULT_AUTH_FAILURES_BEFORE_BACKOFF = 10;

  /** How long such an address is answered 429 without its request being processed. */
  public static final int DEFAULT_AUTH_FAILURE_BACKOFF_SECONDS = 30;

  private static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Vertx vertx;
  private final Map<String, AtomicInteger> connections = new ConcurrentHashMap<>();
  private final AuthFailureBackoff failures =
      new AuthFailureBackoff(
          DEFAULT_AUTH_FAILURES_BEFORE_BACKOFF,
          WINDOW_NANOS,
          TimeUnit.SECONDS.toNanos(DEFAULT_AUTH_FAILURE_BACKOFF_SECONDS));
  private final RateLimitedLog refusals = new RateLimitedLog(LOG, LOG_INTERVAL_NANOS);

  public HttpEdgeLimits(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The server-side limits that Vert.x enforces itself. */
  public static HttpServerOptions apply(HttpServerOptions o) {
    return o.setMaxInitialLineLength(DEFAULT_MAX_INITIAL_LINE_BYTES)
        .setMaxHeaderSize(DEFAULT_MAX_HEADER_BYTES)
        .setSslHandshakeTimeout(DEFAULT_TLS_HANDSHAKE_SECONDS)
        .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS)
        .setIdleTimeout(DEFAULT_IDLE_TIMEOUT_SECONDS)
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
  }

  /** For {@code HttpServer.connectionHandler}: caps concurrent connections per address. */
  public void onConnection(HttpConnection c) {
    String address = address(c);
    AtomicInteger n = connections.computeIfAbsent(address, k -> new AtomicInteger());
    if (n.incrementAndGet() > DEFAULT_MAX_CONNECTIONS_PER_ADDRESS) {
      release(address, n);
      refused(address, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS + " connections already open");
      c.close();
      return;
    }
    c.closeHandler(v -> release(address, n));
  }

  private void release(String address, AtomicInteger n) {
    if (n.decrementAndGet() <= 0) {
      connections.remove(address, n);
    }
  }

  /** Wraps the request handler with the request deadline and the authentication-failure pause. */
  public Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
    return req -> {
      String address = address(req.connection());
      long left = failures.pausedNanos(address);
      if (left > 0) {
        refused(address, "paused after repeated authentication failures");
        req.response()
            .setStatusCode(429)
            .putHeader("retry-after", String.valueOf(TimeUnit.NANOSECONDS.toSeconds(left) + 1))
            .putHeader("connection", "close")
            .end()
            .onComplete(ar -> req.connection().close());
        return;
      }
      long timer =
          vertx.setTimer(
              TimeUnit.SECONDS.toMillis(DEFAULT_REQUEST_DEADLINE_SECONDS),
              id -> {
                if (!req.isEnded()) {
                  refused(
                      address,
                      "request "
                          + req.path()
                          + " not received whole within "
                          + DEFAULT_REQUEST_DEADLINE_SECONDS
                          + " s (the client stalled)");
                  req.connection().close();
                }
              });
      req.response()
          .headersEndHandler(
              v -> {
                if (!req.isEnded()) {
                  // Answered before the body was read: the rest of it is never read.
                  req.response().putHeader("connection", "close");
                }
              });
      req.response()
          .endHandler(
              v -> {
                vertx.cancelTimer(timer);
                int status = req.response().getStatusCode();
                if (status == 401 || status == 403) {
                  authFailed(address, req.path());
                }
                if (!req.isEnded()) {
                  req.connection().close();
                }
              });
      next.handle(req);
    };
  }

  private void authFailed(String address, String path) {
    if (failures.failed(address)) {
      LOG.warning(
          "source "
              + address
              + ": "
              + DEFAULT_AUTH_FAILURES_BEFORE_BACKOFF
              + " authentication failures within 60 s (last on "
              + path
              + "); its requests are answered 429 for "
              + DEFAULT_AUTH_FAILURE_BACKOFF_SECONDS
              + " s. Check the credentials used from that address, or block it.");
    }
  }

  private void refused(String address, String reason) {
    refusals.log(Level.WARNING, reason, "443: " + address + " refused: " + reason);
  }

  private static String address(HttpConnection c) {
    return c.remoteAddress() == null ? "?" : String.valueOf(c.remoteAddress().hostAddress());
  }
}
