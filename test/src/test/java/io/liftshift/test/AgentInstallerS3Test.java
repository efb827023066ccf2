package io.liftshift.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liftshift.cli.Liftshift;
import io.liftshift.controlplane.ControlPlane;
import io.liftshift.controlplane.downloads.AgentDownloads;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installer fetching from the CDK's software bucket: the installer script and the bundle come
 * from a real S3 endpoint on loopback (S3Proxy over HTTPS, {@link S3Server}) at the keys {@code
 * SoftwareBucket} publishes, while the version and the bundle's SHA-256 still come from the
 * fingerprint-pinned control plane. The control plane's own copy of the bundle is corrupted here,
 * so an install that succeeds can only have taken its bytes from S3.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentInstallerS3Test {
  static final String BUCKET = "liftshift-software";
  static final String PREFIX = "software/agent/v1";

  @TempDir static Path dir;
  static ControlPlane cp;
  static S3Server s3;
  static Path root;
  static Path disk;
  static String bundle;

  @BeforeAll
  static void controlPlaneAndBucket() throws Exception {
    Path dist = AgentInstallerTest.DIST;
    assumeTrue(
        Files.isRegularFile(dist.resolve(AgentDownloads.INSTALLER_FILE)),
        "no agent bundle in " + dist + ": build the agent-bundle module first");
    assumeTrue(new ProcessBuilder("sh", "-c", "command -v curl").start().waitFor() == 0, "no curl");
    s3 = S3Server.start(dir.resolve("s3"));
    s3.createBucket(BUCKET);
    Path served = Files.createDirectories(dir.resolve("served"));
    try (var files = Files.list(dist)) {
      for (Path p : files.toList()) {
        String name = p.getFileName().toString();
        s3.put(BUCKET, PREFIX + "/bundle/" + name, p);
        if (name.endsWith(".tar.gz")) {
          bundle = name;
          // The control plane vouches for the real checksum but holds corrupt bytes.
          Files.write(served.resolve(name), new byte[] {1, 2, 3});
        } else {
          Files.copy(p, served.resolve(name));
        }
      }
    }
    System.setProperty(AgentDownloads.BUNDLE_DIR_PROPERTY, served.toString());
    cp = ControlPlane.startOnLoopback(dir);
    System.clearProperty(AgentDownloads.BUNDLE_DIR_PROPERTY);
    cp.call("InitializeService", "{}");
    root = Files.createDirectories(dir.resolve("server"));
    disk = dir.resolve("disk.img");
    Files.write(disk, new byte[1 << 20]);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cp != null) {
      cp.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  record Run(int code, String out) {}

  /**
   * The documented S3 command: installer and bundle from the bucket, trust from the control plane.
   */
  static Run install(String bundleUrl) throws Exception {
    String endpoint = "https://127.0.0.1:" + cp.port();
    String script =
        "curl -fsS "
            + s3.url(BUCKET, PREFIX + "/bundle/" + AgentDownloads.INSTALLER_FILE)
            + " | sh -s -- --endpoint "
            + endpoint
            + " --install-token '"
            + cp.createInstallToken()
            + "' --ca-fingerprint "
            + cp.caFingerprint()
            + " --devices "
            + disk
            + " --bundle-url "
            + bundleUrl
            + " --no-prompt";
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true);
    pb.environment().put("LIFTSHIFT_AGENT_ROOT", root.toString());
    // S3's certificate is checked with the system's CAs; here the loopback endpoint's is the one.
    pb.environment().put("CURL_CA_BUNDLE", s3.caPem().toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  static String bundleUrl() {
    return s3.url(BUCKET, PREFIX).toString();
  }

  @Test
  @Order(1)
  void aTamperedObjectInTheBucketInstallsNothing() throws Exception {
    Path good = AgentInstallerTest.DIST.resolve(bundle);
    byte[] bytes = Files.readAllBytes(good);
    bytes[bytes.length / 2] ^= 1;
    Path bad = Files.write(dir.resolve("tampered.tar.gz"), bytes);
    s3.put(BUCKET, PREFIX + "/bundle/" + bundle, bad);
    try {
      Run r = install(bundleUrl());
      assertThat(r.code()).as(r.out()).isNotZero();
      assertThat(r.out()).contains("corrupt or tampered").contains(bundleUrl());
      try (var left = Files.walk(root)) {
        assertThat(left.filter(p -> !p.equals(root)).toList()).isEmpty();
      }
    } finally {
      s3.put(BUCKET, PREFIX + "/bundle/" + bundle, good);
    }
  }

  @Test
  @Order(2)
  void aMissingObjectSaysWhereItLooked() throws Exception {
    Run r = install(s3.url(BUCKET, "software/agent/v0").toString());
    assertThat(r.code()).as(r.out()).isNotZero();
    assertThat(r.out()).contains("downloading the bundle from").contains("reaches S3");
  }

  @Test
  @Order(3)
  void installsFromTheBucketWithTheControlPlanesChecksum() throws Exception {
    Run r = install(bundleUrl());
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out())
        .contains("from " + bundleUrl() + " (checked against the control plane's SHA-256)")
        .contains("checksum verified")
        .contains("installed");
    Path opt = root.resolve("opt/liftshift-agent");
    assertThat(Files.readSymbolicLink(opt.resolve("current")).toString())
        .isEqualTo("releases/" + Liftshift.VERSION);
    assertThat(opt.resolve("current/runtime/bin/java")).isExecutable();
    // Upgrades (--upgrade, the agent's own) download from the same place.
    assertThat(root.resolve("var/lib/liftshift-agent/install.conf"))
        .content()
        .contains("bundle_url=" + bundleUrl());
  }

  @Test
  @Order(4)
  void refusesAPlainHttpBundleAddress() throws Exception {
    Run r = install("http://127.0.0.1:1/" + BUCKET + "/" + PREFIX);
    assertThat(r.code()).isNotZero();
    assertThat(r.out()).contains("--bundle-url must be an https:// address");
  }
}
