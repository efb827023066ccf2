package io.liftshift.constructs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.assertions.Template;

/**
 * The boot scripts in user data are at least valid bash: each is rendered with its CloudFormation
 * values replaced by a placeholder and checked with {@code bash -n}. (They run for real only on
 * EC2.)
 */
class BootScriptTest {
  @TempDir static Path out;
  static Template template;

  @BeforeAll
  static void synth() {
    template = new Fixture(out).template();
  }

  @SuppressWarnings("unchecked")
  private static String render(Object userData) {
    Map<String, Object> base64 = (Map<String, Object>) userData;
    Object inner = base64.get("Fn::Base64");
    if (inner instanceof String s) {
      return s;
    }
    List<Object> join = (List<Object>) ((Map<String, Object>) inner).get("Fn::Join");
    StringBuilder b = new StringBuilder();
    for (Object part : (List<Object>) join.get(1)) {
      b.append(part instanceof String s ? s : "10.0.0.1");
    }
    return b.toString();
  }

  private static void assertValidBash(String name, String script) throws Exception {
    Path file = out.resolve(name + ".sh");
    Files.writeString(file, script);
    Process p =
        new ProcessBuilder("bash", "-n", file.toString())
            .redirectErrorStream(true)
            .redirectOutput(out.resolve(name + ".log").toFile())
            .start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue())
        .as(name + ": " + Files.readString(out.resolve(name + ".log")))
        .isZero();
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyBootScriptParses() throws Exception {
    int scripts = 0;
    int controlPlanes = 0;
    for (var e : template.findResources("AWS::EC2::LaunchTemplate").entrySet()) {
      Map<String, Object> data =
          (Map<String, Object>)
              ((Map<String, Object>) e.getValue().get("Properties")).get("LaunchTemplateData");
      if (data.get("UserData") != null) {
        String script = render(data.get("UserData"));
        assertValidBash(e.getKey(), script);
        scripts++;
        if (script.contains("liftshift control-plane --listen 0.0.0.0:443")) {
          controlPlanes++;
        }
      }
    }
    assertThat(controlPlanes).isEqualTo(1);
    assertThat(scripts).as("fleet, conversion and control plane").isEqualTo(3);
  }
}
