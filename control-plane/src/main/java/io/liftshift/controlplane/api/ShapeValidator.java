package io.liftshift.controlplane.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Validates a request body against an input shape of the model: unknown members, required members,
 * types, enum values, string lengths and patterns, number ranges and list/map sizes. Every problem
 * is named by its JSON path in a ValidationException's {@code fieldList}, as AWS does.
 */
public final class ShapeValidator {
  private final ServiceModel model;

  public ShapeValidator(ServiceModel model) {
    this.model = model;
  }

  /** A failed field, as in AWS's ValidationExceptionField. */
  public record FieldError(String name, String message) {}

  public void validate(String shapeName, JsonNode value) throws ApiException {
    List<FieldError> errors = new ArrayList<>();
    check(shapeName, value, "", errors);
    if (!errors.isEmpty()) {
      ApiException e =
          ApiException.validation(
              "fieldValidationFailed",
              errors.size() == 1
                  ? errors.get(0).name() + ": " + errors.get(0).message()
                  : errors.size()
                      + " validation errors, first: "
                      + errors.get(0).name()
                      + ": "
                      + errors.get(0).message());
      ArrayNode list = JsonNodeFactory.instance.arrayNode();
      for (FieldError f : errors) {
        list.addObject().put("name", f.name()).put("message", f.message());
      }
      e.extra().set("fieldList", list);
      throw e;
    }
  }

  private void check(String shapeName, JsonNode v, String path, List<FieldError> errors) {
    JsonNode s = model.shape(shapeName);
    String type = s.path("type").asText();
    String at = path.isEmpty() ? "body" : path;
    switch (type) {
      case "structure" -> {
        if (!v.isObject()) {
          errors.add(new FieldError(at, "must be an object"));
          return;
        }
        JsonNode members = s.path("members");
        for (JsonNode req : s.path("required")) {
          JsonNode m = v.get(req.asText());
          if (m == null || m.isNull()) {
            errors.add(new FieldError(join(path, req.asText()), "is required"));
          }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          JsonNode member = members.get(f.getKey());
          if (member == null) {
            errors.add(new FieldError(join(path, f.getKey()), "is not a member of " + shapeName));
          } else if (!f.getValue().isNull()) {
            check(member.path("shape").asText(), f.getValue(), join(path, f.getKey()), errors);
          }
        }
      }
      case "list" -> {
        if (!v.isArray()) {
          errors.add(new FieldError(at, "must be a list"));
          return;
        }
        size(s, v.size(), at, errors);
        String member = s.path("member").path("shape").asText();
        for (int i = 0; i < v.size(); i++) {
          check(member, v.get(i), path + "[" + i + "]", errors);
        }
      }
      case "map" -> {
        if (!v.isObject()) {
          errors.add(new FieldError(at, "must be a map"));
          return;
        }
        size(s, v.size(), at, errors);
        String key = s.path("key").path("shape").asText();
        String value = s.path("value").path("shape").asText();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          check(key, JsonNodeFactory.instance.textNode(f.getKey()), join(path, f.getKey()), errors);
          check(value, f.getValue(), join(path, f.getKey()), errors);
        }
      }
      case "string" -> {
        if (!v.isTextual()) {
          errors.add(new FieldError(at, "must be a string"));
          return;
        }
        String t = v.asText();
        if (s.has("enum")) {
          boolean ok = false;
          for (JsonNode e : s.path("enum")) {
            ok |= e.asText().equals(t);
          }
          if (!ok) {
            errors.add(new FieldError(at, "must be one of " + s.path("enum")));
          }
        }
        size(s, t.codePointCount(0, t.length()), at, errors);
        if (s.has("pattern")) {
          try {
            if (!Pattern.compile(s.path("pattern").asText()).matcher(t).matches()) {
              errors.add(new FieldError(at, "must match " + s.path("pattern").asText()));
            }
          } catch (PatternSyntaxException e) {
            // AWS's model occasionally uses a dialect Java cannot compile; the other checks stand.
          }
        }
      }
      case "boolean" -> {
        if (!v.isBoolean()) {
          errors.add(new FieldError(at, "must be a boolean"));
        }
      }
      case "integer", "long" -> {
        if (!v.isIntegralNumber() || (type.equals("integer") && !v.canConvertToInt())) {
          errors.add(
              new FieldError(
                  at, "must be an " + (type.equals("integer") ? "integer" : "integer (64-bit)")));
          return;
        }
        long n = v.asLong();
        if (s.has("min") && n < s.path("min").asLong()) {
          errors.add(new FieldError(at, "must be at least " + s.path("min").asLong()));
        }
        if (s.has("max") && n > s.path("max").asLong()) {
          errors.add(new FieldError(at, "must be at most " + s.path("max").asLong()));
        }
      }
      case "timestamp", "double", "float" -> {
        if (!v.isNumber() && !v.isTextual()) {
          errors.add(new FieldError(at, "must be a " + type));
        }
      }
      default -> {
        // Blobs and documents are not used in requests liftshift serves.
      }
    }
  }

  private static void size(JsonNode s, long n, String at, List<FieldError> errors) {
    if (s.has("min") && n < s.path("min").asLong()) {
      errors.add(
          new FieldError(at, "must have at least " + s.path("min").asLong() + " items/characters"));
    }
    if (s.has("max") && n > s.path("max").asLong()) {
      errors.add(
          new FieldError(at, "must have at most " + s.path("max").asLong() + " items/characters"));
    }
  }

  private static String join(String path, String member) {
    return path.isEmpty() ? member : path + "." + member;
  }
}
