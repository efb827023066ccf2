package io.liftshift.cloud.aws;

import java.io.IOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * An AWS error while snapshotting, with MGN's error code for the source server: throttling that
 * outlasted the SDK's retries, or SNAPSHOTS_FAILURE (AccessDenied, a limit, ...) — with AWS's own
 * message. Replication goes on; the next snapshot tries again.
 */
public final class SnapshotFailure extends IOException {
  private static final long serialVersionUID = 1L;

  private final String mgnErrorCode;
  private final String awsErrorCode;

  private SnapshotFailure(String mgnErrorCode, String awsErrorCode, String message, Throwable c) {
    super(message, c);
    this.mgnErrorCode = mgnErrorCode;
    this.awsErrorCode = awsErrorCode;
  }

  static SnapshotFailure of(AwsServiceException e) {
    String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
    String message =
        e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
    return new SnapshotFailure(
        "SNAPSHOTS_FAILURE",
        code,
        (e.isThrottlingException() ? "EC2 throttled the snapshot (retried): " : "")
            + code
            + ": "
            + message,
        e);
  }

  /** MGN's DataReplicationErrorString for the source server. */
  public String mgnErrorCode() {
    return mgnErrorCode;
  }

  /** AWS's error code, e.g. UnauthorizedOperation or RequestLimitExceeded. */
  public String awsErrorCode() {
    return awsErrorCode;
  }
}
