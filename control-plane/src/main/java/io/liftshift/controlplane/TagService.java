package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
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

  JsonNode tag(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    Tagged t = tagged(c, request);
    request.path("tags").fields().forEachRemaining(f -> t.tags().set(f.getKey(), f.getValue()));
    return t.save(c);
  }

  JsonNode untag(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    Tagged t = tagged(c, request);
    request.path("tagKeys").forEach(k -> t.tags().remove(k.asText()));
    return t.save(c);
  }

  JsonNode list(StoreTransaction c, ObjectNode request) throws StoreException, ApiException {
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.set("tags", tagged(c, request).tags());
    return out;
  }

  /** A resource found by its ARN, and its tags. */
  private record Tagged(String type, String id, ObjectNode resource, ObjectNode tags) {
    JsonNode save(StoreTransaction c) throws StoreException, ApiException {
      if (tags.size() > MAX_TAGS) {
        throw ApiException.validation(
            "fieldValidationFailed", "tags: a resource has at most " + MAX_TAGS + " tags");
      }
      c.update(type, id, resource.toString());
      return null;
    }
  }

  private Tagged tagged(StoreTransaction c, ObjectNode request)
      throws StoreException, ApiException {
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
        Json.parse(c.body(type, id).orElseThrow(() -> ApiException.notFound("Resource", arn)));
    ObjectNode tags =
        resource.path("tags").isObject()
            ? (ObjectNode) resource.get("tags")
            : resource.putObject("tags");
    return new Tagged(type, id, resource, tags);
  }
}
