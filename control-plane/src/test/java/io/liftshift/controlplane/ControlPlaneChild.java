package io.liftshift.controlplane;

import io.liftshift.cloud.aws.AwsLaunchCloud;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * A control plane in a process of its own, for tests that kill it with SIGKILL. Prints {@code READY
 * <port> <accessKeyId> <secret>} once it serves.
 *
 * <p>Arguments: data directory, CA directory, and, to launch on AWS, the EC2 endpoint, the
 * installation, the availability zone, the converter image, the staging subnet and the converter's
 * security group (launches are enabled before it prints READY).
 */
public final class ControlPlaneChild {
  private ControlPlaneChild() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    ControlPlane cp =
        ControlPlane.start(
            data, Path.of(args[1]), "127.0.0.1", 0, "us-east-1", List.of("localhost", "127.0.0.1"));
    if (args.length > 2) {
      Ec2Client ec2 =
          Ec2Client.builder()
              .endpointOverride(URI.create(args[2]))
              .region(Region.US_EAST_1)
              .credentialsProvider(
                  StaticCredentialsProvider.create(
                      AwsBasicCredentials.create("AKIDTEST", "secret")))
              .httpClient(ApacheHttpClient.create())
              .build();
      cp.enableLaunches(
          new AwsLaunchCloud(
              ec2,
              new AwsLaunchCloud.Settings(
                  args[3],
                  args[4],
                  null,
                  args[5],
                  AwsLaunchCloud.DEFAULT_CONVERTER_INSTANCE_TYPE,
                  args[6],
                  List.of(args[7]),
                  URI.create("https://127.0.0.1:" + cp.port()),
                  cp.caFingerprint(),
                  10)),
          30_000,
          200);
    }
    Path keyFile = data.resolve("test-key.txt");
    if (!Files.exists(keyFile)) {
      var k = cp.accessKeys().create();
      Files.writeString(keyFile, k.accessKeyId() + " " + k.secretAccessKey());
    }
    System.out.println("READY " + cp.port() + " " + Files.readString(keyFile));
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
