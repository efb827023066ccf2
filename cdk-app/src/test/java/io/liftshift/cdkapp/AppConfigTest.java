package io.liftshift.cdkapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;

class AppConfigTest {
  @TempDir Path dir;

  private AppConfig config(Map<String, Object> context, String json) throws Exception {
    Path file = Files.writeString(dir.resolve("liftshift.json"), json);
    App app =
        new App(AppProps.builder().outdir(dir.resolve("out").toString()).context(context).build());
    return new AppConfig(app.getNode(), file);
  }

  @Test
  void contextWinsOverTheFileWhichWinsOverTheDefault() throws Exception {
    AppConfig c =
        config(
            Map.of("launch", "cutover"),
            """
            {"launch": "test", "sourceServers": ["s-0123456789abcdef0", "s-0123456789abcdef1"],
             "maxReplicationServers": 4}
            """);
    assertThat(c.string("launch")).isEqualTo("cutover");
    assertThat(c.list("sourceServers"))
        .containsExactly("s-0123456789abcdef0", "s-0123456789abcdef1");
    assertThat(c.integer("maxReplicationServers", 10)).isEqualTo(4);
    assertThat(c.string("installation", "liftshift")).isEqualTo("liftshift");
  }

  @Test
  void commaSeparatedContextIsAList() throws Exception {
    AppConfig c = config(Map.of("sourceCidrs", "192.0.2.0/24, 198.51.100.0/24"), "{}");
    assertThat(c.list("sourceCidrs")).isEqualTo(List.of("192.0.2.0/24", "198.51.100.0/24"));
  }

  @Test
  void aNumberThatIsNoNumberIsRefused() throws Exception {
    AppConfig c = config(Map.of("maxReplicationServers", "many"), "{}");
    assertThatThrownBy(() -> c.integer("maxReplicationServers", 10))
        .hasMessageContaining("maxReplicationServers must be a whole number; got many");
  }
}
