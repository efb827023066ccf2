package io.liftshift.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one Jackson configuration of liftshift: every module reads and writes JSON with {@link
 * #MAPPER}, so the private API's records, the control plane's stored documents and the command
 * line's output agree on one set of settings. Jackson's defaults, deliberately: the wire and the
 * store were written with them, and a setting changed here changes every one of them.
 */
public final class ContractJson {
  /** Thread-safe once built; never reconfigure it (build a reader or writer from it instead). */
  public static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private ContractJson() {}

  /** A body as the wire carries it. */
  public static String write(Object body) {
    try {
      return MAPPER.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      // Records of this package and Jackson trees always serialize.
      throw new IllegalArgumentException("not serializable as JSON: " + body.getClass(), e);
    }
  }

  /** A body read from the wire. */
  public static <T> T read(String json, Class<T> type) throws JsonProcessingException {
    return MAPPER.readValue(json, type);
  }
}
