package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.controlplane.store.StoreException;
import io.liftshift.controlplane.store.StoreTransaction;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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
  private static final ObjectMapper JSON = Json.MAPPER;

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

  /** An action as the server's settings declare it, before its script is read. */
  record Declared(String actionName, String document, int timeoutSeconds, boolean mustSucceed) {}

  /**
   * The actions a launch runs: the server's own (PutSourceServerAction, active ones, by order),
   * then the launch configuration's SSM documents, as its {@code deployment} allows for a test or a
   * cutover.
   */
  static List<Declared> declared(
      StoreTransaction c, String serverId, JsonNode launchConfig, boolean test)
      throws StoreException {
    JsonNode settings = launchConfig.path("postLaunchActions");
    String deployment = settings.path("deployment").asText("TEST_AND_CUTOVER");
    if (deployment.equals(test ? "CUTOVER_ONLY" : "TEST_ONLY")) {
      return List.of();
    }
    List<JsonNode> own = new ArrayList<>();
    c.body("source-server-actions", serverId)
        .map(Json::parse)
        .ifPresent(all -> all.forEach(own::add));
    own.sort(Comparator.comparingInt(a -> a.path("order").asInt()));
    List<Declared> out = new ArrayList<>();
    for (JsonNode a : own) {
      if (a.path("active").asBoolean(true)) {
        out.add(
            new Declared(
                a.path("actionName").asText(a.path("actionID").asText()),
                a.path("documentIdentifier").asText(),
                a.path("timeoutSeconds").asInt(DEFAULT_TIMEOUT_SECONDS),
                a.path("mustSucceedForCutover").asBoolean(false)));
      }
    }
    for (JsonNode d : settings.path("ssmDocuments")) {
      out.add(
          new Declared(
              d.path("actionName").asText(),
              d.path("ssmDocumentName").asText(),
              d.path("timeoutSeconds").asInt(DEFAULT_TIMEOUT_SECONDS),
              d.path("mustSucceedForCutover").asBoolean(false)));
    }
    return out;
  }

  /** Reads each action's script (outside any transaction: files may be slow or missing). */
  static List<Action> resolve(List<Declared> declared, Path scriptsDir) {
    List<Action> out = new ArrayList<>();
    for (Declared d : declared) {
      String name = d.actionName();
      String id =
          String.format(
              "%02d-%s",
              out.size() + 1,
              name.replaceAll("[^A-Za-z0-9._-]", "_")
                  .substring(0, Math.min(name.length(), MAX_ID_NAME_CHARS)));
      String script = null;
      String notRunnable = null;
      try {
        script = readScript(d.document(), scriptsDir);
      } catch (IOException e) {
        notRunnable = e.getMessage();
      }
      out.add(
          new Action(
              id, name, d.document(), d.timeoutSeconds(), d.mustSucceed(), script, notRunnable));
    }
    return out;
  }

  /** The part of an action's name in its id on the guest (the console line names it). */
  static final int MAX_ID_NAME_CHARS = 40;

  /**
   * Why {@code document} cannot be a liftshift post-launch script, or null when it can (it may
   * still be missing until the launch): a {@code file:} URI must name a file in {@code scriptsDir}.
   * SSM document names are accepted and reported at launch.
   */
  static String refusal(String document, Path scriptsDir) {
    if (!document.startsWith("file:")) {
      return null;
    }
    try {
      Path path = Path.of(URI.create(document)).normalize();
      if (!path.startsWith(scriptsDir.toAbsolutePath().normalize())) {
        return "documentIdentifier "
            + document
            + " is outside the control plane's post-launch scripts directory; put the script in "
            + scriptsDir.toAbsolutePath().normalize()
            + " and name it there";
      }
      return null;
    } catch (IllegalArgumentException e) {
      return "documentIdentifier " + document + " is not a file URI (file:///path/script.sh)";
    }
  }

  private static String readScript(String document, Path scriptsDir) throws IOException {
    if (!document.startsWith("file:")) {
      throw new IOException(
          "'"
              + document
              + "' is an AWS Systems Manager document, and liftshift has no Systems Manager: give"
              + " the action as a script in the control plane's post-launch scripts directory"
              + " (file:///…/post-launch-scripts/script.sh), which the migrated server runs at"
              + " its first boot");
    }
    String refused = refusal(document, scriptsDir);
    if (refused != null) {
      throw new IOException(refused);
    }
    Path path = Path.of(URI.create(document)).normalize();
    // A symlink, FIFO or device is refused: only a plain file whose real place is in the directory.
    if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
        || !path.toRealPath().startsWith(scriptsDir.toRealPath())) {
      throw new IOException("cannot read the script " + document + ": no such regular file");
    }
    try (InputStream in = Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS)) {
      byte[] bytes = in.readNBytes(MAX_SCRIPT_BYTES + 1);
      if (bytes.length > MAX_SCRIPT_BYTES) {
        throw new IOException(
            "the script " + document + " is larger than " + MAX_SCRIPT_BYTES + " bytes");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
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
      e.put("ssmDocumentType", "COMMAND")
          .put("executionID", bounded(executionPrefix + ":" + a.id()));
      String[] r = reported.get(a.id());
      String failure = null;
      if (a.notRunnable() != null) {
        failure = a.notRunnable();
      } else if (r != null && r[0].equals("SUCCEEDED")) {
        e.put("executionStatus", "SUCCESS");
      } else if (r != null) {
        failure =
            (r[0].equals("TIMED_OUT")
                    ? "did not finish within " + a.timeoutSeconds() + " s"
                    : "the script failed")
                + (r[1].isEmpty() ? "" : " (" + r[1] + ")")
                + "; its output is in /var/log/liftshift-post-launch.log on the instance";
      } else if (finalWhy != null) {
        failure = finalWhy;
      } else {
        e.put("executionStatus", "IN_PROGRESS");
      }
      if (failure != null) {
        e.put("executionStatus", "FAILED").put("failureReason", bounded(failure));
      }
    }
    return s;
  }

  /** MGN's BoundedString holds at most 256 characters. */
  private static String bounded(String s) {
    return s.length() <= 256 ? s : s.substring(0, 255) + "…";
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
