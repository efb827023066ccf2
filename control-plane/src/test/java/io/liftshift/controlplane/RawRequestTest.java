package io.liftshift.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.controlplane.auth.AccessKeys;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/** Requests the SDK would never send: garbage, unsigned, tampered after signing. */
class RawRequestTest {
  @TempDir Path dir;
  ControlPlane cp;
  AccessKeys.NewKey key;
  HttpClient http;

  @BeforeEach
  void start() throws Exception {
    cp = ControlPlane.startOnLoopback(dir);
    key = cp.accessKeys().create();
    http =
        HttpClient.newBuilder()
            .sslContext(TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE))
            .build();
    send("InitializeService", "{}".getBytes(StandardCharsets.UTF_8), null);
  }

  @AfterEach
  void stop() throws Exception {
    cp.close();
  }

  private java.time.Clock clock = java.time.Clock.systemUTC();

  /** Signs {@code signedBody} but sends {@code sentBody} (null: the same). */
  private HttpResponse<String> send(String op, byte[] signedBody, byte[] sentBody)
      throws Exception {
    URI uri = URI.create("https://localhost:" + cp.port() + "/" + op);
    SdkHttpFullRequest unsigned =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.POST)
            .uri(uri)
            .putHeader("content-type", "application/json")
            .build();
    SdkHttpRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(
                            AwsCredentialsIdentity.create(key.accessKeyId(), key.secretAccessKey()))
                        .request(unsigned)
                        .payload(ContentStreamProvider.fromByteArray(signedBody))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "mgn")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, clock))
            .request();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .POST(HttpRequest.BodyPublishers.ofByteArray(sentBody != null ? sentBody : signedBody));
    for (Map.Entry<String, List<String>> h : signed.headers().entrySet()) {
      if (!h.getKey().equalsIgnoreCase("host")) {
        for (String v : h.getValue()) {
          b.header(h.getKey(), v);
        }
      }
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return new ObjectMapper().readTree(r.body());
  }

  @Test
  void garbageJsonIsAValidationExceptionThatCannotParse() throws Exception {
    HttpResponse<String> r =
        send("DescribeSourceServers", "{not json".getBytes(StandardCharsets.UTF_8), null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("x-amzn-ErrorType")).contains("ValidationException");
    assertThat(json(r).path("reason").asText()).isEqualTo("cannotParse");
  }

  @Test
  void aPitPolicyIsCheckedRuleByRule() throws Exception {
    HttpResponse<String> r =
        send(
            "UpdateReplicationConfiguration",
            ("{\"sourceServerID\":\"s-1234567890abcdef0\",\"pitPolicy\":[{\"ruleID\":1,"
                    + "\"units\":\"WEEK\",\"interval\":1,\"retentionDuration\":4}]}")
                .getBytes(StandardCharsets.UTF_8),
            null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("message").asText())
        .contains("pitPolicy[0].units must be MINUTE, HOUR or DAY");
    r =
        send(
            "UpdateReplicationConfiguration",
            ("{\"sourceServerID\":\"s-1234567890abcdef0\",\"pitPolicy\":[{\"ruleID\":1,"
                    + "\"units\":\"DAY\",\"interval\":1,\"retentionDuration\":30}]}")
                .getBytes(StandardCharsets.UTF_8),
            null);
    assertThat(r.statusCode()).as("valid, the server is unknown").isEqualTo(404);
  }

  @Test
  void wrongTypesAreNamed() throws Exception {
    HttpResponse<String> r =
        send(
            "DescribeSourceServers",
            "{\"maxResults\":\"ten\"}".getBytes(StandardCharsets.UTF_8),
            null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("fieldList").get(0).path("name").asText()).isEqualTo("maxResults");
  }

  @Test
  void aBodyTamperedWithAfterSigningIsRefused() throws Exception {
    HttpResponse<String> r =
        send(
            "DescribeSourceServers",
            "{}".getBytes(StandardCharsets.UTF_8),
            "{\"maxResults\":1}".getBytes(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).isEqualTo(403);
  }

  @Test
  void anUnsignedRequestIsRefused() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("https://localhost:" + cp.port() + "/DescribeSourceServers"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("x-amzn-ErrorType"))
        .contains("MissingAuthenticationTokenException");
  }

  @Test
  void anOversizeBodyIsRefusedWithoutReadingIt() throws Exception {
    // A raw socket that declares the size and never sends the body: the answer must come from the
    // header alone, and the server must close rather than wait for bytes that never come.
    SSLContext tls = TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE);
    try (SSLSocket socket =
        (SSLSocket) tls.getSocketFactory().createSocket("localhost", cp.port())) {
      socket.setSoTimeout(10_000);
      String head =
          "POST /DescribeSourceServers HTTP/1.1\r\nHost: localhost\r\n"
              + "Content-Type: application/json\r\nContent-Length: "
              + (ControlPlaneVerticle.MAX_BODY_BYTES + 1)
              + "\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 400");
      assertThat(response.toLowerCase(java.util.Locale.ROOT)).contains("connection: close");
      assertThat(response).contains("ValidationException").contains("exceeds");
    }
  }

  @Test
  void anOperationOutsideTheModelIsUnknown() throws Exception {
    HttpResponse<String> r = send("DeleteEverything", "{}".getBytes(StandardCharsets.UTF_8), null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.headers().firstValue("x-amzn-ErrorType")).contains("UnknownOperationException");
  }

  @Test
  void aSignatureOlderThanTheClockSkewWindowIsExpired() throws Exception {
    clock = java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofMinutes(-20));
    HttpResponse<String> r =
        send("DescribeSourceServers", "{}".getBytes(StandardCharsets.UTF_8), null);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(json(r).path("message").asText()).contains("Signature expired");
  }

  @Test
  void tooLongStringsAndOutOfRangeNumbersAreNamedAndStoreNothing() throws Exception {
    String name = "x".repeat(300);
    HttpResponse<String> r =
        send(
            "CreateApplication",
            ("{\"name\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8),
            null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("fieldList").get(0).path("name").asText()).isEqualTo("name");
    HttpResponse<String> list =
        send("ListApplications", "{}".getBytes(StandardCharsets.UTF_8), null);
    assertThat(json(list).path("items").size()).isZero();
    HttpResponse<String> range =
        send("ListApplications", "{\"maxResults\":0}".getBytes(StandardCharsets.UTF_8), null);
    assertThat(range.statusCode()).isEqualTo(400);
    assertThat(json(range).path("fieldList").get(0).path("name").asText()).isEqualTo("maxResults");
  }
}
