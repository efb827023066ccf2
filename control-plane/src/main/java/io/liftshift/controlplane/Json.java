package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.contract.ContractJson;

/** The control plane's JSON: liftshift's one configuration, and the reading of stored documents. */
final class Json {
  static final ObjectMapper MAPPER = ContractJson.MAPPER;

  private Json() {}

  /** A stored document, which the control plane wrote itself: not JSON is a broken store. */
  static ObjectNode parse(String body) {
    try {
      return (ObjectNode) MAPPER.readTree(body);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("stored resource is not JSON", e);
    }
  }
}
