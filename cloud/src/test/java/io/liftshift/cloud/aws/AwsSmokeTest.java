package io.liftshift.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Opt-in smoke suite against a real AWS account, from an EC2 instance: set LIFTSHIFT_AWS_SMOKE=1
 * and credentials (the usual chain). Read-only: it never creates anything.
 */
class AwsSmokeTest {
  @Test
  void theAdapterSeesThisInstanceAndItsVolumesInARealAccount() throws Exception {
    boolean credentials =
        System.getenv("AWS_ACCESS_KEY_ID") != null
            || System.getenv("AWS_PROFILE") != null
            || System.getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != null;
    assumeTrue(
        "1".equals(System.getenv("LIFTSHIFT_AWS_SMOKE")) && credentials,
        "real-AWS smoke suite skipped: set LIFTSHIFT_AWS_SMOKE=1 and AWS credentials, on an EC2"
            + " instance, to run it");
    InstanceMetadata imds = new InstanceMetadata(InstanceMetadata.DEFAULT_ENDPOINT);
    String instance = imds.instanceId();
    try (Ec2Client ec2 = Ec2Client.create()) {
      var attached =
          ec2.describeVolumes(
                  b -> b.filters(f -> f.name("attachment.instance-id").values(instance)))
              .volumes();
      assertThat(attached).isNotEmpty(); // at least the root volume
    }
  }
}
