package io.liftshift.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.cloud.Images.BootMode;
import org.junit.jupiter.api.Test;

/**
 * Launch settings: the image's boot mode (launch configuration, agent, converter) and the launch
 * template with its version.
 */
class LaunchSettingsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static BootMode mode(String config, String server, String guest) throws Exception {
    return LaunchSettings.bootMode(
        JSON.readTree(config), JSON.readTree(server), JSON.readTree(guest));
  }

  @Test
  void theLaunchConfigurationsModeWins() throws Exception {
    JsonNode uefiSource = JSON.readTree("{\"_private\":{\"sourceFirmware\":\"UEFI\"}}");
    assertThat(mode("{\"bootMode\":\"LEGACY_BIOS\"}", uefiSource.toString(), "{}"))
        .isEqualTo(BootMode.LEGACY_BIOS);
    assertThat(mode("{\"bootMode\":\"UEFI\"}", "{}", "{}")).isEqualTo(BootMode.UEFI);
  }

  @Test
  void useSourceFollowsHowTheAgentSawTheSourceBoot() throws Exception {
    String bothOnDisk = "{\"bootModes\":[\"LEGACY_BIOS\",\"UEFI\"]}";
    assertThat(
            mode(
                "{\"bootMode\":\"USE_SOURCE\"}",
                "{\"_private\":{\"sourceFirmware\":\"UEFI\"}}",
                bothOnDisk))
        .isEqualTo(BootMode.UEFI);
    assertThat(mode("{}", "{\"_private\":{\"sourceFirmware\":\"BIOS\"}}", bothOnDisk))
        .isEqualTo(BootMode.LEGACY_BIOS);
  }

  @Test
  void withoutTheAgentsWordTheDiskDecides() throws Exception {
    assertThat(mode("{}", "{}", "{\"bootModes\":[\"UEFI\"]}")).isEqualTo(BootMode.UEFI);
    assertThat(mode("{}", "{}", "{\"bootModes\":[\"LEGACY_BIOS\",\"UEFI\"]}"))
        .isEqualTo(BootMode.LEGACY_BIOS);
    assertThat(mode("{}", "{}", "{}")).isEqualTo(BootMode.LEGACY_BIOS);
  }

  @Test
  void theCdksTagNamesTheTemplateVersionItDeployed() throws Exception {
    JsonNode config = JSON.readTree("{\"ec2LaunchTemplateID\":\"lt-0aaaaaaaaaaaaaaaa\"}");
    assertThat(
            LaunchSettings.launchTemplate(
                JSON.readTree(
                    "{\"tags\":{\"liftshift:launch-template\":\"lt-0bbbbbbbbbbbbbbbb:4\"}}"),
                config))
        .containsExactly("lt-0bbbbbbbbbbbbbbbb", "4");
    assertThat(LaunchSettings.launchTemplate(JSON.readTree("{}"), config))
        .containsExactly("lt-0aaaaaaaaaaaaaaaa", "$Default");
    assertThat(LaunchSettings.launchTemplate(JSON.readTree("{}"), JSON.readTree("{}"))).isNull();
  }
}
