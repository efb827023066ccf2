package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.Resources;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;

/**
 * Tags on any of liftshift's resources, by ARN: TagResource, UntagResource, ListTagsForResource.
 */
final class TagService {
  private static final Set<String> TAGGABLE =
      Set.of(
          SourceServerService.SOURCE_SERVER,
          Documents.REPLICATION_TEMPLATE.type(),
          Documents.LAUNCH_TEMPLATE.type(),
          Documents.APPLICATION.type(),
          Documents.WAVE.type(),
          JobService.JOB);

  /** At most this many tags on one resource, as in MGN. */
  static final int MAX_TAGS = 50;

  private final Account account;

  TagService(Account account) {
    this.account = account;
  }

  JsonNode tag(Connection c, ObjectNode request) throws SQLException, ApiException {
    Tagged t = tagged(c, request);
    request.path("tags").fields().forEachRemaining(f -> t.tags().set(f.getKey(), f.getValue()));
    return t.save(c);
  }

  JsonNode untag(Connection c, ObjectNode request) throws SQLException, ApiException {
    Tagged t = tagged(c, request);
    request.path("tagKeys").forEach(k -> t.tags().remove(k.asText()));
    return t.save(c);
  }

  JsonNode list(Connection c, ObjectNode request) throws SQLException, ApiException {
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.set("tags", tagged(c, request).tags());
    return out;
  }

  /** A resource found by its ARN, and its tags. */
  private record Tagged(String type, String id, ObjectNode resource, ObjectNode tags) {
    JsonNode save(Connection c) throws SQLException, ApiException {
      if (tags.size() > MAX_TAGS) {
        throw ApiException.validation(
            "fieldValidationFailed", "tags: a resource has at most " + MAX_TAGS + " tags");
      }
      Resources.update(c, type, id, resource.toString());
      return null;
    }
  }

  private Tagged tagged(Connection c, ObjectNode request) throws SQLException, ApiException {
    String arn = request.path("resourceArn").asText();
    String prefix = account.arnPrefix(c);
    int slash = arn.indexOf('/', prefix.length());
    if (!arn.startsWith(prefix) || slash < 0) {
      throw ApiException.validation(
          "fieldValidationFailed", "resourceArn: not an ARN of this installation: " + arn);
    }
    String type = arn.substring(prefix.length(), slash);
    String id = arn.substring(slash + 1);
    if (!TAGGABLE.contains(type)) {
      throw ApiException.notFound("Resource", arn);
    }
    ObjectNode resource =
        Json.parse(
            Resources.get(c, type, id).orElseThrow(() -> ApiException.notFound("Resource", arn)));
    ObjectNode tags =
        resource.path("tags").isObject()
            ? (ObjectNode) resource.get("tags")
            : resource.putObject("tags");
    return new Tagged(type, id, resource, tags);
  }
}
