package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The control plane's one JSON configuration, and the reading of stored documents. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

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
