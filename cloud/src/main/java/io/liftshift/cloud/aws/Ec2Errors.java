package io.liftshift.cloud.aws;

import java.io.IOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/** EC2 errors as IOExceptions that carry AWS's code and message for job logs. */
final class Ec2Errors {
  private Ec2Errors() {}

  static IOException of(String doing, AwsServiceException e) {
    String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
    String message =
        e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
    return new IOException(doing + ": " + code + ": " + message, e);
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
