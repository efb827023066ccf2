package io.liftshift.controlplane.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error in AWS's REST-JSON form: {@code __type} and {@code message} in the body, the type in the
 * {@code x-amzn-ErrorType} header, so that the SDK throws the matching typed exception.
 */
public final class ApiException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String type;
  private final int status;
  private final transient ObjectNode extra = JsonNodeFactory.instance.objectNode();

  public ApiException(String type, int status, String message) {
    super(message);
    this.type = type;
    this.status = status;
  }

  public static ApiException validation(String reason, String message) {
    ApiException e = new ApiException("ValidationException", 400, message);
    e.extra.put("reason", reason);
    return e;
  }

  public static ApiException notFound(String resourceType, String id) {
    ApiException e =
        new ApiException("ResourceNotFoundException", 404, resourceType + " " + id + " not found");
    e.extra.put("resourceId", id).put("resourceType", resourceType);
    return e;
  }

  public static ApiException uninitialized() {
    return new ApiException(
        "UninitializedAccountException",
        400,
        "Account not initialized: call InitializeService first");
  }

  public ObjectNode extra() {
    return extra;
  }

  public String type() {
    return type;
  }

  public int status() {
    return status;
  }

  public ObjectNode body() {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("__type", type);
    b.put("message", getMessage());
    b.setAll(extra);
    return b;
  }
}
