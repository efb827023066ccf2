package io.liftshift.controlplane.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * AWS's own model of the MGN API (2020-02-26), bundled as a resource. Requests are validated
 * against it, so shapes, enums and limits are AWS's, not a copy that could drift.
 */
public final class ServiceModel {
  private static final String RESOURCE = "/io/liftshift/controlplane/mgn-2020-02-26.service-2.json";

  private final JsonNode operations;
  private final JsonNode shapes;

  private ServiceModel(JsonNode root) {
    this.operations = root.path("operations");
    this.shapes = root.path("shapes");
  }

  public static ServiceModel load() {
    try (InputStream in = ServiceModel.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing " + RESOURCE);
      }
      return new ServiceModel(io.liftshift.contract.ContractJson.MAPPER.readTree(in));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the MGN model", e);
    }
  }

  /** The operation with this name, if the model has it. */
  public Optional<JsonNode> operation(String name) {
    JsonNode op = operations.get(name);
    return op == null ? Optional.empty() : Optional.of(op);
  }

  public JsonNode shape(String name) {
    JsonNode s = shapes.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no shape " + name + " in the MGN model");
    }
    return s;
  }

  /** The operation bound to a method and a literal path (no path parameters), if any. */
  public Optional<String> operationAt(String method, String path) {
    for (var it = operations.fields(); it.hasNext(); ) {
      var e = it.next();
      JsonNode http = e.getValue().path("http");
      if (http.path("method").asText().equals(method)
          && http.path("requestUri").asText().equals(path)) {
        return Optional.of(e.getKey());
      }
    }
    return Optional.empty();
  }

  /** The success status of an operation (200, 201 or 204). */
  public int successStatus(String operation) {
    return operation(operation)
        .map(o -> o.path("http").path("responseCode").asInt(200))
        .orElse(200);
  }
}
