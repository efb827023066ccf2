package io.liftshift.protocol;

/**
 * Error codes carried by an ERROR frame. Wire values are fixed and never reused. {@link
 * #retryable()} tells the agent whether reconnecting can help.
 */
public enum ErrorCode {
  BAD_MAGIC(1, false),
  UNSUPPORTED_VERSION(2, false),
  UNKNOWN_OPCODE(3, false),
  FRAME_TOO_LARGE(4, false),
  MALFORMED_FRAME(5, false),
  CHECKSUM_MISMATCH(6, true),
  AUTH_FAILED(7, false),
  TIMEOUT(8, true),
  PROTOCOL_VIOLATION(9, false),
  DISK_SIZE_MISMATCH(10, false),
  STAGING_IO_ERROR(11, true),
  UNKNOWN_DISK(12, false),
  OUT_OF_RANGE(13, false),
  SHUTTING_DOWN(14, true),
  /** Reserved: a reconnecting agent takes its volume over instead of being refused. */
  DISK_BUSY(15, true),
  CAPACITY_EXCEEDED(16, true),
  /** The agent's own verdict on a digest mismatch; reported locally, not sent. */
  VERIFY_FAILED(17, false),
  INTERNAL(18, true);

  private final int code;
  private final boolean retryable;

  ErrorCode(int code, boolean retryable) {
    this.code = code;
    this.retryable = retryable;
  }

  public int code() {
    return code;
  }

  public boolean retryable() {
    return retryable;
  }

  /**
   * The error for a wire value; unknown values map to {@link #INTERNAL} so old peers still stop.
   */
  public static ErrorCode fromCode(int code) {
    for (ErrorCode c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    return INTERNAL;
  }
}
