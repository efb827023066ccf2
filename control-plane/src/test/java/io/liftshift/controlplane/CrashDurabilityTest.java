package io.liftshift.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.trust.InstallationCa;
import io.liftshift.trust.PinnedCaTrustManager;
import io.liftshift.trust.ServerRole;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.Application;

/**
 * SIGKILL in the middle of a stream of writes: after a restart every acknowledged write is there,
 * nothing half-written is, and the database passes SQLite's integrity check.
 */
class CrashDurabilityTest {
  @TempDir Path dir;

  private record Child(Process process, int port, String keyId, String secret) {}

  private Child start() throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ControlPlaneChild.class.getName(),
                dir.resolve("cp").toString(),
                dir.resolve("ca").toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.startsWith("READY ")) {
      // skip anything printed before the service is up
    }
    assertThat(line).as("the control plane did not start").isNotNull();
    String[] f = line.split(" ");
    return new Child(p, Integer.parseInt(f[1]), f[2], f[3]);
  }

  private MgnClient client(Child c) throws Exception {
    var ca = InstallationCa.loadOrCreate(dir.resolve("ca")).fingerprint();
    return MgnClient.builder()
        .endpointOverride(URI.create("https://localhost:" + c.port()))
        .region(Region.US_EAST_1)
        .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD).apiCallTimeout(null))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(c.keyId(), c.secret())))
        .httpClient(
            ApacheHttpClient.builder()
                .tlsTrustManagersProvider(
                    () ->
                        new TrustManager[] {new PinnedCaTrustManager(ca, ServerRole.CONTROL_PLANE)})
                .build())
        .build();
  }

  @Test
  void killedMidWriteLosesNoAcknowledgedWriteAndKeepsNoPartialOne() throws Exception {
    Child first = start();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    String waveId;
    try (MgnClient mgn = client(first)) {
      mgn.initializeService(b -> {});
      waveId = mgn.createWave(b -> b.name("wave-1")).waveID();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> writers =
          List.of(1, 2).stream()
              .map(
                  n ->
                      new Thread(
                          () -> {
                            int i = 0;
                            while (!stop.get()) {
                              try {
                                String app =
                                    mgn.createApplication(
                                            b ->
                                                b.name("app-" + n + "-" + System.nanoTime())
                                                    .description("written by writer " + n))
                                        .applicationID();
                                // Two rows in one transaction: the wave and the application.
                                mgn.associateApplications(
                                    b -> b.waveID(waveId).applicationIDs(app));
                                acknowledged.add(app);
                                i++;
                              } catch (RuntimeException e) {
                                return; // the service died under us
                              }
                            }
                          }))
              .toList();
      writers.forEach(Thread::start);
      while (acknowledged.size() < 40) {
        Thread.sleep(20);
      }
      first.process().destroyForcibly(); // SIGKILL, mid-write
      first.process().waitFor(30, TimeUnit.SECONDS);
      stop.set(true);
      for (Thread t : writers) {
        t.join(30_000);
      }
    }

    try (var db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("cp/control-plane.db"));
        var st = db.createStatement();
        var rs = st.executeQuery("PRAGMA integrity_check")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("ok");
    }

    Child second = start();
    try (MgnClient mgn = client(second)) {
      List<Application> apps = mgn.listApplicationsPaginator(b -> {}).items().stream().toList();
      Set<String> ids =
          apps.stream()
              .map(Application::applicationID)
              .collect(java.util.stream.Collectors.toSet());
      assertThat(ids).containsAll(acknowledged);
      List<String> inWave =
          mgn.listApplicationsPaginator(b -> b.filters(f -> f.waveIDs(waveId))).items().stream()
              .map(Application::applicationID)
              .toList();
      // Every acknowledged association survived; the one in flight is all there or not at all.
      assertThat(inWave).containsAll(acknowledged);
      for (Application a : apps) {
        assertThat(a.name()).startsWith("app-");
        if (a.waveID() != null) {
          assertThat(a.waveID()).isEqualTo(waveId);
          assertThat(inWave).contains(a.applicationID());
        }
      }
      // And it goes on serving writes.
      mgn.createApplication(b -> b.name("after-restart"));
    } finally {
      second.process().destroyForcibly();
      second.process().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
