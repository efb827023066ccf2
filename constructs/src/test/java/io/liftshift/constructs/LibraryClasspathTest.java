package io.liftshift.constructs;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.constructs.launch.handler.LaunchHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What a user of the construct library gets: the handler and the AWS SDK stay in the Lambda asset,
 * and the asset holds what the handler needs to run.
 */
class LibraryClasspathTest {
  @Test
  void theFunctionNamesTheHandlerClassThatTheAssetHolds() {
    assertThat(MigrationLaunch.HANDLER_CLASS).isEqualTo(LaunchHandler.class.getName());
  }

  @Test
  void theAssetHoldsTheHandlerTrustAndSdkButNoCdk() throws Exception {
    Path asset =
        Path.of(
            MigrationLaunch.class.getResource("/io/liftshift/constructs/launch/lambda").toURI());
    assertThat(asset.resolve("io/liftshift/constructs/launch/handler/LaunchHandler.class"))
        .exists();
    assertThat(asset.resolve("io/liftshift/trust")).isDirectory();
    List<String> jars;
    try (Stream<Path> lib = Files.list(asset.resolve("lib"))) {
      jars = lib.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(jars)
        .anyMatch(j -> j.startsWith("mgn-"))
        .anyMatch(j -> j.startsWith("cloudformation-"))
        .anyMatch(j -> j.startsWith("bcpkix-"))
        .noneMatch(j -> j.startsWith("aws-cdk-lib") || j.startsWith("constructs-"))
        .noneMatch(j -> j.startsWith("jsii-runtime") || j.startsWith("liftshift-"));
  }
}
