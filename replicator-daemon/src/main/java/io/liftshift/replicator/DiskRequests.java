package io.liftshift.replicator;

import io.liftshift.protocol.BlockData;
import io.liftshift.protocol.BlockEncoding;
import io.liftshift.protocol.ErrorCode;
import io.liftshift.protocol.Features;
import io.liftshift.protocol.Message;
import io.liftshift.protocol.ProtocolException;
import io.liftshift.protocol.VolumeDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What an admitted agent asks of its open disks: blocks and zero ranges to write, flushes,
 * barriers, Merkle verification and point-in-time consistency points. Each request is checked on
 * the event loop against the negotiated features and the disk, then queued on the disk's staging
 * volume. It exists apart from {@link AgentSession}, which owns the connection, so that the write
 * path reads as one list of requests; it is made when the session is welcomed, with the terms
 * agreed.
 */
final class DiskRequests {
  private final SessionDisks disks;
  private final VolumeWork work;
  private final PointInTimeCoordinator pointInTime;
  private final Consumer<Message> send;
  private final long features;
  private final String sourceServerId;

  /** The digest of each disk's last VERIFY_REQUEST, for the agent's MERKLE_QUERY descent. */
  private final Map<Integer, VolumeDigest> digests = new ConcurrentHashMap<>();

  DiskRequests(
      SessionDisks disks,
      VolumeWork work,
      PointInTimeCoordinator pointInTime,
      Consumer<Message> send,
      long features,
      String sourceServerId) {
    this.disks = disks;
    this.work = work;
    this.pointInTime = pointInTime;
    this.send = send;
    this.features = features;
    this.sourceServerId = sourceServerId;
  }

  private void requireFeature(long bit, String what) throws ProtocolException {
    if (!Features.has(features, bit)) {
      throw new ProtocolException(
          ErrorCode.PROTOCOL_VIOLATION, what + " was not negotiated in HELLO/WELCOME");
    }
  }

  void block(BlockData block, int bodyBytes) throws ProtocolException {
    if (block.encoding() == BlockEncoding.LZ4) {
      requireFeature(Features.LZ4, "LZ4");
    }
    SessionDisks.OpenDisk d = disks.get(block.diskId());
    d.checkRange(block.offset(), block.length());
    StagingWriter w = d.writer();
    work.enqueue(
        w,
        bodyBytes,
        () -> {
          w.applyBlock(block);
          return true;
        });
  }

  void zero(Message.BlockZero zero) throws ProtocolException {
    requireFeature(Features.ZERO_BLOCKS, "BLOCK_ZERO");
    SessionDisks.OpenDisk d = disks.get(zero.diskId());
    d.checkRange(zero.offset(), zero.length());
    StagingWriter w = d.writer();
    work.enqueue(
        w,
        Message.BlockZero.BODY_LENGTH,
        () -> {
          w.applyZero(zero.offset(), zero.length());
          return true;
        });
  }

  /**
   * Continuous replication's consistency point: queued behind every block of the disk received
   * before it, then fsynced, then confirmed with the agent's epoch.
   */
  void barrier(Message.Barrier barrier) throws ProtocolException {
    if (!Features.has(features, Features.CHANGED_BLOCKS)) {
      throw new ProtocolException(
          ErrorCode.PROTOCOL_VIOLATION, "BARRIER without the CHANGED_BLOCKS feature");
    }
    StagingWriter w = disks.get(barrier.diskId()).writer();
    work.enqueue(
        w,
        0,
        () -> {
          w.sync();
          send.accept(new Message.BarrierAck(barrier.diskId(), barrier.epoch()));
          return false;
        });
  }

  void flush(Message.Flush flush) throws ProtocolException {
    List<Integer> ids = flush.diskId() == Message.ALL_DISKS ? disks.ids() : List.of(flush.diskId());
    for (int id : ids) {
      StagingWriter w = disks.get(id).writer();
      work.enqueue(
          w,
          0,
          () -> {
            long before = w.durableOffset();
            long durable = w.sync();
            if (durable == before) {
              // Nothing new became durable, so the listener sent nothing: answer the FLUSH.
              send.accept(new Message.Ack(List.of(new Message.AckEntry(id, durable))));
            }
            return false;
          });
    }
  }

  void verify(Message.VerifyRequest req) throws ProtocolException {
    requireFeature(Features.MERKLE_VERIFY, "VERIFY_REQUEST");
    VolumeDigest.checkLeafBytes(req.leafBytes());
    StagingWriter w = disks.get(req.diskId()).writer();
    work.enqueue(
        w,
        0,
        () -> {
          VolumeDigest d = w.digest(req.leafBytes());
          digests.put(req.diskId(), d);
          send.accept(
              new Message.VerifyResult(req.diskId(), d.leafBytes(), d.leafCount(), d.root()));
          return false;
        });
  }

  void merkleQuery(Message.MerkleQuery q) throws ProtocolException {
    VolumeDigest d = digests.get(q.diskId());
    if (d == null) {
      throw new ProtocolException(
          ErrorCode.PROTOCOL_VIOLATION,
          "MERKLE_QUERY before VERIFY_REQUEST for disk " + q.diskId());
    }
    send.accept(
        new Message.MerkleNodes(
            q.diskId(), q.level(), q.first(), d.nodes(q.level(), q.first(), q.count())));
  }

  void consistencyPoint(Message.ConsistencyPoint point) throws ProtocolException {
    if (!Features.has(features, Features.POINT_IN_TIME)) {
      throw new ProtocolException(
          ErrorCode.PROTOCOL_VIOLATION, "CONSISTENCY_POINT without the POINT_IN_TIME feature");
    }
    pointInTime.onConsistencyPoint(sourceServerId, point, disks.writers(), send);
  }

  /** Asks the agent for a consistency point when the server's next snapshot is due. */
  void requestSnapshotIfDue() {
    if (!Features.has(features, Features.POINT_IN_TIME)) {
      return;
    }
    List<StagingWriter> writers = disks.writersIfInitialSyncDone();
    if (writers.isEmpty()) {
      return;
    }
    long point = pointInTime.requestIfDue(sourceServerId, writers);
    if (point >= 0) {
      send.accept(new Message.SnapshotRequest(point));
    }
  }
}
