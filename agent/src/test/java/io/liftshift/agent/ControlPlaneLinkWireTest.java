package io.liftshift.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.contract.AgentContract;
import io.liftshift.contract.ContractJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent writes its bodies by hand and reads answers with a few patterns: both must stay what
 * the contract's records say, byte for byte, or the control plane reads something else.
 */
class ControlPlaneLinkWireTest {
  @Test
  void theRegistrationIsTheContractsRecordByteForByte(@TempDir Path dir) throws Exception {
    Path disk = Files.write(dir.resolve("disk.img"), new byte[4096]);
    String body = ControlPlaneLink.registration(List.of(disk), Map.of("env", "a \"quoted\" tag"));

    AgentContract.Registration r = ContractJson.read(body, AgentContract.Registration.class);

    assertThat(ContractJson.write(r)).isEqualTo(body);
    assertThat(r.tags()).containsEntry("env", "a \"quoted\" tag");
    assertThat(r.disks())
        .containsExactly(new AgentContract.SourceDisk(disk.toRealPath().toString(), 4096L));
    assertThat(r.firmware()).isIn("UEFI", "BIOS");
    assertThat(r.identificationHints().fqdn()).isNotNull();
  }

  @Test
  void withoutTagsTheRegistrationHasNoTagsMember(@TempDir Path dir) throws Exception {
    Path disk = Files.write(dir.resolve("disk.img"), new byte[512]);
    String body = ControlPlaneLink.registration(List.of(disk));

    assertThat(body).doesNotContain("\"tags\"");
    assertThat(ContractJson.write(ContractJson.read(body, AgentContract.Registration.class)))
        .isEqualTo(body);
  }

  @Test
  void theAgentReadsTheInstructionsTheControlPlaneWrites() {
    String answer =
        ContractJson.write(
            new AgentContract.Instructions("s-1", "PAUSED", 50, 1234567, null)
                .placedOn(new AgentContract.ReplicationServer("rs-1", "10.0.0.9", 1500)));

    ControlPlaneLink.Instructions i = ControlPlaneLink.Instructions.parse(answer);

    assertThat(i)
        .isEqualTo(new ControlPlaneLink.Instructions("10.0.0.9", 1500, "PAUSED", 50, 1234567));
    assertThat(
            ControlPlaneLink.Instructions.parse(
                    ContractJson.write(
                        new AgentContract.Instructions("s-1", "RUNNING", 0, 7, null)))
                .placed())
        .isFalse();
  }
}
