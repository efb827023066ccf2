package io.liftshift.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liftshift.cloud.Images;
import io.liftshift.cloud.InstanceType;
import io.liftshift.controlplane.api.ApiException;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.StoreException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a launch takes from the server's launch settings: its launch configuration, the EC2 launch
 * template, the instance type, the image's boot mode, the hostname and the post-launch actions.
 */
final class LaunchSettings {
  private final ControlPlaneStore db;
  private final ServerConfigurations configurations;
  private final Path postLaunchScriptsDir;

  LaunchSettings(
      ControlPlaneStore db, ServerConfigurations configurations, Path postLaunchScriptsDir) {
    this.db = db;
    this.configurations = configurations;
    this.postLaunchScriptsDir = postLaunchScriptsDir;
  }

  /** The post-launch actions a launch of the server runs, their scripts read. */
  List<PostLaunchActions.Action> actions(String serverId, JsonNode launchConfig, boolean test)
      throws StoreException {
    return PostLaunchActions.resolve(
        db.transaction(c -> PostLaunchActions.declared(c, serverId, launchConfig, test)),
        postLaunchScriptsDir);
  }

  /**
   * The image's boot mode: the launch configuration's, or with USE_SOURCE (the default) how the
   * source booted as its agent saw it, else what the converter found on the disk (legacy BIOS when
   * it can, as every x86 instance type boots that).
   */
  static Images.BootMode bootMode(JsonNode launchConfig, JsonNode server, JsonNode guest) {
    String wanted = launchConfig.path("bootMode").asText("USE_SOURCE");
    String firmware = server.path("_private").path("sourceFirmware").asText("");
    if (!wanted.equals("USE_SOURCE") || !firmware.isEmpty()) {
      String mode = wanted.equals("USE_SOURCE") ? firmware : wanted;
      return mode.equals("UEFI") ? Images.BootMode.UEFI : Images.BootMode.LEGACY_BIOS;
    }
    List<String> onDisk = new ArrayList<>();
    guest.path("bootModes").forEach(m -> onDisk.add(m.asText()));
    return onDisk.contains("UEFI") && !onDisk.contains("LEGACY_BIOS")
        ? Images.BootMode.UEFI
        : Images.BootMode.LEGACY_BIOS;
  }

  /**
   * The EC2 launch template and its version: the one the CDK's SourceServerLaunchSettings made for
   * the server (its tag {@code liftshift:launch-template}, {@code lt-…:VERSION}: CloudFormation
   * never moves a template's default version, so the CDK names the version it deployed), else the
   * launch configuration's at its default version, as in MGN. Null when there is none.
   */
  static String[] launchTemplate(JsonNode server, JsonNode launchConfig) {
    String tagged = server.path("tags").path("liftshift:launch-template").asText("");
    if (!tagged.isEmpty()) {
      int colon = tagged.indexOf(':');
      return colon < 0
          ? new String[] {tagged, "$Default"}
          : new String[] {tagged.substring(0, colon), tagged.substring(colon + 1)};
    }
    String configured = launchConfig.path("ec2LaunchTemplateID").asText("");
    return configured.isEmpty() ? null : new String[] {configured, "$Default"};
  }

  static String hostname(ObjectNode server) {
    return server
        .path("sourceProperties")
        .path("identificationHints")
        .path("hostname")
        .asText(server.path("sourceServerID").asText());
  }

  /**
   * The instance type: right-sized from the source's CPUs and RAM (MGN's BASIC, the default), or
   * the launch template's (NONE, when there is a template to name one).
   */
  static String instanceType(ObjectNode server, JsonNode launchConfig, String launchTemplate) {
    if (launchConfig.path("targetInstanceTypeRightSizingMethod").asText("BASIC").equals("NONE")
        && launchTemplate != null) {
      return null;
    }
    JsonNode props = server.path("sourceProperties");
    int cpus = 0;
    for (JsonNode c : props.path("cpus")) {
      cpus += Math.max(1, c.path("cores").asInt(1));
    }
    return InstanceType.rightSized(Math.max(1, cpus), props.path("ramBytes").asLong(1L << 30))
        .name();
  }

  JsonNode launchConfiguration(String serverId) throws StoreException {
    return db.transaction(
        c -> {
          try {
            return configurations.launchConfiguration(c, serverId);
          } catch (ApiException e) {
            throw new StoreException(e.getMessage(), e);
          }
        });
  }
}
