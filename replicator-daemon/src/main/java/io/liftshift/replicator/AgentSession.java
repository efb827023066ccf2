package io.liftshift.replicator;

import io.liftshift.protocol.BlockData;
import io.liftshift.protocol.ErrorCode;
import io.liftshift.protocol.Features;
import io.liftshift.protocol.Frame;
import io.liftshift.protocol.FrameDecoder;
import io.liftshift.protocol.FrameHeader;
import io.liftshift.protocol.Message;
import io.liftshift.protocol.Opcode;
import io.liftshift.protocol.ProtocolException;
import io.liftshift.protocol.VolumeDigest;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One agent connection. Frames are split and checked on the event loop; block work goes to the
 * staging volume's queue. Any violation ends this session with an ERROR frame and leaves every
 * other session alone.
 */
final class AgentSession {
  private static final Logger LOG = Logger.getLogger(AgentSession.class.getName());

  private enum State {
    AWAIT_HELLO,
    /** HELLO received with a credential not known yet: asking the control plane. */
    ADMITTING,
    READY,
    CLOSED
  }

  private record OpenDisk(StagingWriter writer, long sizeBytes, String diskKey) {}

  private final NetSocket socket;
  private final Context context;
  private final StagingRegistry registry;
  private final ReplicatorOptions options;
  private final ReplicatorStats stats;
  private final AgentAdmission admission;
  private final PointInTimeCoordinator pointInTime;
  private final PreAuthLimits preAuth;
  private final String sourceAddress;

  /** True while this connection counts against the pre-authentication limits. */
  private boolean countedUnauthenticated;

  private final FrameDecoder decoder = new FrameDecoder();
  private final String remote;
  private final Map<Integer, OpenDisk> disks = new ConcurrentHashMap<>();
  private final Map<Integer, VolumeDigest> digests = new ConcurrentHashMap<>();
  private final java.util.Set<Integer> opening = new java.util.HashSet<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private State state = State.AWAIT_HELLO;
  private String sourceServerId = "?";
  private long features;
  private boolean paused;
  private long lastFrameNanos = System.nanoTime();
  private long watchdogTimer = -1;

  /** Set when the session is failed: queued work from it is dropped, nothing more is written. */
  private volatile boolean failed;

  AgentSession(
      NetSocket socket,
      Context context,
      StagingRegistry registry,
      ReplicatorOptions options,
      ReplicatorStats stats,
      AgentAdmission admission,
      PointInTimeCoordinator pointInTime,
      PreAuthLimits preAuth) {
    this.preAuth = preAuth;
    this.sourceAddress =
        socket.remoteAddress() == null ? "?" : String.valueOf(socket.remoteAddress().hostAddress());
    this.admission = admission;
    this.pointInTime = pointInTime;
    this.socket = socket;
    this.context = context;
    this.registry = registry;
    this.options = options;
    this.stats = stats;
    this.remote = String.valueOf(socket.remoteAddress());
  }

  void start() {
    String refusal = preAuth.tryEnter(sourceAddress);
    socket.closeHandler(v -> onClosed());
    if (refusal != null) {
      // Cheap: no decoder work, no ERROR frame to encrypt, no timer.
      state = State.CLOSED;
      preAuth.logRefusal(Level.WARNING, sourceAddress, refusal);
      socket.close();
      return;
    }
    countedUnauthenticated = true;
    socket.handler(this::onData);
    socket.exceptionHandler(
        e ->
            LOG.log(
                state == State.READY ? Level.WARNING : Level.FINE,
                remote + " (" + sourceServerId + "): I/O error: " + e));
    watchdogTimer = context.owner().setPeriodic(250, id -> watchdog());
  }

  private long lastWatchdogNanos = System.nanoTime();

  private void watchdog() {
    long now = System.nanoTime();
    long lateMillis = (now - lastWatchdogNanos) / 1_000_000 - 250;
    lastWatchdogNanos = now;
    if (lateMillis > 2000) {
      // This side stalled (event loop or GC), not the agent: its silence is not counted.
      LOG.warning(
          remote
              + " ("
              + sourceServerId
              + "): this replicator's event loop stalled for "
              + lateMillis
              + " ms; the agent's idle time restarts");
      lastFrameNanos = now;
    }
    long idleMillis = (System.nanoTime() - lastFrameNanos) / 1_000_000;
    if (state == State.AWAIT_HELLO && idleMillis > options.handshakeTimeoutMillis()) {
      fail(
          ErrorCode.TIMEOUT,
          "no HELLO within " + options.handshakeTimeoutMillis() + " ms of connecting");
    } else if (state == State.READY
        && !paused
        && idleMillis > options.idleTimeoutSeconds() * 1000L) {
      // The replicator was reading (not paused by its own backlog): the agent or the network
      // between stopped sending.
      fail(
          ErrorCode.TIMEOUT,
          "nothing received from the agent for "
              + options.idleTimeoutSeconds()
              + " s while this replicator was ready to read: the agent or the network stalled");
    }
  }

