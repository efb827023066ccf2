package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * A source server's replication lag and backlog over the last hour, one sample per 10 s, fed by its
 * agent's heartbeats. Kept in the store beside the server (so a control-plane restart keeps the
 * console's chart) as one small document per server, rewritten at most every 10 s, and deleted with
 * the server.
 */
final class LagHistory {
  static final String RESOURCE = "lag-history";

  /**
   * The stored document's layout. A document of another version is not read (the chart starts
   * afresh) and is replaced at the next sample: an hour of lag is not worth a migration.
   */
  static final int VERSION = 1;

  static final long SAMPLE_INTERVAL_MILLIS = 10_000;
  static final long WINDOW_MILLIS = 3_600_000;

  /** An hour of samples every 10 s, both ends included. */
  static final int MAX_SAMPLES = (int) (WINDOW_MILLIS / SAMPLE_INTERVAL_MILLIS) + 1;

  private static final ObjectMapper JSON = Json.MAPPER;

  private LagHistory() {}

  /**
   * Adds a sample unless the last one is less than {@link #SAMPLE_INTERVAL_MILLIS} old, dropping
   * those older than the window. Heartbeats come every few seconds; most cost one read, no write.
   */
  static void record(
      StoreTransaction c, String sourceServerId, long lagSeconds, long backlogBytes, long nowMillis)
      throws StoreException {
    var stored = c.body(RESOURCE, sourceServerId);
    ArrayNode samples = samples(stored.orElse(null));
    int n = samples.size();
    if (n > 0 && nowMillis - samples.get(n - 1).path(0).asLong() < SAMPLE_INTERVAL_MILLIS) {
      return;
    }
    ObjectNode doc = JSON.createObjectNode().put("version", VERSION);
    ArrayNode kept = doc.putArray("samples");
    for (JsonNode s : samples) {
      if (s.path(0).asLong() >= nowMillis - WINDOW_MILLIS) {
        kept.add(s);
      }
    }
    while (kept.size() >= MAX_SAMPLES) {
      kept.remove(0);
    }
    kept.addArray().add(nowMillis).add(Math.max(0, lagSeconds)).add(Math.max(0, backlogBytes));
    if (stored.isPresent()) {
      c.update(RESOURCE, sourceServerId, doc.toString());
    } else {
      c.insert(RESOURCE, sourceServerId, doc.toString());
    }
  }

  /**
   * The last hour's samples, oldest first: {@code {sourceServerID, sampleIntervalSeconds, samples:
   * [{dateTime, epochMillis, lagSeconds, backlogBytes}]}}.
   */
  static ObjectNode read(StoreTransaction c, String sourceServerId, long nowMillis)
      throws StoreException {
    ObjectNode out =
        JSON.createObjectNode()
            .put("sourceServerID", sourceServerId)
            .put("sampleIntervalSeconds", SAMPLE_INTERVAL_MILLIS / 1000)
            .put("windowSeconds", WINDOW_MILLIS / 1000);
    ArrayNode list = out.putArray("samples");
    for (JsonNode s : samples(c.body(RESOURCE, sourceServerId).orElse(null))) {
      long t = s.path(0).asLong();
      if (t >= nowMillis - WINDOW_MILLIS && list.size() < MAX_SAMPLES) {
        list.addObject()
            .put("dateTime", DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(t)))
            .put("epochMillis", t)
            .put("lagSeconds", s.path(1).asLong())
            .put("backlogBytes", s.path(2).asLong());
      }
    }
    return out;
  }

  /** Forgets a deleted server's history. */
  static void delete(StoreTransaction c, String sourceServerId) throws StoreException {
    c.delete(RESOURCE, sourceServerId);
  }

  private static ArrayNode samples(String body) {
    if (body == null) {
      return JSON.createArrayNode();
    }
    JsonNode doc = Json.parse(body);
    return doc.path("version").asInt() == VERSION && doc.path("samples").isArray()
        ? (ArrayNode) doc.get("samples")
        : JSON.createArrayNode();
  }
}
