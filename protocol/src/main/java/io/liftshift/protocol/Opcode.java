package io.liftshift.protocol;

/**
 * Frame opcodes. The numbers are the wire values and are never reused: a retired opcode keeps its
 * number reserved forever (see docs/protocol.md, "Opcodes").
 */
public enum Opcode {
  HELLO(1),
  WELCOME(2),
  ERROR(3),
  DISK_OPEN(4),
  DISK_READY(5),
  BLOCK_DATA(6),
  BLOCK_ZERO(7),
  FLUSH(8),
  ACK(9),
  VERIFY_REQUEST(10),
  VERIFY_RESULT(11),
  MERKLE_QUERY(12),
  MERKLE_NODES(13),
  PING(14),
  PONG(15),
  GOODBYE(16),
  BARRIER(17),
  BARRIER_ACK(18),
  SNAPSHOT_REQUEST(19),
  CONSISTENCY_POINT(20),
  SNAPSHOT_TAKEN(21);

  private static final Opcode[] BY_CODE = new Opcode[64];

  static {
    for (Opcode op : values()) {
      BY_CODE[op.code] = op;
    }
  }

  private final int code;

  Opcode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** Returns the opcode for a wire value, or {@code null} when this version does not know it. */
  public static Opcode fromCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
