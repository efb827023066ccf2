package io.liftshift.constructs.launch.handler;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The custom resource's properties, checked. CloudFormation passes every property value as a string
 * (numbers too), lists as lists and maps as maps.
 *
 * @param endpoint the control plane's base URL, {@code https://HOST:PORT}
 * @param caFingerprint the installation CA's SHA-256 fingerprint, {@code sha256:HEX}
 * @param signingRegion the region the control plane checks signatures for
 * @param operatorKeySecretArn the Secrets Manager secret holding the operator's access key
 * @param launch the step to perform
 * @param sourceServerIds the servers to launch; empty when {@code waveId} is given
 * @param waveId the wave whose servers to launch, or null
 * @param launchTemplates source server id to the EC2 launch template its launch uses
 * @param timeoutSeconds how long a job may run before the deployment fails
 */
public record LaunchRequest(
    URI endpoint,
    String caFingerprint,
    String signingRegion,
    String operatorKeySecretArn,
    LaunchStep launch,
    List<String> sourceServerIds,
    String waveId,
    Map<String, String> launchTemplates,
    long timeoutSeconds) {
  private static final Pattern SOURCE_SERVER_ID = Pattern.compile("s-[0-9a-zA-Z]{17}");
  private static final Pattern WAVE_ID = Pattern.compile("wave-[0-9a-zA-Z]{17}");

  public LaunchRequest {
    sourceServerIds = List.copyOf(sourceServerIds);
    launchTemplates = Map.copyOf(launchTemplates);
  }

  /**
   * Reads and checks the resource properties of an event.
   *
   * @throws IllegalArgumentException that names the property and what to write there
   */
  public static LaunchRequest parse(Map<String, ?> properties) {
    if (properties == null) {
      throw new IllegalArgumentException("the event has no ResourceProperties");
    }
    String endpoint = required(properties, "Endpoint");
    URI uri;
    try {
      uri = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Endpoint is not a URL: " + endpoint, e);
    }
    if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "Endpoint must be the control plane's https://HOST:PORT URL; got " + endpoint);
    }
    String fingerprint = required(properties, "CaFingerprint");
    if (!fingerprint.matches("sha256:[0-9a-fA-F]{64}")) {
      throw new IllegalArgumentException(
          "CaFingerprint must be sha256: and 64 hex digits (liftshift ca show prints it); got "
              + fingerprint);
    }
    LaunchStep launch = LaunchStep.parse(required(properties, "Launch"));
    List<String> servers = stringList(properties.get("SourceServerIDs"), "SourceServerIDs");
    Object wave = properties.get("WaveID");
    String waveId = wave == null || wave.toString().isBlank() ? null : wave.toString();
    if (servers.isEmpty() == (waveId == null)) {
      throw new IllegalArgumentException(
          "give either SourceServerIDs (a list of s-... ids) or WaveID (wave-...), not both or"
              + " neither");
    }
    for (String s : servers) {
      if (!SOURCE_SERVER_ID.matcher(s).matches()) {
        throw new IllegalArgumentException(
            "SourceServerIDs holds "
                + s
                + ", which is not a source server id (s- and 17 characters)");
      }
    }
    if (waveId != null && !WAVE_ID.matcher(waveId).matches()) {
      throw new IllegalArgumentException(
          "WaveID " + waveId + " is not a wave id (wave- and 17 characters)");
    }
    Map<String, String> templates = new LinkedHashMap<>();
    Object t = properties.get("LaunchTemplates");
    if (t instanceof Map<?, ?> m) {
      m.forEach((k, v) -> templates.put(String.valueOf(k), String.valueOf(v)));
    } else if (t != null) {
      throw new IllegalArgumentException(
          "LaunchTemplates must map source server ids to launch template ids; got " + t);
    }
    long timeout;
    String timeoutText = required(properties, "TimeoutSeconds");
    try {
      timeout = Long.parseLong(timeoutText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "TimeoutSeconds must be a whole number; got " + timeoutText, e);
    }
    if (timeout <= 0) {
      throw new IllegalArgumentException("TimeoutSeconds must be positive; got " + timeout);
    }
    return new LaunchRequest(
        uri,
        fingerprint,
        required(properties, "Region"),
        required(properties, "OperatorKeySecretArn"),
        launch,
        servers,
        waveId,
        templates,
        timeout);
  }

  private static String required(Map<String, ?> properties, String name) {
    Object v = properties.get(name);
    if (v == null || v.toString().isBlank()) {
      throw new IllegalArgumentException("the resource property " + name + " is missing");
    }
    return v.toString().trim();
  }

  private static List<String> stringList(Object value, String name) {
    List<String> out = new ArrayList<>();
    if (value == null) {
      return out;
    }
    if (!(value instanceof List<?> list)) {
      throw new IllegalArgumentException(name + " must be a list; got " + value);
    }
    for (Object o : list) {
      // A CommaDelimitedList parameter left empty arrives as one empty string.
      if (o != null && !String.valueOf(o).isBlank()) {
        out.add(String.valueOf(o).trim());
      }
    }
    return out;
  }
}
