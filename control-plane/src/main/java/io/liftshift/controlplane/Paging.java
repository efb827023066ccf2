package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** MGN pagination: {@code maxResults} items and an opaque {@code nextToken}. */
final class Paging {
  private Paging() {}

  static JsonNode page(List<JsonNode> items, ObjectNode request) throws ApiException {
    int max = request.path("maxResults").asInt(1000);
    int start = 0;
    String token = request.path("nextToken").asText("");
    if (!token.isEmpty()) {
      try {
        start =
            Integer.parseInt(
                new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw ApiException.validation(
            "fieldValidationFailed", "nextToken: is not a token this service issued");
      }
      if (start < 0 || start > items.size()) {
        throw ApiException.validation("fieldValidationFailed", "nextToken: is out of range");
      }
    }
    ObjectNode out = Json.MAPPER.createObjectNode();
    ArrayNode arr = out.putArray("items");
    int end = Math.min(items.size(), start + max);
    for (int i = start; i < end; i++) {
      arr.add(items.get(i));
    }
    if (end < items.size()) {
      out.put(
          "nextToken",
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(Integer.toString(end).getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }
}
