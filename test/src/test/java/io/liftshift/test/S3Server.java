package io.liftshift.test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real S3 endpoint on loopback for tests: S3Proxy (org.gaul:s3proxy, the test module copies its
 * jar to {@code target/s3proxy/}) run as a separate process over HTTPS, with the filesystem backend
 * under a test directory. Its certificate is self-signed for 127.0.0.1 by a keystore made here;
 * {@link #caPem()} is what a client trusts, as it would trust AWS's public CAs ({@code
 * CURL_CA_BUNDLE} for curl).
 *
 * <p>Anonymous by default; {@link #startSigned} makes it check AWS signatures (v2 or v4) against
 * one key pair, for tests that drive it with the AWS SDK. Objects are addressed path-style: {@code
 * https://127.0.0.1:PORT/BUCKET/KEY}.
 */
final class S3Server implements AutoCloseable {
  static final Path JAR = Path.of("target", "s3proxy", "s3proxy.jar").toAbsolutePath();
  private static final String STORE_PASSWORD = "liftshift-test";

  private final Process process;
  private final URI endpoint;
  private final Path caPem;
  private final Path log;
  private final HttpClient http;

  private S3Server(Process process, URI endpoint, Path caPem, Path log, HttpClient http) {
    this.process = process;
    this.endpoint = endpoint;
    this.caPem = caPem;
    this.log = log;
    this.http = http;
  }

  /** Starts an anonymous S3 endpoint keeping its objects and files under {@code dir}. */
  static S3Server start(Path dir) throws Exception {
    return start(dir, "authorization=none\n");
  }

  /** Starts an S3 endpoint that accepts requests signed with this key pair only. */
  static S3Server startSigned(Path dir, String accessKeyId, String secretKey) throws Exception {
    return start(
        dir,
        "authorization=aws-v2-or-v4\n"
            + "s3proxy.identity="
            + accessKeyId
            + "\ns3proxy.credential="
            + secretKey
            + "\n");
  }

  private static S3Server start(Path dir, String auth) throws Exception {
    assumeTrue(
        Files.isRegularFile(JAR), "no S3Proxy jar at " + JAR + ": the test module copies it");
    Files.createDirectories(dir);
    Path data = Files.createDirectories(dir.resolve("objects"));
    Path keystore = dir.resolve("s3proxy.p12");
    Path caPem = dir.resolve("s3proxy-ca.pem");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    run(
        List.of(
            keytool.toString(),
            "-genkeypair",
            "-alias",
            "s3",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-dname",
            "CN=127.0.0.1",
            "-ext",
            "san=ip:127.0.0.1",
            "-validity",
            "2",
            "-storetype",
            "PKCS12",
            "-keystore",
            keystore.toString(),
            "-storepass",
            STORE_PASSWORD,
            "-keypass",
            STORE_PASSWORD),
        dir);
    String pem =
        run(
            List.of(
                keytool.toString(),
                "-exportcert",
                "-rfc",
                "-alias",
                "s3",
                "-keystore",
                keystore.toString(),
                "-storepass",
                STORE_PASSWORD),
            dir);
    Files.writeString(caPem, pem, StandardCharsets.US_ASCII);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    URI endpoint = URI.create("https://127.0.0.1:" + port);
    Path props = dir.resolve("s3proxy.properties");
    Files.writeString(
        props,
        "s3proxy."
            + auth
            + "s3proxy.secure-endpoint="
            + endpoint
            + "\ns3proxy.keystore-path="
            + keystore
            + "\ns3proxy.keystore-password="
            + STORE_PASSWORD
            + "\njclouds.provider=filesystem\njclouds.filesystem.basedir="
            + data
            + "\n");
    Path log = dir.resolve("s3proxy.log");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-jar",
                JAR.toString(),
                "--properties",
                props.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    HttpClient http =
        HttpClient.newBuilder()
            .sslContext(trusting(caPem))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    S3Server server = new S3Server(p, endpoint, caPem, log, http);
    server.awaitReady();
    return server;
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (true) {
      if (!process.isAlive()) {
        throw new IOException("S3Proxy exited: " + Files.readString(log));
      }
      try {
        http.send(
            HttpRequest.newBuilder(endpoint.resolve("/")).GET().build(),
            HttpResponse.BodyHandlers.discarding());
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          close();
          throw new IOException("S3Proxy did not answer in 90 s: " + Files.readString(log), e);
        }
        Thread.sleep(250);
      }
    }
  }

  private static String run(List<String> cmd, Path dir) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }

  private static SSLContext trusting(Path pem) throws Exception {
    X509Certificate cert;
    try (InputStream in = Files.newInputStream(pem)) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("s3proxy", cert);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /** {@code https://127.0.0.1:PORT}, the S3 endpoint (path-style addressing). */
  URI endpoint() {
    return endpoint;
  }

  /** The PEM certificate clients trust this endpoint by. */
  Path caPem() {
    return caPem;
  }

  /** An object's path-style URL. */
  URI url(String bucket, String key) {
    return endpoint.resolve("/" + bucket + "/" + key);
  }

  /** Creates a bucket (anonymous mode). */
  void createBucket(String bucket) throws IOException, InterruptedException {
    send(HttpRequest.newBuilder(endpoint.resolve("/" + bucket)).PUT(noBody()));
  }

  /** Uploads a file as an object (anonymous mode). */
  void put(String bucket, String key, Path file) throws IOException, InterruptedException {
    send(
        HttpRequest.newBuilder(url(bucket, key))
            // Not form-encoded, which the servlet container would read as parameters.
            .header("content-type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofFile(file)));
  }

  private static HttpRequest.BodyPublisher noBody() {
    return HttpRequest.BodyPublishers.noBody();
  }

  private void send(HttpRequest.Builder req) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            req.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IOException(
          "S3Proxy answered " + r.statusCode() + " to " + r.request().uri() + ": " + r.body());
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
