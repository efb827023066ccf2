package io.liftshift.cdkapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cdk synth} of the whole app by the pinned aws-cdk CLI, as a user runs it from the
 * repository root; the templates must not depend on the account, the region or this machine.
 */
class CdkCliSynthTest {
  private static final Pattern ACCOUNT_ID =
      Pattern.compile("(?<![0-9A-Za-z])[0-9]{12}(?![0-9A-Za-z])");
  private static final Pattern REGION =
      Pattern.compile(
          "\\b(us|eu|ap|ca|sa|me|af|il|mx)-(east|west|north|south|central|northeast|southeast)-[0-9]\\b");

  @TempDir Path out;

  @Test
  void synthesizesBothStacksWithNothingAccountOrMachineSpecific() throws Exception {
    Path root = Path.of("..").toAbsolutePath().normalize();
    assertThat(root.resolve("cdk.json")).as("cdk.json at the repository root").exists();
    Path cdk = root.resolve("node_modules/.bin/cdk");
    assertThat(cdk).as("the pinned CDK CLI: run scripts/setup (npm ci)").exists();
    Path jar = Files.writeString(out.resolve("liftshift.jar"), "fixture");
    Path cloudAssembly = out.resolve("cdk.out");

    List<String> command =
        new ArrayList<>(
            List.of(
                cdk.toString(),
                "synth",
                "--ci",
                "--no-notices",
                "--no-version-reporting",
                "--quiet",
                "--output",
                cloudAssembly.toString(),
                "-c",
                "sourceCidrs=192.0.2.0/24",
                "-c",
                "liftshiftJar=" + jar,
                "-c",
                "launch=test",
                "-c",
                "sourceServers=s-0123456789abcdef0"));
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
    pb.redirectOutput(out.resolve("cdk.log").toFile());
    // No telemetry, no version check: the suite contacts nothing but loopback.
    pb.environment().put("CDK_DISABLE_CLI_TELEMETRY", "true");
    pb.environment().put("CDK_DISABLE_VERSION_CHECK", "true");
    pb.environment().put("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1");
    pb.environment().remove("CDK_DEFAULT_ACCOUNT");
    pb.environment().remove("CDK_DEFAULT_REGION");
    pb.environment().remove("AWS_REGION");
    pb.environment().remove("AWS_DEFAULT_REGION");
    Process p = pb.start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("cdk synth finished within 5 minutes").isTrue();
    String log = Files.readString(out.resolve("cdk.log"));
    assertThat(p.exitValue()).as(log).isZero();

    List<String> forbidden =
        new ArrayList<>(
            List.of(
                root.toString(),
                out.toString(),
                System.getProperty("user.home"),
                System.getProperty("java.io.tmpdir"),
                System.getProperty("user.name") + "/"));
    String host = InetAddress.getLocalHost().getHostName();
    if (host.length() > 3) {
      forbidden.add(host);
    }
    for (String stack : List.of("LiftshiftStaging", "LiftshiftLaunches")) {
      Path template = cloudAssembly.resolve(stack + ".template.json");
      assertThat(template).exists();
      String text = Files.readString(template);
      for (String f : forbidden) {
        assertThat(text).as(stack).doesNotContain(f);
      }
      assertThat(ACCOUNT_ID.matcher(text).find()).as(stack + " holds an account id").isFalse();
      assertThat(REGION.matcher(text).find()).as(stack + " names a region").isFalse();
    }
    assertThat(Files.readString(cloudAssembly.resolve("LiftshiftLaunches.template.json")))
        .contains("Custom::LiftshiftLaunch")
        .contains("\"Launch\": \"test\"");
  }
}
