package io.liftshift.constructs.launch.handler;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;

/**
 * CloudFormation's DescribeStacks on loopback, answered in the API's own query-protocol XML with
 * the status a test sets, so that the handler's real SDK client reads it as it reads AWS's.
 */
final class StackStatusServer implements AutoCloseable {
  private final HttpServer server;
  private final List<String> askedFor = new CopyOnWriteArrayList<>();
  private volatile String status = "UPDATE_IN_PROGRESS";
  private boolean closed;

  StackStatusServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          String stack = "";
          for (String pair : body.split("&", -1)) {
            if (pair.startsWith("StackName=")) {
              stack = URLDecoder.decode(pair.substring(10), StandardCharsets.UTF_8);
            }
          }
          askedFor.add(stack);
          byte[] answer =
              ("""
              <DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
                <DescribeStacksResult>
                  <Stacks>
                    <member>
                      <StackName>LiftshiftLaunches</StackName>
                      <StackId>%s</StackId>
                      <CreationTime>2026-11-24T02:00:00Z</CreationTime>
                      <StackStatus>%s</StackStatus>
                    </member>
                  </Stacks>
                </DescribeStacksResult>
                <ResponseMetadata><RequestId>6b1b4a3e-0000-4000-8000-000000000000</RequestId></ResponseMetadata>
              </DescribeStacksResponse>
              """)
                  .formatted(stack, status)
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/xml");
          exchange.sendResponseHeaders(200, answer.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
          }
        });
    server.start();
  }

  void status(String value) {
    status = value;
  }

  /** The StackName of every DescribeStacks call so far. */
  List<String> askedFor() {
    return List.copyOf(askedFor);
  }

  /** The handler's way of reading statuses, pointed here. */
  StackStatuses statuses() {
    URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    return StackStatuses.fromCloudFormation(
        () ->
            CloudFormationClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(
                    StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "example")))
                .httpClient(ApacheHttpClient.create())
                .build());
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      server.stop(0);
    }
  }
}
