package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.cli.Liftshift;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every role logs through one backend, quietly by default, at levels the operator sets. */
@Timeout(60)
class LoggingBackendTest {
  @TempDir Path home;

  private record Run(int code, String stderr) {}

  private Run liftshift(String logEnv, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Liftshift.class.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("LIFTSHIFT_HOME", home.toString());
    pb.environment().put("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    pb.environment().put("AWS_SECRET_ACCESS_KEY", "secret");
    if (logEnv != null) {
      pb.environment().put("LIFTSHIFT_LOG", logEnv);
    } else {
      pb.environment().remove("LIFTSHIFT_LOG");
    }
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(50, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), err);
  }

  @Test
  void slf4jUsersReachTheJulBackend() {
    assertThat(org.slf4j.LoggerFactory.getILoggerFactory().getClass().getName()).contains("JDK14");
  }

  @Test
  void aCommandThroughTheAwsSdkAndNettyPrintsNoLoggingNoise() throws Exception {
    Files.createDirectories(home);
    // Port 1 on loopback: refused at once, so the command fails fast after loading the SDK.
    Run r =
        liftshift(
            null,
            "status",
            "--once",
            "--endpoint",
            "https://127.0.0.1:1",
            "--ca-fingerprint",
            "sha256:" + "0".repeat(64));
    assertThat(r.stderr()).doesNotContain("SLF4J").doesNotContain("log4j");
  }

  @Test
  void anUnknownLevelIsRefusedWithTheLevelsThatExist() throws Exception {
    Run r = liftshift("LOUD", "--help");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.stderr()).contains("'LOUD' is not a level").contains("WARNING");
  }

  @Test
  void theLogOptionBeforeTheCommandOverridesTheEnvironment() throws Exception {
    Run r = liftshift("WARNING", "--log=INFO,io.netty=bogus", "--help");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.stderr()).contains("'bogus' is not a level");
  }
}
