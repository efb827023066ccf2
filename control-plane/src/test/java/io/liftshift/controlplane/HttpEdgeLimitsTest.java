package io.liftshift.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Port 443 answers what it refuses and does not hold connections it stopped reading. */
@Timeout(60)
class HttpEdgeLimitsTest {
  @TempDir Path dir;
  ControlPlane cp;
  SSLContext tls;

  @BeforeEach
  void start() throws Exception {
    cp = ControlPlane.startOnLoopback(dir);
    tls = TlsPolicy.pinnedClientContext(cp.caFingerprint(), ServerRole.CONTROL_PLANE);
  }

  @AfterEach
  void stop() throws Exception {
    cp.close();
  }

  private Socket connect() throws Exception {
    Socket s = tls.getSocketFactory().createSocket("127.0.0.1", cp.port());
    s.setSoTimeout(10_000);
    return s;
  }

  /** Reads until the server closes; returns what it sent. Fails (SoTimeout) if it never does. */
  private static String readToEnd(InputStream in) throws Exception {
    StringBuilder b = new StringBuilder();
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) > 0; ) {
        b.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
      }
    } catch (java.net.SocketException e) {
      // reset after the answer: closed as well
    }
    return b.toString();
  }

  @Test
  void aChunkedBodyOverTheLimitIsAnsweredAndItsConnectionClosed() throws Exception {
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /InitializeService HTTP/1.1\r\nHost: localhost\r\n"
                  + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      Thread writer =
          new Thread(
              () -> {
                byte[] chunk = new byte[64 << 10];
                byte[] head = (Integer.toHexString(chunk.length) + "\r\n").getBytes();
                try {
                  for (int i = 0; i < 160; i++) { // 10 MiB
                    out.write(head);
                    out.write(chunk);
                    out.write("\r\n".getBytes());
                  }
                } catch (Exception e) {
                  // the server closed: expected
                }
              });
      writer.setDaemon(true);
      writer.start();
      long t0 = System.nanoTime();
      String answer = readToEnd(s.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 400").contains("exceeds");
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5000);
    }
  }

  @Test
  void anOverlongRequestLineOrHeaderIsRefused() throws Exception {
    for (String request :
        new String[] {
          "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n",
          "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "b".repeat(40_000) + "\r\n\r\n"
        }) {
      try (Socket s = connect()) {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        String answer = readToEnd(s.getInputStream());
        assertThat(answer).matches("(?s)HTTP/1\\.[01] 4\\d\\d .*");
      }
    }
  }

  @Test
  void repeatedAuthenticationFailuresPauseThatAddress() throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(tls).build();
    URI uri = URI.create("https://localhost:" + cp.port() + "/ListApplications");
    HttpRequest unsigned =
        HttpRequest.newBuilder(uri)
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .header("content-type", "application/json")
            .build();
    for (int i = 0; i < HttpEdgeLimits.DEFAULT_AUTH_FAILURES_BEFORE_BACKOFF; i++) {
      int status = http.send(unsigned, HttpResponse.BodyHandlers.ofString()).statusCode();
      assertThat(status).isIn(401, 403);
    }
    HttpResponse<String> paused = http.send(unsigned, HttpResponse.BodyHandlers.ofString());
    assertThat(paused.statusCode()).isEqualTo(429);
    assertThat(paused.headers().firstValue("retry-after")).isPresent();
  }
}