  private void onData(Buffer buffer) {
    if (state == State.CLOSED) {
      return;
    }
    ByteBuf buf = ((BufferInternal) buffer).getByteBuf();
    try {
      decoder.feed(
          new FrameDecoder.ByteSource() {
            @Override
            public int remaining() {
              return buf.readableBytes();
            }

            @Override
            public void read(byte[] dst, int off, int len) {
              buf.readBytes(dst, off, len);
            }

            @Override
            public void skip(int len) {
              buf.skipBytes(len);
            }
          },
          this::onFrame);
    } catch (ProtocolException e) {
      fail(e.code(), e.detail());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, remote + ": internal error", e);
      fail(ErrorCode.INTERNAL, "internal error: " + e);
    }
  }

  private void onFrame(Frame frame) throws ProtocolException {
    if (state == State.CLOSED) {
      return;
    }
    lastFrameNanos = System.nanoTime();
    stats.framesReceived.incrementAndGet();
    stats.frameBytesReceived.addAndGet(FrameHeader.LENGTH + (long) frame.body().length);
    if (state == State.ADMITTING) {
      throw new ProtocolException(
          ErrorCode.PROTOCOL_VIOLATION, frame.opcode() + " sent before WELCOME");
    }
    if (state == State.AWAIT_HELLO) {
      if (frame.opcode() != Opcode.HELLO) {
        throw new ProtocolException(
            ErrorCode.PROTOCOL_VIOLATION, "expected HELLO first, got " + frame.opcode());
      }
      onHello((Message.Hello) Message.decode(frame));
      return;
    }
    switch (frame.opcode()) {
      case BLOCK_DATA -> onBlock(BlockData.parse(frame), frame.body().length);
      case BLOCK_ZERO -> onZero((Message.BlockZero) Message.decode(frame));
      case DISK_OPEN -> onDiskOpen((Message.DiskOpen) Message.decode(frame));
      case FLUSH -> onFlush((Message.Flush) Message.decode(frame));
      case BARRIER -> onBarrier((Message.Barrier) Message.decode(frame));
      case CONSISTENCY_POINT ->
          onConsistencyPoint((Message.ConsistencyPoint) Message.decode(frame));
      case VERIFY_REQUEST -> onVerify((Message.VerifyRequest) Message.decode(frame));
      case MERKLE_QUERY -> onMerkleQuery((Message.MerkleQuery) Message.decode(frame));
      case PING -> send(new Message.Pong(((Message.Ping) Message.decode(frame)).nonce()));
      case PONG -> Message.decode(frame);
      case GOODBYE -> {
        Message.decode(frame);
        closeGracefully();
      }
      case ERROR -> {
        Message.Error e = (Message.Error) Message.decode(frame);
        LOG.warning(remote + " (" + sourceServerId + ") reported " + e.code() + ": " + e.message());
        socket.close();
      }
      default ->
          throw new ProtocolException(
              ErrorCode.PROTOCOL_VIOLATION, frame.opcode() + " is not sent by agents");
    }
  }

  private void onHello(Message.Hello hello) throws ProtocolException {
    if (admission.admits(hello.token(), hello.sourceServerId())) {
      welcome(hello);
      return;
    }
    if (admission.refresh().isEmpty()) {
      preAuth.authFailed(sourceAddress, "token refused for " + hello.sourceServerId());
      throw new ProtocolException(ErrorCode.AUTH_FAILED, "the agent token is not accepted");
    }
    // A server placed here moments ago: its credential may be newer than our last heartbeat.
    state = State.ADMITTING;
    socket.pause();
    context
        .owner()
        .executeBlocking(
            () -> {
              admission.refresh().get().run();
              return admission.admits(hello.token(), hello.sourceServerId());
            },
            false)
        .onComplete(
            ar ->
                context.runOnContext(
                    v -> {
                      if (state != State.ADMITTING) {
                        return;
                      }
                      socket.resume();
                      if (ar.succeeded() && ar.result()) {
                        try {
                          welcome(hello);
                        } catch (ProtocolException e) {
                          fail(e.code(), e.detail());
                        }
                      } else {
                        preAuth.authFailed(
                            sourceAddress, "token refused for " + hello.sourceServerId());
                        fail(
                            ErrorCode.AUTH_FAILED,
                            "the agent token is not accepted for source server "
                                + hello.sourceServerId());
                      }
                    }));
  }

  private void welcome(Message.Hello hello) throws ProtocolException {
    int version = Math.min(hello.maxVersion(), FrameHeader.MAX_VERSION);
    if (version < hello.minVersion() || version < FrameHeader.MIN_VERSION) {
      throw new ProtocolException(
          ErrorCode.UNSUPPORTED_VERSION,
          "agent speaks versions "
              + hello.minVersion()
              + ".."
              + hello.maxVersion()
              + ", this replicator "
              + FrameHeader.MIN_VERSION
              + ".."
              + FrameHeader.MAX_VERSION);
    }
    if (hello.sourceServerId().isBlank()) {
      throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "HELLO without a source server id");
    }
    sourceServerId = hello.sourceServerId();
    features = hello.features() & Features.SUPPORTED;
    if (pointInTime == null) {
      features &= ~Features.POINT_IN_TIME;
    }
    state = State.READY;
    leavePreAuth();
    stats.sessionsAccepted.incrementAndGet();
    LOG.info(
        remote
            + ": session for source server "
            + sourceServerId
            + " ("
            + hello.agentVersion()
            + ")");
    send(
        new Message.Welcome(
            version, features, FrameHeader.MAX_BODY_LENGTH, UUID.randomUUID().toString()));
  }

  private void onDiskOpen(Message.DiskOpen open) throws ProtocolException {
    if (open.sizeBytes() <= 0) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME, "disk " + open.diskKey() + " has size " + open.sizeBytes());
    }
    if (disks.containsKey(open.diskId()) || !opening.add(open.diskId())) {
      throw new ProtocolException(
          ErrorCode.PROTOCOL_VIOLATION, "disk id " + open.diskId() + " is already open");
    }
    for (OpenDisk d : disks.values()) {
      if (d.diskKey().equals(open.diskKey())) {
        throw new ProtocolException(
            ErrorCode.PROTOCOL_VIOLATION, "disk " + open.diskKey() + " is already open");
      }
    }
    registry
        .openers()
        .execute(
            () -> {
              StagingWriter w;
              try {
                w = registry.attach(this, sourceServerId, open.diskKey(), open.sizeBytes());
              } catch (ProtocolException e) {
                failFromWorker(e.code(), e.detail());
                return;
              } catch (RuntimeException e) {
                LOG.log(Level.WARNING, remote + ": cannot open " + open.diskKey(), e);
                failFromWorker(ErrorCode.INTERNAL, "cannot open " + open.diskKey() + ": " + e);
                return;
              }
              // Queued behind any writes of a previous session, so the offset is final.
              w.queue.execute(
                  () -> {
                    long durable;
                    try {
                      durable = w.sync();
                    } catch (IOException e) {
                      registry.detach(this, w);
                      failFromWorker(ErrorCode.STAGING_IO_ERROR, w.volume().name() + ": " + e);
                      return;
                    }
                    context.runOnContext(
                        v -> {
                          if (state == State.CLOSED || failed || w.owner != this) {
                            registry.detach(this, w);
                            return;
                          }
                          opening.remove(open.diskId());
                          disks.put(
                              open.diskId(), new OpenDisk(w, open.sizeBytes(), open.diskKey()));
                          w.listener(durabilityListener(open.diskId(), w));
                          send(
                              new Message.DiskReady(open.diskId(), durable, w.volume().volumeId()));
                        });
                  });
            });
  }

  /** ACKs each advance of the durable offset while this session owns the volume. */
  private StagingWriter.DurabilityListener durabilityListener(int diskId, StagingWriter w) {
    return new StagingWriter.DurabilityListener() {
      @Override
      public void durable(long offset) {
        if (!failed && w.owner == AgentSession.this) {
          send(new Message.Ack(List.of(new Message.AckEntry(diskId, offset))));
        }
      }

      @Override
      public void failed(IOException e) {
        if (w.owner == AgentSession.this) {
          failFromWorker(
              ErrorCode.STAGING_IO_ERROR, "fsync of " + w.volume().name() + " failed: " + e);
        }
      }
    };
  }

  private OpenDisk disk(int diskId) throws ProtocolException {
    OpenDisk d = disks.get(diskId);
    if (d == null) {
      throw new ProtocolException(
          ErrorCode.UNKNOWN_DISK, "disk id " + diskId + " was not opened (or not yet ready)");
    }
    return d;
  }

  private static void checkRange(OpenDisk d, long offset, long length) throws ProtocolException {
    if (offset < 0 || length <= 0 || offset > d.sizeBytes() - length) {
      throw new ProtocolException(
          ErrorCode.OUT_OF_RANGE,
          "range ["
              + offset
              + ", +"
              + length
              + ") is outside the disk's "
              + d.sizeBytes()
              + " bytes");
    }
  }

  private void requireFeature(long bit, String what) throws ProtocolException {
    if (!Features.has(features, bit)) {
      throw new ProtocolException(
          ErrorCode.PROTOCOL_VIOLATION, what + " was not negotiated in HELLO/WELCOME");
    }
  }

  private void onBlock(BlockData block, int bodyBytes) throws ProtocolException {
    if (block.encoding() == io.liftshift.protocol.BlockEncoding.LZ4) {
      requireFeature(Features.LZ4, "LZ4");
    }
    OpenDisk d = disk(block.diskId());
    checkRange(d, block.offset(), block.length());
    StagingWriter w = d.writer();
    enqueue(
        w,
        bodyBytes,
        () -> {
          w.applyBlock(block);
          return true;
        });
  }

  private void onZero(Message.BlockZero zero) throws ProtocolException {
    requireFeature(Features.ZERO_BLOCKS, "BLOCK_ZERO");
    OpenDisk d = disk(zero.diskId());
    checkRange(d, zero.offset(), zero.length());
    StagingWriter w = d.writer();
    enqueue(
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
  private void onBarrier(Message.Barrier barrier) throws ProtocolException {
    if (!Features.has(features, Features.CHANGED_BLOCKS)) {
      throw new ProtocolException(
          ErrorCode.PROTOCOL_VIOLATION, "BARRIER without the CHANGED_BLOCKS feature");
    }
    StagingWriter w = disk(barrier.diskId()).writer();
    enqueue(
        w,
        0,
        () -> {
          w.sync();
          send(new Message.BarrierAck(barrier.diskId(), barrier.epoch()));
          return false;
        });
  }

  private void onFlush(Message.Flush flush) throws ProtocolException {
    List<Integer> ids =
        flush.diskId() == Message.ALL_DISKS ? List.copyOf(disks.keySet()) : List.of(flush.diskId());
    for (int id : ids) {
      StagingWriter w = disk(id).writer();
      enqueue(
          w,
          0,
          () -> {
            long before = w.durableOffset();
            long durable = w.sync();
            if (durable == before) {
              // Nothing new became durable, so the listener sent nothing: answer the FLUSH.
              send(new Message.Ack(List.of(new Message.AckEntry(id, durable))));
            }
            return false;
          });
    }
  }

  private void onVerify(Message.VerifyRequest req) throws ProtocolException {
    requireFeature(Features.MERKLE_VERIFY, "VERIFY_REQUEST");
    VolumeDigest.checkLeafBytes(req.leafBytes());
    StagingWriter w = disk(req.diskId()).writer();
    enqueue(
        w,
        0,
        () -> {
          VolumeDigest d = w.digest(req.leafBytes());
          digests.put(req.diskId(), d);
          send(new Message.VerifyResult(req.diskId(), d.leafBytes(), d.leafCount(), d.root()));
          return false;
        });
  }

  private void onMerkleQuery(Message.MerkleQuery q) throws ProtocolException {
    VolumeDigest d = digests.get(q.diskId());
    if (d == null) {
      throw new ProtocolException(
          ErrorCode.PROTOCOL_VIOLATION,
          "MERKLE_QUERY before VERIFY_REQUEST for disk " + q.diskId());
    }
    send(
        new Message.MerkleNodes(
            q.diskId(), q.level(), q.first(), d.nodes(q.level(), q.first(), q.count())));
  }

  /** Work on a staging volume; returns true when it counts as written data for the ACK cadence. */
  @FunctionalInterface
  private interface VolumeTask {
    boolean run() throws ProtocolException, IOException;
  }

  private void enqueue(StagingWriter w, int bytes, VolumeTask task) {
    long queued = queuedBytes.addAndGet(bytes);
    if (queued > options.maxQueuedBytesPerConnection() && !paused) {
      paused = true;
      socket.pause();
    }
    w.queue.execute(
        () -> {
          try {
            if (failed || w.owner != this) {
              return;
            }
            task.run();
          } catch (ProtocolException e) {
            failFromWorker(e.code(), e.detail());
          } catch (IOException e) {
            failFromWorker(
                ErrorCode.STAGING_IO_ERROR,
                "writing staging volume " + w.volume().name() + " failed: " + e.getMessage());
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, remote + ": internal error", e);
            failFromWorker(ErrorCode.INTERNAL, "internal error: " + e);
          } finally {
            long left = queuedBytes.addAndGet(-bytes);
            if (left < options.maxQueuedBytesPerConnection() / 2) {
              context.runOnContext(v -> resumeReading());
            }
          }
        });
  }

  private void resumeReading() {
    if (paused && state != State.CLOSED) {
      paused = false;
      lastFrameNanos = System.nanoTime();
      socket.resume();
    }
  }

  private void onConsistencyPoint(Message.ConsistencyPoint point) throws ProtocolException {
    if (!Features.has(features, Features.POINT_IN_TIME)) {
      throw new ProtocolException(
          ErrorCode.PROTOCOL_VIOLATION, "CONSISTENCY_POINT without the POINT_IN_TIME feature");
    }
    List<StagingWriter> writers = new java.util.ArrayList<>();
    for (OpenDisk d : disks.values()) {
      writers.add(d.writer());
    }
    pointInTime.onConsistencyPoint(sourceServerId, point, writers, this::send);
  }

  /** Asks the agent for a consistency point when the server's next snapshot is due. */
  private void requestSnapshotIfDue() {
    if (state != State.READY
        || !Features.has(features, Features.POINT_IN_TIME)
        || disks.isEmpty()
        || !opening.isEmpty()) {
      return;
    }
    List<StagingWriter> writers = new java.util.ArrayList<>();
    for (OpenDisk d : disks.values()) {
      if (d.writer().durableOffset() < d.sizeBytes()) {
        return; // initial sync first: a snapshot of half a disk is of no use
      }
      writers.add(d.writer());
    }
    long point = pointInTime.requestIfDue(sourceServerId, writers);
    if (point >= 0) {
      send(new Message.SnapshotRequest(point));
    }
  }

  /** Called every fsync interval: flushes volumes written to since, so the agent gets its ACK. */
  void syncIfDue() {
    requestSnapshotIfDue();
    for (OpenDisk d : disks.values()) {
      StagingWriter w = d.writer();
      if (w.syncDue()) {
        w.queue.execute(
            () -> {
              if (!failed && w.owner == this && w.syncDue()) {
                w.flushAsync();
              }
            });
      }
    }
  }

  /** Another session of the same agent took one of our volumes: this connection is stale. */
  void lostVolumeTo(AgentSession other, String volume) {
    context.runOnContext(
        v -> {
          if (state != State.CLOSED) {
            LOG.info(remote + ": " + volume + " taken over by a new session from " + other.remote);
            failed = true;
            socket.close();
          }
        });
  }

  private void send(Message m) {
    Buffer b = Buffer.buffer(m.toFrame());
    if (Vertx.currentContext() == context) {
      socket.write(b);
    } else {
      context.runOnContext(v -> socket.write(b));
    }
  }

  private void failFromWorker(ErrorCode code, String message) {
    failed = true;
    context.runOnContext(v -> fail(code, message));
  }

  /**
   * Ends the session: logs, tells the agent why, closes. Written data stays; pending is dropped.
   */
  void fail(ErrorCode code, String message) {
    if (state == State.CLOSED) {
      return;
    }
    failed = true;
    stats.sessionsRejected.incrementAndGet();
    if (state == State.READY) {
      LOG.warning(remote + " (" + sourceServerId + "): " + code + ": " + message);
    } else {
      // Before HELLO is accepted a flood could write a line per connection: throttled.
      preAuth.logRefusal(Level.WARNING, sourceAddress, code + ": " + message);
    }
    state = State.CLOSED;
    socket
        .write(Buffer.buffer(new Message.Error(code, message).toFrame()))
        .onComplete(ar -> socket.close());
  }

  private void closeGracefully() {
    state = State.CLOSED;
    socket.close();
  }

  /** Server shutdown: tell the agent, so it reconnects to this or another server. */
  void shutdown() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    socket
        .write(
            Buffer.buffer(
                new Message.Error(ErrorCode.SHUTTING_DOWN, "replication server is stopping")
                    .toFrame()))
        .onComplete(ar -> socket.close());
  }

  private void leavePreAuth() {
    if (countedUnauthenticated) {
      countedUnauthenticated = false;
      preAuth.leave(sourceAddress);
    }
  }

  private void onClosed() {
    state = State.CLOSED;
    leavePreAuth();
    if (watchdogTimer >= 0) {
      context.owner().cancelTimer(watchdogTimer);
    }
    for (OpenDisk d : disks.values()) {
      registry.detach(this, d.writer());
    }
    disks.clear();
    sessionClosed.run();
  }

  private Runnable sessionClosed = () -> {};

  void onSessionClosed(Runnable r) {
    this.sessionClosed = r;
  }
}
