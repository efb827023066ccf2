package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.liftshift.cli.Liftshift;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The liftshift command: help everywhere, and the quickstart end to end on a small disk. */
class CliTest {
  @TempDir Path dir;

  @Test
  void everyCommandHasHelp() {
    List<List<String>> commands =
        List.of(
            List.of(),
            List.of("quickstart"),
            List.of("agent"),
            List.of("agent", "install"),
            List.of("replicator"),
            List.of("control-plane"),
            List.of("admin"),
            List.of("admin", "create-access-key"),
            List.of("admin", "revoke-access-key"),
            List.of("admin", "create-install-token"),
            List.of("ca"),
            List.of("ca", "init"),
            List.of("ca", "show"),
            List.of("bench"),
            List.of("bench", "initial-sync"),
            List.of("converter"),
            List.of("launch"),
            List.of("instances"),
            List.of("instances", "list"),
            List.of("snapshots", "policy"));
    for (List<String> c : commands) {
      StringWriter out = new StringWriter();
      CommandLine cl = new CommandLine(new Liftshift());
      cl.setOut(new PrintWriter(out));
      List<String> withHelp = new java.util.ArrayList<>(c);
      withHelp.add("--help");
      String[] args = withHelp.toArray(new String[0]);
      assertThat(cl.execute(args)).as(String.join(" ", c)).isZero();
      assertThat(out.toString()).as(String.join(" ", c)).contains("Usage: liftshift");
    }
  }

  @Test
  void agentWithoutItsRequiredOptionsSaysWhatIsMissing() {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Liftshift());
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute("agent", "--replicator", "127.0.0.1:1500")).isNotZero();
    assertThat(err.toString()).contains("--ca-fingerprint").contains("--disk");
  }

  @Test
  void quickstartReplicatesAndVerifiesASampleDisk() throws Exception {
    assumeThat(
            Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4"))
                || Files.isExecutable(Path.of("/sbin/mkfs.ext4")))
        .as("mkfs.ext4 (e2fsprogs) is installed by scripts/setup")
        .isTrue();
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code =
          new CommandLine(new Liftshift())
              .execute(
                  "quickstart", "--work-dir", dir.toString(), "--size-mib", "64", "--port", "0");
    } finally {
      System.setOut(saved);
      // The quickstart leaves the migrated server running for its user; not for the suite.
      LaunchEndToEndTest.terminateAll(dir.resolve("launch"));
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    System.out.println(out);
    assertThat(code).as(out).isZero();
    // With the build's agent bundle (the reactor makes it), the agent comes from the installer.
    if (Files.isDirectory(AgentInstallerTest.DIST)) {
      assertThat(out)
          .contains("installing the agent with the installer users run")
          .contains("installer| [1/7] Authenticating the control plane")
          .contains("agent| verification: OK");
      if (out.contains("[6/8] test launch")) {
        assertThat(out).contains("uninstalled itself");
      }
    }
    if (out.contains("[6/8] test launch")) {
      assertThat(out)
          .contains("CONVERSION_END")
          .contains("firstBoot SUCCEEDED")
          .contains("CLEANUP_END")
          .contains("is CUTOVER")
          .contains("deleted the staging volume and every snapshot");
    } else {
      assertThat(out).contains("launches skipped:");
    }
    assertThat(out)
        .contains("verification: OK")
        .contains("agent installed and registered: source server s-")
        .contains("bytes replicated")
        .contains("VERIFIED: the staging volume is identical to the source disk")
        .contains("staging volume: " + dir.resolve("replicator/volumes"));
  }
}
