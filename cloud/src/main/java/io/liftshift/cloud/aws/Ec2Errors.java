package io.liftshift.cloud.aws;

import java.io.IOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * What every EC2 call of the adapter shares: errors as IOExceptions that carry AWS's code and
 * message for job logs, and the tag filters that find this installation's resources.
 */
final class Ec2Errors {
  private Ec2Errors() {}

  static IOException of(String doing, AwsServiceException e) {
    String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
    String message =
        e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
    return new IOException(doing + ": " + code + ": " + message, e);
  }

  /** DescribeX filters: every given tag, and always this installation's tag. */
  static java.util.List<software.amazon.awssdk.services.ec2.model.Filter> tagFilters(
      java.util.Map<String, String> tags, String installation) {
    java.util.List<software.amazon.awssdk.services.ec2.model.Filter> filters =
        new java.util.ArrayList<>();
    tags.forEach(
        (k, v) ->
            filters.add(
                software.amazon.awssdk.services.ec2.model.Filter.builder()
                    .name("tag:" + k)
                    .values(v)
                    .build()));
    filters.add(
        software.amazon.awssdk.services.ec2.model.Filter.builder()
            .name("tag:" + AwsStagingVolumes.TAG_INSTALLATION)
            .values(installation)
            .build());
    return filters;
  }

  static boolean notFound(AwsServiceException e) {
    return e.awsErrorDetails() != null
        && e.awsErrorDetails().errorCode() != null
        && e.awsErrorDetails().errorCode().endsWith(".NotFound");
  }

  static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
