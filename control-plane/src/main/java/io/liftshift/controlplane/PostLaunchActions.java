package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.store.Resources;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MGN's post-launch actions of one launch. MGN runs them as AWS Systems Manager documents;
 * liftshift has no Systems Manager, so an action runs when its document is a script the control
 * plane can read ({@code file:///path/script.sh}): the converter installs it, and the migrated
 * server's first-boot unit runs it once and reports the outcome on the serial console. Any other
 * document is reported FAILED with that reason, never silently dropped.
 */
final class PostLaunchActions {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A script longer than this is refused (a post-launch action is glue, not a payload). */
  static final int MAX_SCRIPT_BYTES = 1 << 20;

  /** Seconds an action may run when it does not say (MGN's default). */
  static final int DEFAULT_TIMEOUT_SECONDS = 600;

  /** The first-boot unit's report of one action: {@code liftshift-post-launch: ID OUTCOME}. */
  private static final Pattern OUTCOME =
      Pattern.compile("liftshift-post-launch: (\\S+) (SUCCEEDED|FAILED|TIMED_OUT)([^\\r\\n]*)");

  /**
   * One action of a launch.
   *
   * @param id its file name on the guest and its name in the console report
   * @param script the script to run, or null when it cannot run here
   * @param notRunnable why it cannot run here, or null
   */
  record Action(
      String id,
      String actionName,
      String documentIdentifier,
      int timeoutSeconds,
      boolean mustSucceedForCutover,
      String script,
      String notRunnable) {}

  private PostLaunchActions() {}

  /**
   * The actions a launch runs: the server's own (PutSourceServerAction, active ones, by order),
   * then the launch configuration's SSM documents, as its {@code deployment} allows for a test or a
   * cutover.
   */
  static List<Action> forLaunch(Connection c, String serverId, JsonNode launchConfig, boolean test)
      throws SQLException {
    JsonNode settings = launchConfig.path("postLaunchActions");
    String deployment = settings.path("deployment").asText("TEST_AND_CUTOVER");
    if (deployment.equals(test ? "CUTOVER_ONLY" : "TEST_ONLY")) {
      return List.of();
    }
    List<JsonNode> own = new ArrayList<>();
    Resources.get(c, "source-server-actions", serverId)
        .map(AgentApi::parse)
        .ifPresent(all -> all.forEach(own::add));
    own.sort(Comparator.comparingInt(a -> a.path("order").asInt()));
    List<Action> out = new ArrayList<>();
    for (JsonNode a : own) {
      if (a.path("active").asBoolean(true)) {
        out.add(
            action(
                out.size(),
                a.path("actionName").asText(a.path("actionID").asText()),
                a.path("documentIdentifier").asText(),
                a.path("timeoutSeconds").asInt(DEFAULT_TIMEOUT_SECONDS),
                a.path("mustSucceedForCutover").asBoolean(false)));
      }
    }
    for (JsonNode d : settings.path("ssmDocuments")) {
      out.add(
          action(
              out.size(),
              d.path("actionName").asText(),
              d.path("ssmDocumentName").asText(),
              d.path("timeoutSeconds").asInt(DEFAULT_TIMEOUT_SECONDS),
              d.path("mustSucceedForCutover").asBoolean(false)));
    }
    return out;
  }

  private static Action action(
      int index, String name, String document, int timeoutSeconds, boolean mustSucceed) {
    String id = String.format("%02d-%s", index + 1, name.replaceAll("[^A-Za-z0-9._-]", "_"));
    String script = null;
    String notRunnable = null;
    if (!document.startsWith("file:")) {
      notRunnable =
          "'"
              + document
              + "' is an AWS Systems Manager document, and liftshift has no Systems Manager: give"
              + " the action as a script the control plane can read (file:///path/script.sh),"
              + " which the migrated server runs at its first boot";
    } else {
      try {
        Path path = Path.of(URI.create(document));
        if (Files.size(path) > MAX_SCRIPT_BYTES) {
          throw new IOException("larger than " + MAX_SCRIPT_BYTES + " bytes");
        }
        script = Files.readString(path, StandardCharsets.UTF_8);
      } catch (IOException | IllegalArgumentException e) {
        notRunnable = "cannot read the script " + document + ": " + e;
      }
    }
    return new Action(id, name, document, timeoutSeconds, mustSucceed, script, notRunnable);
  }

  /** What the conversion server installs: the runnable actions. */
  static ArrayNode forConversion(List<Action> actions) {
    ArrayNode out = JSON.createArrayNode();
    for (Action a : actions) {
      if (a.script() != null) {
        out.addObject()
            .put("id", a.id())
            .put("name", a.actionName())
            .put("script", a.script())
            .put("timeoutSeconds", a.timeoutSeconds());
      }
    }
    return out;
  }

  /** What the first-boot unit reported so far, by action id: the outcome and its details. */
  static Map<String, String[]> reported(String console) {
    Map<String, String[]> out = new LinkedHashMap<>();
    Matcher m = OUTCOME.matcher(console);
    while (m.find()) {
      out.put(m.group(1), new String[] {m.group(2), m.group(3).strip()});
    }
    return out;
  }

  /**
   * MGN's PostLaunchActionsStatus for the job's participating server.
   *
   * @param reported the console's reports ({@link #reported})
   * @param finalWhy why an action without a report will not get one, or null while waiting
   */
  static ObjectNode status(
      List<Action> actions,
      Map<String, String[]> reported,
      String discoveredAt,
      String executionPrefix,
      String finalWhy) {
    ObjectNode s = JSON.createObjectNode();
    if (discoveredAt != null) {
      s.put("ssmAgentDiscoveryDatetime", discoveredAt);
    }
    ArrayNode list = s.putArray("postLaunchActionsLaunchStatusList");
    for (Action a : actions) {
      ObjectNode e = list.addObject();
      ObjectNode doc = e.putObject("ssmDocument");
      doc.put("actionName", a.actionName())
          .put("ssmDocumentName", a.documentIdentifier())
          .put("timeoutSeconds", a.timeoutSeconds())
          .put("mustSucceedForCutover", a.mustSucceedForCutover());
      e.put("ssmDocumentType", "COMMAND").put("executionID", executionPrefix + ":" + a.id());
      String[] r = reported.get(a.id());
      if (a.notRunnable() != null) {
        e.put("executionStatus", "FAILED").put("failureReason", a.notRunnable());
      } else if (r != null && r[0].equals("SUCCEEDED")) {
        e.put("executionStatus", "SUCCESS");
      } else if (r != null) {
        e.put("executionStatus", "FAILED")
            .put(
                "failureReason",
                (r[0].equals("TIMED_OUT")
                        ? "did not finish within " + a.timeoutSeconds() + " s"
                        : "the script failed")
                    + (r[1].isEmpty() ? "" : " (" + r[1] + ")")
                    + "; its output is in /var/log/liftshift-post-launch.log on the instance");
      } else if (finalWhy != null) {
        e.put("executionStatus", "FAILED").put("failureReason", finalWhy);
      } else {
        e.put("executionStatus", "IN_PROGRESS");
      }
    }
    return s;
  }

  /** Whether every runnable action has reported. */
  static boolean allReported(List<Action> actions, Map<String, String[]> reported) {
    return actions.stream().allMatch(a -> a.script() == null || reported.containsKey(a.id()));
  }

  /** The first must-succeed action that failed, described, or null. */
  static String blockingFailure(ObjectNode status) {
    for (JsonNode e : status.path("postLaunchActionsLaunchStatusList")) {
      if (e.path("ssmDocument").path("mustSucceedForCutover").asBoolean()
          && e.path("executionStatus").asText().equals("FAILED")) {
        return "post-launch action '"
            + e.path("ssmDocument").path("actionName").asText()
            + "' must succeed for cutover and failed: "
            + e.path("failureReason").asText();
      }
    }
    return null;
  }
}
