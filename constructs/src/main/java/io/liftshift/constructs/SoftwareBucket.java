package io.liftshift.constructs;

import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.iam.IGrantable;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.constructs.Construct;
import software.constructs.IConstruct;

/**
 * The bucket agents, replication servers and conversion servers fetch liftshift software and
 * configuration from ({@value #SOFTWARE_PREFIX}), and where servers keep state ({@value
 * #STATE_PREFIX}). Encrypted, versioned, private, TLS-only, with server access logs.
 */
public final class SoftwareBucket extends Construct {
  /** Key prefix of software and configuration: read-only for servers. */
  public static final String SOFTWARE_PREFIX = "software/";

  /** Key prefix of server state: the only place servers write. */
  public static final String STATE_PREFIX = "state/";

  private final Bucket bucket;
  private final IBucket accessLogs;

  public SoftwareBucket(Construct scope, String id, SoftwareBucketProps props) {
    super(scope, id);
    SoftwareBucketProps p = props == null ? SoftwareBucketProps.builder().build() : props;
    Checks.positive(
        p.getNoncurrentVersionExpirationDays(),
        "SoftwareBucket",
        "noncurrentVersionExpirationDays");
    if (p.getAccessLogsBucket() != null) {
      accessLogs = p.getAccessLogsBucket();
    } else {
      // Server access logs can only be delivered to SSE-S3 buckets, hence no KMS key here.
      accessLogs =
          Bucket.Builder.create(this, "AccessLogs")
              .encryption(BucketEncryption.S3_MANAGED)
              .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
              .enforceSsl(true)
              .versioned(true)
              .removalPolicy(p.getRemovalPolicy())
              .build();
    }
    bucket =
        Bucket.Builder.create(this, "Bucket")
            .encryption(BucketEncryption.S3_MANAGED)
            .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
            .enforceSsl(true)
            .versioned(true)
            .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
            .serverAccessLogsBucket(accessLogs)
            .serverAccessLogsPrefix("software-bucket/")
            .lifecycleRules(
                List.of(
                    LifecycleRule.builder()
                        .noncurrentVersionExpiration(
                            Duration.days(p.getNoncurrentVersionExpirationDays()))
                        .abortIncompleteMultipartUploadAfter(Duration.days(7))
                        .build()))
            .removalPolicy(p.getRemovalPolicy())
            .build();
  }

  public IBucket getBucket() {
    return bucket;
  }

  public IBucket getAccessLogsBucket() {
    return accessLogs;
  }

  /** Read access to software and configuration. */
  public void grantSoftwareRead(IGrantable grantee) {
    bucket.grantRead(grantee, SOFTWARE_PREFIX + "*");
    if (grantee instanceof IConstruct c) {
      Nag.suppress(
          c,
          "AwsSolutions-IAM5",
          "Read access is to the software/ prefix of the installation's bucket only; CDK's read"
              + " grant names the object actions with wildcards (GetObject*, GetBucket*, List*).",
          List.of(
              Nag.regex("/^Resource::<[A-Za-z0-9]+\\.Arn>\\/software\\/\\*$/"),
              "Action::s3:GetObject*",
              "Action::s3:GetBucket*",
              "Action::s3:List*"));
    }
  }

  /** Write access to the state prefix, and nothing else of the bucket. */
  public void grantStateWrite(IGrantable grantee) {
    bucket.grantPut(grantee, STATE_PREFIX + "*");
    if (grantee instanceof IConstruct c) {
      Nag.suppress(
          c,
          "AwsSolutions-IAM5",
          "Servers write their state as objects under the state/ prefix, whose keys they choose at"
              + " run time; nothing else of the bucket.",
          List.of(
              Nag.regex("/^Resource::<[A-Za-z0-9]+\\.Arn>\\/state\\/\\*$/"), "Action::s3:Abort*"));
    }
  }
}
