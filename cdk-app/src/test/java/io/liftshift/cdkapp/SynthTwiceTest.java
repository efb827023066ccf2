package io.liftshift.cdkapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One build, synthesized twice into two directories, gives the same templates and asset manifests:
 * nothing of the synth itself (a clock, a temporary path, a map's order) reaches CloudFormation.
 * That two builds of one commit give the same jars and assets is scripts/check-reproducible's job
 * (two full builds, outside the suite).
 */
class SynthTwiceTest {
  @TempDir Path out;

  private Path synth(String name, Path jar) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("sourceCidrs", "192.0.2.0/24");
    c.put("liftshiftJar", jar.toString());
    c.put("launch", "test");
    c.put("sourceServers", AppTest.SERVER);
    Path dir = out.resolve(name);
    LiftshiftApp.create(dir, c).synth();
    return dir;
  }

  /** The deployed parts of a cloud assembly: templates and asset manifests, by name. */
  private static Map<String, String> deployed(Path assembly) throws Exception {
    Map<String, String> files = new LinkedHashMap<>();
    List<Path> paths = new ArrayList<>();
    try (Stream<Path> s = Files.list(assembly)) {
      s.filter(
              p -> p.toString().endsWith(".template.json") || p.toString().endsWith(".assets.json"))
          .sorted()
          .forEach(paths::add);
    }
    for (Path p : paths) {
      files.put(p.getFileName().toString(), Files.readString(p));
    }
    return files;
  }

  @Test
  void twoSynthsOfOneBuildGiveTheSameTemplatesAndAssets() throws Exception {
    Path jar = Files.writeString(out.resolve("liftshift.jar"), "fixture");
    Map<String, String> first = deployed(synth("first", jar));
    Map<String, String> second = deployed(synth("second", jar));
    assertThat(first.keySet()).contains("LiftshiftStaging.template.json");
    assertThat(second).isEqualTo(first);
  }
}
