package io.liftshift.cloud.aws;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * This replication server's identity from the instance metadata service, IMDSv2 only (a session
 * token first, as an instance launched with {@code HttpTokens=required} demands).
 */
public final class InstanceMetadata {
  public static final URI DEFAULT_ENDPOINT = URI.create("http://169.254.169.254");

  private final URI endpoint;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  public InstanceMetadata(URI endpoint) {
    this.endpoint = endpoint;
  }

  public String instanceId() throws IOException {
    return get("/latest/meta-data/instance-id");
  }

  /** Where other instances in the VPC reach this one (a conversion server, the control plane). */
  public String privateIpv4() throws IOException {
    return get("/latest/meta-data/local-ipv4");
  }

  public String availabilityZone() throws IOException {
    return get("/latest/meta-data/placement/availability-zone");
  }

  private String get(String path) throws IOException {
    try {
      HttpResponse<String> token =
          http.send(
              HttpRequest.newBuilder(endpoint.resolve("/latest/api/token"))
                  .timeout(Duration.ofSeconds(2))
                  .header("X-aws-ec2-metadata-token-ttl-seconds", "300")
                  .PUT(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (token.statusCode() != 200) {
        throw new IOException("IMDSv2 token refused (" + token.statusCode() + ")");
      }
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(endpoint.resolve(path))
                  .timeout(Duration.ofSeconds(2))
                  .header("X-aws-ec2-metadata-token", token.body())
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("instance metadata " + path + ": HTTP " + r.statusCode());
      }
      return r.body().trim();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (IOException e) {
      throw new IOException(
          "instance metadata (IMDSv2) at "
              + endpoint
              + " unavailable: is this an EC2 instance? "
              + e.getMessage(),
          e);
    }
  }
}
