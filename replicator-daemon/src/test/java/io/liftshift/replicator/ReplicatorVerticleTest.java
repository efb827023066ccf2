package io.liftshift.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.cloud.local.LocalStagingVolumes;
import io.liftshift.trust.InstallationCa;
import io.liftshift.trust.ServerIdentity;
import io.liftshift.trust.ServerRole;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class ReplicatorVerticleTest {
  @TempDir Path dir;

  private ReplicatorVerticle verticle(ReplicatorOptions o) throws Exception {
    ServerIdentity id =
        InstallationCa.loadOrCreate(dir.resolve("ca"))
            .ensureServerIdentity(dir.resolve("tls"), ServerRole.REPLICATOR, List.of("127.0.0.1"));
    ReplicatorStats stats = new ReplicatorStats();
    StagingRegistry registry =
        new StagingRegistry(
            new LocalStagingVolumes(dir.resolve("volumes")),
            dir.resolve("checkpoints"),
            Executors.newSingleThreadExecutor(),
            o,
            stats);
    return new ReplicatorVerticle(
        o, id, registry, stats, new AgentAdmission(o.agentTokens()), null, new PreAuthLimits(o));
  }

  private ReplicatorOptions options(int port) {
    return new ReplicatorOptions()
        .host("127.0.0.1")
        .port(port)
        .dataDir(dir)
        .caDir(dir.resolve("ca"))
        .agentTokens(AgentTokens.of("t"));
  }

  @Test
  void listensOnAFreePort(Vertx vertx, VertxTestContext ctx) throws Exception {
    ReplicatorVerticle v = verticle(options(0));
    vertx
        .deployVerticle(v)
        .onComplete(
            ctx.succeeding(
                id ->
                    ctx.verify(
                        () -> {
                          assertThat(v.actualPort()).isPositive();
                          ctx.completeNow();
                        })));
  }

  @Test
  void aPortThatCannotBeBoundFailsTheDeployment(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      ReplicatorVerticle v = verticle(options(taken.getLocalPort()));
      vertx
          .deployVerticle(v)
          .onComplete(
              ctx.failing(
                  e ->
                      ctx.verify(
                          () -> {
                            assertThat(e).hasMessageContaining("in use");
                            ctx.completeNow();
                          })));
      assertThat(ctx.awaitCompletion(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void optionsRefuseAMissingTokenWithAClearMessage() {
    ReplicatorOptions o = new ReplicatorOptions().dataDir(dir).caDir(dir);
    org.assertj.core.api.Assertions.assertThatThrownBy(o::validate)
        .hasMessageContaining("--agent-token");
  }
}
