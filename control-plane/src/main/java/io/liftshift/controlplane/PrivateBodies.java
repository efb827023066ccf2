package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import io.liftshift.contract.ContractJson;
import io.liftshift.controlplane.api.ApiException;

/** Reads and writes the private API's bodies as the contract's records. */
final class PrivateBodies {
  private PrivateBodies() {}

  /** The body as its record; a member of the wrong type is the caller's 400. */
  static <T> T read(JsonNode body, Class<T> type) throws ApiException {
    try {
      return ContractJson.MAPPER.treeToValue(body, type);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw refused(type, e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      throw refused(type, String.valueOf(e.getMessage()));
    }
  }

  private static ApiException refused(Class<?> type, String why) {
    return ApiException.validation(
        "cannotParse",
        "the request body is not a "
            + type.getSimpleName()
            + ": "
            + why.lines().findFirst().orElse(""));
  }

  static JsonNode write(Object record) {
    return ContractJson.MAPPER.valueToTree(record);
  }
}
