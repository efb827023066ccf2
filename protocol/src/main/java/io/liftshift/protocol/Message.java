package io.liftshift.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * Every frame of the protocol as a typed value. {@link #toFrame()} writes the complete frame
 * (header and body); {@link #decode(Frame)} checks every field and rejects trailing bytes. Layouts
 * are in docs/protocol.md.
 */
public sealed interface Message {

  /** Largest number of hashes in one MERKLE_NODES frame (512 KiB of body). */
  int MAX_MERKLE_NODES_PER_FRAME = 16_384;

  /** Largest number of entries in one ACK frame. */
  int MAX_ACK_ENTRIES = 4096;

  /** Sentinel disk id in FLUSH meaning "every open disk". */
  int ALL_DISKS = -1;

  Opcode opcode();

  byte[] toFrame();

  /** Agent → replicator, first frame of a session. */
  record Hello(
      int minVersion,
      int maxVersion,
      long features,
      String token,
      String sourceServerId,
      String agentVersion)
      implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.HELLO;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter()
          .u16(minVersion)
          .u16(maxVersion)
          .u64(features)
          .string(token)
          .string(sourceServerId)
          .string(agentVersion)
          .finish(opcode());
    }

    /** Hides the credential, so that a logged Hello never leaks it. */
    @Override
    public String toString() {
      return "Hello[versions="
          + minVersion
          + ".."
          + maxVersion
          + ", features="
          + features
          + ", sourceServerId="
          + sourceServerId
          + ", agentVersion="
          + agentVersion
          + "]";
    }
  }

  /** Replicator → agent: the session is accepted. */
  record Welcome(int version, long features, int maxBodyLength, String sessionId)
      implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.WELCOME;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter()
          .u16(version)
          .u16(0)
          .u64(features)
          .u32(maxBodyLength)
          .string(sessionId)
          .finish(opcode());
    }
  }

  /** Either direction: the sender closes the connection after it. */
  record Error(ErrorCode code, String message) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.ERROR;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().u16(code.code()).string(truncateUtf8(message)).finish(opcode());
    }
  }

  /** Agent → replicator: replicate a source disk under a session-local id. */
  record DiskOpen(int diskId, long sizeBytes, String diskKey) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.DISK_OPEN;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().u32(diskId).u64(sizeBytes).string(diskKey).finish(opcode());
    }
  }

  /** Replicator → agent: the staging volume is ready; resume from {@code durableOffset}. */
  record DiskReady(int diskId, long durableOffset, String stagingVolumeId) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.DISK_READY;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter()
          .u32(diskId)
          .u32(0)
          .u64(durableOffset)
          .string(stagingVolumeId)
          .finish(opcode());
    }
  }

  /** Agent → replicator: {@code length} bytes at {@code offset} are all zero. */
  record BlockZero(int diskId, long offset, long length) implements Message {
    public static final int BODY_LENGTH = 24;

    @Override
    public Opcode opcode() {
      return Opcode.BLOCK_ZERO;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().u32(diskId).u32(0).u64(offset).u64(length).finish(opcode());
    }
  }

  /** Agent → replicator: make everything received for the disk durable and acknowledge it. */
  record Flush(int diskId) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.FLUSH;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().u32(diskId).finish(opcode());
    }
  }

  /**
   * Agent → replicator: every block of the disk received before this frame belongs to {@code
   * epoch}; make them durable and answer BARRIER_ACK. Epochs of one disk increase.
   */
  record Barrier(int diskId, long epoch) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.BARRIER;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().u32(diskId).u32(0).u64(epoch).finish(opcode());
    }
  }

  /** Replicator → agent: everything up to the BARRIER of {@code epoch} is on stable storage. */
  record BarrierAck(int diskId, long epoch) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.BARRIER_ACK;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().u32(diskId).u32(0).u64(epoch).finish(opcode());
    }
  }

  /** Replicator → agent: a point-in-time snapshot is due; make a consistency point. */
  record SnapshotRequest(long pointId) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.SNAPSHOT_REQUEST;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().u64(pointId).finish(opcode());
    }
  }

  /**
   * Agent → replicator: every block sent before this frame, on every disk of the session, is the
   * source as of one instant; nothing after it is. Flag bit 0: the agent verified the cut is exact
   * (crash-consistent across the disks).
   */
  record ConsistencyPoint(long pointId, int diskCount, int flags) implements Message {
    public static final int CRASH_CONSISTENT = 1;

    @Override
    public Opcode opcode() {
      return Opcode.CONSISTENCY_POINT;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().u64(pointId).u32(diskCount).u32(flags).finish(opcode());
    }
  }

  /** Replicator → agent: the snapshot at a point: status 0 taken (detail = its id), 1 failed. */
  record SnapshotTaken(long pointId, int status, String detail) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.SNAPSHOT_TAKEN;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().u64(pointId).u16(status).u16(0).string(detail).finish(opcode());
    }
  }

  /** One disk's durable position in an ACK. */
  record AckEntry(int diskId, long durableOffset) {}

  /** Replicator → agent: these offsets are durable on the staging volumes. */
  record Ack(List<AckEntry> entries) implements Message {
    public Ack {
      entries = List.copyOf(entries);
    }

    @Override
    public Opcode opcode() {
      return Opcode.ACK;
    }

    @Override
    public byte[] toFrame() {
      BodyWriter w = new BodyWriter().u16(entries.size()).u16(0);
      for (AckEntry e : entries) {
        w.u32(e.diskId()).u32(0).u64(e.durableOffset());
      }
      return w.finish(opcode());
    }
  }

  /** Agent → replicator: compute the volume digest with leaves of {@code leafBytes}. */
  record VerifyRequest(int diskId, int leafBytes) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.VERIFY_REQUEST;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().u32(diskId).u32(leafBytes).finish(opcode());
    }
  }

  /** Replicator → agent: the staging volume's digest root. */
  record VerifyResult(int diskId, int leafBytes, long leafCount, byte[] root) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.VERIFY_RESULT;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter()
          .u32(diskId)
          .u32(leafBytes)
          .u64(leafCount)
          .bytes(root)
          .finish(opcode());
    }
  }

  /** Agent → replicator: send {@code count} node hashes of {@code level} from {@code first}. */
  record MerkleQuery(int diskId, int level, long first, int count) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.MERKLE_QUERY;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter()
          .u32(diskId)
          .u8(level)
          .u8(0)
          .u16(0)
          .u64(first)
          .u32(count)
          .finish(opcode());
    }
  }

  /** Replicator → agent: the requested node hashes, 32 bytes each. */
  record MerkleNodes(int diskId, int level, long first, List<byte[]> hashes) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.MERKLE_NODES;
    }

    @Override
    public byte[] toFrame() {
      BodyWriter w =
          new BodyWriter().u32(diskId).u8(level).u8(0).u16(0).u64(first).u32(hashes.size());
      for (byte[] h : hashes) {
        w.bytes(h);
      }
      return w.finish(opcode());
    }
  }

  /** Either direction: liveness probe, answered by PONG with the same nonce. */
  record Ping(long nonce) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.PING;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().u64(nonce).finish(opcode());
    }
  }

  /** Answer to PING. */
  record Pong(long nonce) implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.PONG;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().u64(nonce).finish(opcode());
    }
  }

  /** Agent → replicator: orderly end of session; the replicator flushes and closes. */
  record Goodbye() implements Message {
    @Override
    public Opcode opcode() {
      return Opcode.GOODBYE;
    }

    @Override
    public byte[] toFrame() {
      return new BodyWriter().finish(opcode());
    }
  }

  /** Cuts a message to what a string field holds, never splitting a character. */
  static String truncateUtf8(String s) {
    if (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= BodyReader.MAX_STRING_BYTES) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    int bytes = 0;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int n =
          new String(Character.toChars(cp))
              .getBytes(java.nio.charset.StandardCharsets.UTF_8)
              .length;
      if (bytes + n > BodyReader.MAX_STRING_BYTES - 3) {
        break;
      }
      b.appendCodePoint(cp);
      bytes += n;
      i += Character.charCount(cp);
    }
    return b.append("...").toString();
  }

  /**
   * Decodes a control frame. BLOCK_DATA is decoded by {@link BlockData#parse} instead, since its
   * payload stays in the frame's array.
   */
  static Message decode(Frame frame) throws ProtocolException {
    BodyReader r = new BodyReader(frame);
    Message m =
        switch (frame.opcode()) {
          case HELLO ->
              new Hello(
                  r.u16("minVersion"),
                  r.u16("maxVersion"),
                  r.u64("features"),
                  r.string("token"),
                  r.string("sourceServerId"),
                  r.string("agentVersion"));
          case WELCOME -> {
            int version = r.u16("version");
            r.u16("reserved");
            yield new Welcome(
                version, r.u64("features"), r.u32AsInt("maxBodyLength"), r.string("sessionId"));
          }
          case ERROR -> new Error(ErrorCode.fromCode(r.u16("code")), r.string("message"));
          case DISK_OPEN ->
              new DiskOpen(r.u32AsInt("diskId"), r.u64("sizeBytes"), r.string("diskKey"));
          case DISK_READY -> {
            int diskId = r.u32AsInt("diskId");
            r.u32("reserved");
            yield new DiskReady(diskId, r.u64("durableOffset"), r.string("stagingVolumeId"));
          }
          case BLOCK_ZERO -> {
            int diskId = r.u32AsInt("diskId");
            r.u32("reserved");
            yield new BlockZero(diskId, r.u64("offset"), r.u64("length"));
          }
          case FLUSH -> new Flush(r.u32AsInt("diskId"));
          case ACK -> {
            int n = r.u16("count");
            r.u16("reserved");
            if (n > MAX_ACK_ENTRIES) {
              throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "ACK with " + n + " entries");
            }
            List<AckEntry> entries = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
              int diskId = r.u32AsInt("diskId");
              r.u32("reserved");
              entries.add(new AckEntry(diskId, r.u64("durableOffset")));
            }
            yield new Ack(entries);
          }
          case VERIFY_REQUEST -> new VerifyRequest(r.u32AsInt("diskId"), r.u32AsInt("leafBytes"));
          case VERIFY_RESULT ->
              new VerifyResult(
                  r.u32AsInt("diskId"),
                  r.u32AsInt("leafBytes"),
                  r.u64("leafCount"),
                  r.bytes(VolumeDigest.HASH_BYTES, "root"));
          case MERKLE_QUERY -> {
            int diskId = r.u32AsInt("diskId");
            int level = r.u8("level");
            r.u8("reserved");
            r.u16("reserved");
            yield new MerkleQuery(diskId, level, r.u64("first"), r.u32AsInt("count"));
          }
          case MERKLE_NODES -> {
            int diskId = r.u32AsInt("diskId");
            int level = r.u8("level");
            r.u8("reserved");
            r.u16("reserved");
            long first = r.u64("first");
            int count = r.u32AsInt("count");
            if (count < 0 || count > MAX_MERKLE_NODES_PER_FRAME) {
              throw new ProtocolException(
                  ErrorCode.MALFORMED_FRAME, "MERKLE_NODES count " + count + " out of range");
            }
            List<byte[]> hashes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
              hashes.add(r.bytes(VolumeDigest.HASH_BYTES, "hash"));
            }
            yield new MerkleNodes(diskId, level, first, hashes);
          }
          case BARRIER -> {
            int diskId = r.u32AsInt("diskId");
            r.u32("reserved");
            yield new Barrier(diskId, r.u64("epoch"));
          }
          case BARRIER_ACK -> {
            int diskId = r.u32AsInt("diskId");
            r.u32("reserved");
            yield new BarrierAck(diskId, r.u64("epoch"));
          }
          case SNAPSHOT_REQUEST -> new SnapshotRequest(r.u64("pointId"));
          case CONSISTENCY_POINT ->
              new ConsistencyPoint(r.u64("pointId"), r.u32AsInt("diskCount"), r.u32AsInt("flags"));
          case SNAPSHOT_TAKEN -> {
            long point = r.u64("pointId");
            int status = r.u16("status");
            r.u16("reserved");
            yield new SnapshotTaken(point, status, r.string("detail"));
          }
          case PING -> new Ping(r.u64("nonce"));
          case PONG -> new Pong(r.u64("nonce"));
          case GOODBYE -> new Goodbye();
          case BLOCK_DATA ->
              throw new ProtocolException(
                  ErrorCode.PROTOCOL_VIOLATION, "BLOCK_DATA where a control frame was expected");
        };
    r.end();
    return m;
  }
}
