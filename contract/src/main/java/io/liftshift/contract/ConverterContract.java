package io.liftshift.contract;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What a conversion server says to the control plane and hears back (docs/launch.md, "Conversion"):
 * with the one-job token it was started with, it fetches its {@link Job} and posts its {@link
 * Report}.
 */
public final class ConverterContract {
  /** Job token, body {@code {}}: answers {@link Job}, or 409 once reported. */
  public static final String JOB = "/converter/v1/job";

  /** Job token: {@link Report}, answers {@link Accepted}. */
  public static final String REPORT = "/converter/v1/report";

  private ConverterContract() {}

  /**
   * @param volumes the launch's copies of the source's disks, in the source's disk order
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Job(
      String jobID,
      String sourceServerID,
      List<Volume> volumes,
      List<PostLaunchAction> postLaunchActions) {}

  /**
   * One volume: an image file ({@code path}, local cloud) or an EBS volume attached to the
   * conversion server ({@code volumeId}, whose NVMe device is named by it); never both.
   *
   * @param sourceDeviceName the source's name for the disk (from the agent), "" when unknown
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Volume(String path, String volumeId, String sourceDeviceName) {}

  /** A post-launch action the converted guest runs at first boot. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record PostLaunchAction(String id, String name, String script, Integer timeoutSeconds) {}

  /**
   * @param plan the conversion plan (the converter's ConversionPlan as JSON)
   * @param report the conversion report, required
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Report(String jobID, JsonNode plan, JsonNode report) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Accepted(boolean accepted) {}
}
