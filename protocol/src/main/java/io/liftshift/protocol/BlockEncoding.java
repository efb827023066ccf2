package io.liftshift.protocol;

/** How a BLOCK_DATA payload is encoded. Wire values are fixed and never reused. */
public enum BlockEncoding {
  /** The payload is the block itself. */
  RAW(0),
  /** The payload is one LZ4 block (no frame format) that decompresses to exactly the length. */
  LZ4(1);

  private final int code;

  BlockEncoding(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  static BlockEncoding fromCode(int code) throws ProtocolException {
    return switch (code) {
      case 0 -> RAW;
      case 1 -> LZ4;
      default ->
          throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "unknown block encoding " + code);
    };
  }
}
