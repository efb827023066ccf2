package io.liftshift.replicator;

import io.liftshift.protocol.BlockData;
import io.liftshift.protocol.ErrorCode;
import io.liftshift.protocol.Frame;
import io.liftshift.protocol.FrameDecoder;
import io.liftshift.protocol.FrameHeader;
import io.liftshift.protocol.Message;
import io.liftshift.protocol.Opcode;
import io.liftshift.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One agent connection. Frames are split and checked on the event loop; block work goes to the
 * staging volume's queue. Any violation ends this session with an ERROR frame and leaves every
 * other session alone. This class owns the connection: its states, the admission of HELLO, the
 * opening of disks, and how the session ends; {@link DiskRequests} serves what an admitted agent
 * asks of its disks, {@link VolumeWork} queues that work with backpressure, {@link SessionDisks}
 * keeps the open disks, {@link HelloNegotiation} sets the session's terms and {@link
 * SessionWatchdog} its deadlines.
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

  private final NetSocket socket;
  private final Context context;
  private final StagingRegistry registry;
  private final ReplicatorStats stats;
  private final AgentAdmission admission;
  private final PointInTimeCoordinator pointInTime;
  private final PreAuthLimits preAuth;
  private final String sourceAddress;

  /** True while this connection counts against the pre-authentication limits. */
  private boolean countedUnauthenticated;

  private final FrameDecoder decoder = new FrameDecoder();
  private final String remote;
  private final SessionDisks disks = new SessionDisks();
  private final SessionWatchdog watchdog;
  private final VolumeWork work;

  /** Made at WELCOME, with the terms agreed; null before. */
  private DiskRequests requests;

  private State state = State.AWAIT_HELLO;
  private String sourceServerId = "?";
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
    this.stats = stats;
    this.remote = String.valueOf(socket.remoteAddress());
    this.watchdog = new SessionWatchdog(options);
    this.work =
        new VolumeWork(
            socket,
            context,
            options,
            remote,
            watchdog,
            () -> state == State.CLOSED,
            w -> !failed && w.owner == this,
            this::failFromWorker);
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
    watchdogTimer =
        context.owner().setPeriodic(SessionWatchdog.PERIOD_MILLIS, id -> checkDeadlines());
  }

  private void checkDeadlines() {
    String overdue =
        watchdog.overdue(
            remote + " (" + sourceServerId + ")",
            state == State.AWAIT_HELLO,
            state == State.READY && !work.paused());
    if (overdue != null) {
      fail(ErrorCode.TIMEOUT, overdue);
    }
  }

  private void onData(Buffer buffer) {
    if (state == State.CLOSED) {
      return;
    }
    ByteBuf buf = ((BufferInternal) buffer).getByteBuf();
    try {
      decoder.feed(new ByteBufSource(buf), this::onFrame);
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
    watchdog.heard();
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
      case BLOCK_DATA -> requests.block(BlockData.parse(frame), frame.body().length);
      case BLOCK_ZERO -> requests.zero((Message.BlockZero) Message.decode(frame));
      case DISK_OPEN -> onDiskOpen((Message.DiskOpen) Message.decode(frame));
      case FLUSH -> requests.flush((Message.Flush) Message.decode(frame));
      case BARRIER -> requests.barrier((Message.Barrier) Message.decode(frame));
      case CONSISTENCY_POINT ->
          requests.consistencyPoint((Message.ConsistencyPoint) Message.decode(frame));
      case VERIFY_REQUEST -> requests.verify((Message.VerifyRequest) Message.decode(frame));
      case MERKLE_QUERY -> requests.merkleQuery((Message.MerkleQuery) Message.decode(frame));
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
    Message.Welcome welcome = HelloNegotiation.welcome(hello, pointInTime != null);
    sourceServerId = hello.sourceServerId();
    requests =
        new DiskRequests(disks, work, pointInTime, this::send, welcome.features(), sourceServerId);
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
    send(welcome);
  }

  private void onDiskOpen(Message.DiskOpen open) throws ProtocolException {
    disks.beginOpen(open);
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
                          disks.opened(open, w);
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

  /** Called every fsync interval: flushes volumes written to since, so the agent gets its ACK. */
  void syncIfDue() {
    if (state == State.READY) {
      requests.requestSnapshotIfDue();
    }
    for (SessionDisks.OpenDisk d : disks.all()) {
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
    for (SessionDisks.OpenDisk d : disks.all()) {
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
