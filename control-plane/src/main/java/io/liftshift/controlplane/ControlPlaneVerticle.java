package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.contract.AgentContract;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.api.ServiceModel;
import io.liftshift.controlplane.api.ShapeValidator;
import io.liftshift.controlplane.auth.AccessKeys;
import io.liftshift.controlplane.auth.SigV4Verifier;
import io.liftshift.trust.ServerIdentity;
import io.liftshift.trust.TlsPolicy;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves the MGN API on HTTPS (TLS 1.3): {@code POST /<Operation>} with a JSON body, signed with
 * SigV4. Authentication, validation against AWS's model and the operation itself run off the event
 * loop; every answer is MGN's shape or an AWS-style error.
 */
public final class ControlPlaneVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(ControlPlaneVerticle.class.getName());
  public static final int DEFAULT_PORT = 443;
  public static final int MAX_BODY_BYTES = 1 << 20;

  /** Outside the MGN API: the replication fleet's need, for the fleet's scaler (SigV4-signed). */
  public static final String FLEET_NEED_PATH = "/fleet/v1/need";

  private static final ObjectMapper JSON = Json.MAPPER;

  private final String host;
  private final int port;
  private final ServerIdentity identity;
  private final AccessKeys keys;
  private final OperationRouter operations;
  private final PrivateApi privateApi;
  private final ReplicationFleet fleet;
  private final io.liftshift.controlplane.store.ControlPlaneStore db;
  private final ServiceModel model;
  private final ShapeValidator validator;
  private final SigV4Verifier verifier;
  private HttpServer server;
  private final LiftshiftReadApi readApi;
  private final io.liftshift.controlplane.console.ConsoleAssets console =
      new io.liftshift.controlplane.console.ConsoleAssets();

  /** The installer, agent bundle and CA: public downloads (docs/agent-install.md). */
  private final io.liftshift.controlplane.downloads.AgentDownloads downloads;

  ControlPlaneVerticle(
      String host,
      int port,
      String region,
      ServerIdentity identity,
      AccessKeys keys,
      OperationRouter operations,
      PrivateApi privateApi,
      ReplicationFleet fleet,
      io.liftshift.controlplane.store.ControlPlaneStore db,
      ServiceModel model) {
    this.privateApi = privateApi;
    this.fleet = fleet;
    this.db = db;
    this.host = host;
    this.port = port;
    this.identity = identity;
    this.keys = keys;
    this.operations = operations;
    this.model = model;
    this.validator = new ShapeValidator(model);
    this.verifier = new SigV4Verifier(region, "mgn");
    this.readApi = new LiftshiftReadApi(db, fleet);
    this.downloads =
        io.liftshift.controlplane.downloads.AgentDownloads.locate(
            identity.chain().get(identity.chain().size() - 1));
  }

  @Override
  public Future<?> start() {
    HttpServerOptions o =
        HttpEdgeLimits.apply(new HttpServerOptions())
            .setHost(host)
            .setPort(port)
            .setSsl(true)
            .setKeyCertOptions(
                new PemKeyCertOptions()
                    .setKeyPath(identity.keyPath().toString())
                    .setCertPath(identity.certPath().toString()))
            .setEnabledSecureTransportProtocols(Set.of(TlsPolicy.PROTOCOL));
    server = vertx.createHttpServer(o);
    HttpEdgeLimits limits = new HttpEdgeLimits(vertx);
    server.connectionHandler(limits::onConnection);
    server.requestHandler(limits.guard(this::handle));
    return server.listen();
  }

  int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return server.close();
  }

  /** Long-polling agents, by source server id; touched on the event loop only. */
  private final Map<String, List<Runnable>> instructionWaiters = new java.util.HashMap<>();

  /** Operations after which an agent's instructions (throttle, pause, ...) may have changed. */
  private static final Set<String> CHANGES_INSTRUCTIONS =
      Set.of(
          "UpdateReplicationConfiguration",
          "PauseReplication",
          "ResumeReplication",
          "StopReplication",
          "StartReplication",
          "RetryDataReplication",
          "DisconnectFromService",
          "MarkAsArchived",
          "FinalizeCutover");

  /** The longest an agent's instructions request is held when nothing changes. */
  static final long INSTRUCTIONS_POLL_MILLIS = 25_000;

  /** Changes per server, so that a change during a poll's database read is not missed. */
  private final Map<String, Long> instructionChanges = new java.util.HashMap<>();

  private void instructionsChanged(String sourceServerId) {
    context.runOnContext(
        v -> {
          instructionChanges.merge(sourceServerId, 1L, Long::sum);
          List<Runnable> waiting = instructionWaiters.remove(sourceServerId);
          if (waiting != null) {
            waiting.forEach(Runnable::run);
          }
        });
  }

  /** The agent's long-poll: answered when its instructions differ from what it holds. */
  private void pollInstructions(
      HttpServerRequest req, String bearer, JsonNode body, long deadline) {
    String server = body.path("sourceServerID").asText();
    long changesBefore = instructionChanges.getOrDefault(server, 0L);
    vertx
        .executeBlocking(() -> privateApi.instructions(bearer, body))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                reply(
                    req,
                    ar.cause() instanceof ApiException e
                        ? e
                        : new ApiException("InternalServerException", 500, "internal error"));
                return;
              }
              if (ar.result().changed() || System.currentTimeMillis() >= deadline) {
                new Answer(200, ar.result().answer()).send(req);
                return;
              }
              if (instructionChanges.getOrDefault(server, 0L) != changesBefore) {
                // Changed while the database was read: read again instead of waiting.
                pollInstructions(req, bearer, body, deadline);
                return;
              }
              String id = body.path("sourceServerID").asText();
              boolean[] done = {false};
              Runnable again =
                  () -> {
                    if (!done[0]) {
                      done[0] = true;
                      pollInstructions(req, bearer, body, 0);
                    }
                  };
              instructionWaiters.computeIfAbsent(id, k -> new ArrayList<>()).add(again);
              vertx.setTimer(
                  Math.max(1, deadline - System.currentTimeMillis()),
                  t -> {
                    List<Runnable> w = instructionWaiters.get(id);
                    if (w != null) {
                      w.remove(again);
                    }
                    again.run();
                  });
              req.connection().closeHandler(x -> done[0] = true);
            });
  }

  private void handle(HttpServerRequest req) {
    if (downloads.serves(req)) {
      downloads.serve(vertx, req);
      return;
    }
    if (io.liftshift.controlplane.console.ConsoleAssets.handles(req.path())) {
      console.serve(vertx, req);
      return;
    }
    String length = req.getHeader("content-length");
    if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_BODY_BYTES) {
      refuseOversizeBody(req);
      return;
    }
    Buffer body = Buffer.buffer();
    req.handler(
        chunk -> {
          if (body.length() + chunk.length() > MAX_BODY_BYTES) {
            req.pause();
            refuseOversizeBody(req);
            return;
          }
          body.appendBuffer(chunk);
        });
    req.endHandler(
        v -> {
          if (req.response().ended()) {
            return;
          }
          if (req.path().equals(AgentContract.INSTRUCTIONS)) {
            String auth = req.getHeader("authorization");
            String bearer =
                auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim() : null;
            JsonNode parsed;
            try {
              parsed = JSON.readTree(body.getBytes());
            } catch (java.io.IOException e) {
              reply(req, ApiException.validation("cannotParse", "the request body is not JSON"));
              return;
            }
            if (parsed == null || !parsed.isObject()) {
              reply(req, ApiException.validation("cannotParse", "the body must be an object"));
              return;
            }
            pollInstructions(
                req, bearer, parsed, System.currentTimeMillis() + INSTRUCTIONS_POLL_MILLIS);
            return;
          }
          vertx
              .executeBlocking(() -> process(req, body.getBytes()))
              .onComplete(
                  ar -> {
                    if (ar.succeeded()) {
                      ar.result().send(req);
                    } else if (ar.cause() instanceof ApiException e) {
                      reply(req, e);
                    } else {
                      LOG.log(Level.WARNING, "internal error on " + req.path(), ar.cause());
                      reply(
                          req, new ApiException("InternalServerException", 500, "internal error"));
                    }
                  });
        });
  }

  /** A successful answer. */
  private record Answer(int status, JsonNode body) {
    void send(HttpServerRequest req) {
      var r = req.response().setStatusCode(status);
      if (status == 204 || body == null) {
        r.end();
      } else {
        r.putHeader("content-type", "application/json").end(body.toString());
      }
    }
  }

  private Answer process(HttpServerRequest req, byte[] body) throws Exception {
    if (req.path().startsWith("/agent/")
        || req.path().startsWith("/replicator/")
        || req.path().startsWith("/converter/")) {
      return processAgent(req, body);
    }
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Map.Entry<String, String> e : req.headers()) {
      headers.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
    }
    verifier.verify(
        req.method().name(),
        req.path(),
        req.query(),
        headers,
        body,
        Instant.now(),
        id -> {
          try {
            return keys.secretOf(id);
          } catch (io.liftshift.controlplane.store.StoreException e) {
            throw new IllegalStateException(e);
          }
        });
    if (req.path().equals(FLEET_NEED_PATH) && req.method() == io.vertx.core.http.HttpMethod.GET) {
      // Signed like any operator call: the fleet's scaler (CDK issue) reads what to scale to.
      return new Answer(200, db.transaction(c -> fleet.need(c).toJson()));
    }
    if (LiftshiftReadApi.serves(req.path())) {
      // The console's views MGN has no operation for: the fleet, and a server's lag history.
      return new Answer(
          200, readApi.answer(req.method().name(), req.path(), req.getParam("sourceServerID")));
    }
    String op;
    JsonNode request;
    try {
      request = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (java.io.IOException e) {
      throw ApiException.validation(
          "cannotParse",
          "the request body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (request == null || !request.isObject()) {
      throw ApiException.validation("cannotParse", "the request body must be a JSON object");
    }
    if (req.path().startsWith("/tags/")) {
      // The tagging operations bind the ARN to the path (and tag keys to the query), not the body.
      ObjectNode r = (ObjectNode) request;
      r.put(
          "resourceArn",
          java.net.URLDecoder.decode(
              req.path().substring("/tags/".length()), java.nio.charset.StandardCharsets.UTF_8));
      switch (req.method().name()) {
        case "POST" -> op = "TagResource";
        case "GET" -> op = "ListTagsForResource";
        case "DELETE" -> {
          op = "UntagResource";
          var keys = r.putArray("tagKeys");
          req.params().getAll("tagKeys").forEach(keys::add);
        }
        default -> op = "";
      }
    } else {
      op = model.operationAt(req.method().name(), req.path()).orElse("");
      bindQuery(op, (ObjectNode) request, req);
    }
    Optional<JsonNode> operation = model.operation(op);
    if (operation.isEmpty()) {
      throw new ApiException(
          "UnknownOperationException", 404, "unknown operation " + req.method() + " " + req.path());
    }
    String input = operation.get().path("input").path("shape").asText(null);
    if (input != null) {
      // liftshift's one extension of MGN's request shapes: the PIT policy, in DRS's shape.
      JsonNode pitPolicy =
          PitPolicies.PIT_POLICY_OPERATIONS.contains(op)
              ? ((ObjectNode) request).remove(PitPolicies.PIT_POLICY)
              : null;
      validator.validate(input, request);
      if (pitPolicy != null) {
        PitPolicies.check(pitPolicy);
        ((ObjectNode) request).set(PitPolicies.PIT_POLICY, pitPolicy);
      }
    }
    Optional<String> refused = OperationRouter.unsupported(op);
    if (refused.isPresent()) {
      throw ApiException.validation("other", op + ": " + refused.get());
    }
    if (!operations.serves(op)) {
      throw ApiException.validation(
          "other", op + " is part of the MGN API but not served by this liftshift version yet");
    }
    JsonNode answer = operations.run(op, (ObjectNode) request);
    if (CHANGES_INSTRUCTIONS.contains(op) && request.has("sourceServerID")) {
      instructionsChanged(request.path("sourceServerID").asText());
    }
    return new Answer(model.successStatus(op), answer);
  }

  /** Copies members the model binds to the query string (GET operations) into the request. */
  private void bindQuery(String op, ObjectNode request, HttpServerRequest req) throws ApiException {
    Optional<JsonNode> operation = model.operation(op);
    if (operation.isEmpty()) {
      return;
    }
    String input = operation.get().path("input").path("shape").asText(null);
    if (input == null) {
      return;
    }
    for (var m :
        (Iterable<Map.Entry<String, JsonNode>>) () -> model.shape(input).path("members").fields()) {
      JsonNode member = m.getValue();
      if (!member.path("location").asText().equals("querystring")) {
        continue;
      }
      String value = req.getParam(member.path("locationName").asText(m.getKey()));
      if (value == null) {
        continue;
      }
      String type = model.shape(member.path("shape").asText()).path("type").asText();
      if (type.equals("integer") || type.equals("long")) {
        try {
          request.put(m.getKey(), Long.parseLong(value));
        } catch (NumberFormatException e) {
          throw ApiException.validation(
              "fieldValidationFailed", m.getKey() + ": must be an integer");
        }
      } else {
        request.put(m.getKey(), value);
      }
    }
  }

  /** The private agent API: bearer tokens, never SigV4. */
  private Answer processAgent(HttpServerRequest req, byte[] body) throws Exception {
    String auth = req.getHeader("authorization");
    String bearer = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim() : null;
    if (auth != null && bearer == null) {
      throw new ApiException(
          "AccessDeniedException",
          401,
          "the agent API takes a bearer token, not " + auth.split(" ")[0]);
    }
    JsonNode request;
    try {
      request = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (java.io.IOException e) {
      throw ApiException.validation("cannotParse", "the request body is not valid JSON");
    }
    if (req.method() != io.vertx.core.http.HttpMethod.POST || request == null) {
      throw new ApiException("UnknownOperationException", 404, "unknown " + req.path());
    }
    // A heartbeat's answer names the agent version served, for the agent's self-upgrade.
    return new Answer(
        200, downloads.offerTo(req.path(), privateApi.handle(req.path(), bearer, request)));
  }

  /**
   * Answers before the body arrives and then closes, as nginx does with 413: keeping the connection
   * would mean reading (or stalling on) the megabytes the client is still sending.
   */
  private static void refuseOversizeBody(HttpServerRequest req) {
    if (req.response().ended()) {
      return;
    }
    ApiException e =
        ApiException.validation("other", "request body exceeds " + MAX_BODY_BYTES + " bytes");
    req.response()
        .setStatusCode(e.status())
        .putHeader("content-type", "application/json")
        .putHeader("x-amzn-ErrorType", e.type())
        .putHeader("connection", "close")
        .end(e.body().toString())
        .onComplete(x -> req.connection().close());
  }

  private static void reply(HttpServerRequest req, ApiException e) {
    if (req.response().ended()) {
      return;
    }
    req.response()
        .setStatusCode(e.status())
        .putHeader("content-type", "application/json")
        .putHeader("x-amzn-ErrorType", e.type())
        .end(e.body().toString());
  }
}
