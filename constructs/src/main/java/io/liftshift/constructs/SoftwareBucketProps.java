package io.liftshift.constructs;

import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.s3.IBucket;

/** Props of {@link SoftwareBucket}. */
// @default is aws-cdk's tag for a prop's default; its readers look for it.
@SuppressWarnings("InvalidBlockTag")
public final class SoftwareBucketProps {
  private final IBucket accessLogsBucket;
  private final RemovalPolicy removalPolicy;
  private final int noncurrentVersionExpirationDays;

  private SoftwareBucketProps(Builder b) {
    accessLogsBucket = b.accessLogsBucket;
    removalPolicy = b.removalPolicy;
    noncurrentVersionExpirationDays = b.noncurrentVersionExpirationDays;
  }

  public static Builder builder() {
    return new Builder();
  }

  public IBucket getAccessLogsBucket() {
    return accessLogsBucket;
  }

  public RemovalPolicy getRemovalPolicy() {
    return removalPolicy;
  }

  public int getNoncurrentVersionExpirationDays() {
    return noncurrentVersionExpirationDays;
  }

  /** Builds {@link SoftwareBucketProps}. */
  public static final class Builder {
    private IBucket accessLogsBucket;
    private RemovalPolicy removalPolicy = RemovalPolicy.RETAIN;
    private int noncurrentVersionExpirationDays = 90;

    private Builder() {}

    /**
     * Where S3 server access logs go.
     *
     * @default a new bucket, encrypted, private and TLS-only
     */
    public Builder accessLogsBucket(IBucket value) {
      accessLogsBucket = value;
      return this;
    }

    /**
     * What happens to the buckets when the stack is deleted.
     *
     * @default RemovalPolicy.RETAIN: the installation's state outlives the stack
     */
    public Builder removalPolicy(RemovalPolicy value) {
      removalPolicy = value;
      return this;
    }

    /**
     * Days an overwritten or deleted object version is kept.
     *
     * @default 90
     */
    public Builder noncurrentVersionExpirationDays(int value) {
      noncurrentVersionExpirationDays = value;
      return this;
    }

    public SoftwareBucketProps build() {
      return new SoftwareBucketProps(this);
    }
  }
}
