package io.liftshift.constructs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.AnyPrincipal;
import software.amazon.awscdk.services.iam.IGrantable;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.s3.deployment.BucketDeployment;
import software.amazon.awscdk.services.s3.deployment.Source;
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

  /**
   * Where {@link #publishAgent} puts the agent's downloads: {@code bundle/FILE} under it, as the
   * control plane serves them under {@code /agent/v1/}. The installer's {@code --s3-bucket B
   * --s3-region R} means {@code https://B.s3.R.amazonaws.com/}{@value}.
   */
  public static final String AGENT_PREFIX = SOFTWARE_PREFIX + "agent/v1";

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

  /**
   * Uploads the agent's downloads (the build's {@code agent-bundle/target/dist}: installer, bundles
   * and their {@code .sha256} files) to {@value #AGENT_PREFIX}{@code /bundle/}, the keys the
   * installer's {@code --s3-bucket}/{@code --bundle-url} read. Older bundles are kept (no prune):
   * an agent that is mid-upgrade, or a rollback, may still name them.
   */
  public BucketDeployment publishAgent(String bundleDir) {
    Path dir = Path.of(Checks.required(bundleDir, "SoftwareBucket", "bundleDir"));
    if (!Files.isRegularFile(dir.resolve("liftshift-agent-installer.sh"))) {
      throw new IllegalArgumentException(
          "SoftwareBucket: bundleDir "
              + dir
              + " holds no liftshift-agent-installer.sh: build it first (mvn -B -pl agent-bundle"
              + " -am package -DskipTests)");
    }
    BucketDeployment upload =
        BucketDeployment.Builder.create(this, "AgentDownloads")
            .sources(List.of(Source.asset(dir.toString())))
            .destinationBucket(bucket)
            .destinationKeyPrefix(AGENT_PREFIX + "/bundle/")
            .prune(false)
            .build();
    // The copying function is a singleton CDK puts at the stack's root, not under this construct.
    for (IConstruct c : Stack.of(this).getNode().getChildren()) {
      if (c.getNode().getId().startsWith("Custom::CDKBucketDeployment")) {
        for (String rule : List.of("AwsSolutions-IAM4", "AwsSolutions-IAM5", "AwsSolutions-L1")) {
          Nag.suppress(
              c,
              rule,
              "CDK's BucketDeployment copies the agent's files from the asset bucket with its own"
                  + " singleton function: its basic-execution managed policy, the wildcard object"
                  + " actions of its grants and its pinned runtime are CDK's; it runs only while"
                  + " the stack deploys.");
        }
      }
    }
    return upload;
  }

  /**
   * Lets source servers read the agent's downloads without AWS credentials, but only through this
   * S3 interface endpoint (their network's VPN or Direct Connect path into AWS): a fixed {@code
   * aws:SourceVpce} keeps the statement non-public, so Block Public Access still holds.
   */
  public void allowAgentDownloadsThrough(String vpcEndpointId) {
    bucket.addToResourcePolicy(
        PolicyStatement.Builder.create()
            .sid("AgentDownloadsThroughVpce")
            .principals(List.of(new AnyPrincipal()))
            .actions(List.of("s3:GetObject"))
            .resources(List.of(bucket.arnForObjects(AGENT_PREFIX + "/bundle/*")))
            .conditions(Map.of("StringEquals", Map.of("aws:SourceVpce", vpcEndpointId)))
            .build());
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
