package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import io.liftshift.cloud.PointInTimePolicy;
import io.liftshift.controlplane.api.ApiException;
import java.util.List;
import java.util.Set;

/**
 * The point-in-time policy member (DRS's {@code pitPolicy}: a list of PITPolicyRule) that liftshift
 * adds to a source server's replication configuration; MGN's shape has no place for it.
 */
final class PitPolicies {
  static final String PIT_POLICY = "pitPolicy";

  static final Set<String> PIT_POLICY_OPERATIONS = Set.of("UpdateReplicationConfiguration");

  private PitPolicies() {}

  static void check(JsonNode pitPolicy) throws ApiException {
    try {
      if (!pitPolicy.isArray()) {
        throw new IllegalArgumentException("pitPolicy must be a list of PITPolicyRule");
      }
      PointInTimePolicy.fromRules(Json.MAPPER.convertValue(pitPolicy, List.class));
    } catch (IllegalArgumentException e) {
      throw ApiException.validation("other", e.getMessage());
    }
  }

  /** The server's PIT policy: its own, or AWS's default. */
  static JsonNode of(JsonNode replicationConfiguration) {
    JsonNode own = replicationConfiguration.path(PIT_POLICY);
    return own.isArray() ? own : Json.MAPPER.valueToTree(PointInTimePolicy.defaults().toRules());
  }
}
