package io.liftshift.agent;

import io.liftshift.protocol.ErrorCode;
import io.liftshift.protocol.Features;
import io.liftshift.protocol.Frame;
import io.liftshift.protocol.FrameDecoder;
import io.liftshift.protocol.FrameHeader;
import io.liftshift.protocol.Message;
import io.liftshift.protocol.ProtocolException;
import io.liftshift.trust.TlsPolicy;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.logging.Logger;
import javax.net.ssl.SSLSocket;

/**
 * One TLS connection to a replicator: the handshake, a receiver thread that routes replies, and
 * serialized writes. Once anything fails, every waiter gets the same cause.
 */
final class ReplicationLink implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ReplicationLink.class.getName());
  static final String AGENT_VERSION = "liftshift-agent/0.1";
  private static final long KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final SSLSocket socket;
  private final OutputStream out;
  private final InputStream in;
  private final FrameDecoder decoder = new FrameDecoder();
  private final Map<Integer, CompletableFuture<Message.DiskReady>> diskReady =
      new ConcurrentHashMap<>();
  private final Map<Integer, CompletableFuture<Message.VerifyResult>> verifyResults =
      new ConcurrentHashMap<>();
  private final Map<Integer, CompletableFuture<Message.MerkleNodes>> merkleNodes =
      new ConcurrentHashMap<>();
  private final CompletableFuture<Void> failure = new CompletableFuture<>();
  private final AtomicLong wireBytes = new AtomicLong();
  private volatile long lastWriteNanos = System.nanoTime();
  private volatile BiConsumer<Integer, Long> ackHandler = (d, o) -> {};
  private volatile BiConsumer<Integer, Long> barrierAckHandler = (d, e) -> {};
  private volatile java.util.function.Consumer<Message> snapshotHandler = m -> {};
  private Message.Welcome welcome;
  private Thread receiver;
  private Thread keepalive;

  private ReplicationLink(SSLSocket socket) throws IOException {
    this.socket = socket;
    this.out = new BufferedOutputStream(socket.getOutputStream(), 256 << 10);
    this.in = socket.getInputStream();
  }

  /** Connects, verifies the server against the pinned CA, and completes HELLO/WELCOME. */
  static ReplicationLink open(AgentOptions o) throws IOException {
    SSLSocket s =
        TlsPolicy.connect(
            o.replicatorHost(),
            o.replicatorPort(),
            o.caFingerprint(),
            o.cipherSuite(),
            o.connectTimeoutMillis());
    ReplicationLink link = new ReplicationLink(s);
    try {
      link.handshake(o);
    } catch (IOException | RuntimeException e) {
      link.close();
      throw e;
    }
    return link;
  }

  private void handshake(AgentOptions o) throws IOException {
    write(
        new Message.Hello(
                FrameHeader.MIN_VERSION,
                FrameHeader.MAX_VERSION,
                Features.SUPPORTED,
                o.token(),
                o.sourceServerId(),
                AGENT_VERSION)
            .toFrame());
    flush();
    socket.setSoTimeout(o.connectTimeoutMillis());
    Frame f = readFrame();
    socket.setSoTimeout(0);
    Message m = decode(f);
    if (m instanceof Message.Error e) {
      throw new ReplicatorRejectedException(e.code(), e.message());
    }
    if (!(m instanceof Message.Welcome w)) {
      throw new IOException("replicator answered HELLO with " + f.opcode());
    }
    if (w.version() < FrameHeader.MIN_VERSION || w.version() > FrameHeader.MAX_VERSION) {
      throw new ReplicatorRejectedException(
          io.liftshift.protocol.ErrorCode.UNSUPPORTED_VERSION,
          "replicator chose protocol version " + w.version() + ", which this agent does not speak");
    }
    welcome = w;
    receiver = new Thread(this::receiveLoop, "replication-link-receiver");
    receiver.setDaemon(true);
    receiver.start();
    keepalive = new Thread(this::keepaliveLoop, "replication-link-keepalive");
    keepalive.setDaemon(true);
    keepalive.start();
  }

  long features() {
    return welcome.features();
  }

  void onAck(BiConsumer<Integer, Long> handler) {
    this.ackHandler = handler;
  }

  /** Called on the receiver thread for SNAPSHOT_REQUEST and SNAPSHOT_TAKEN. */
  void onSnapshotMessage(java.util.function.Consumer<Message> handler) {
    this.snapshotHandler = handler;
  }

  /** Called on the receiver thread with (diskId, epoch) for each BARRIER_ACK. */
  void onBarrierAck(BiConsumer<Integer, Long> handler) {
    this.barrierAckHandler = handler;
  }

  long wireBytes() {
    return wireBytes.get();
  }

  private Frame readFrame() throws IOException {
    try {
      return decoder.read(in);
    } catch (ProtocolException e) {
      throw new IOException("replicator sent a malformed frame: " + e.getMessage(), e);
    }
  }

  private static Message decode(Frame f) throws IOException {
    try {
      return Message.decode(f);
    } catch (ProtocolException e) {
      throw new IOException("replicator sent a malformed " + f.opcode() + ": " + e.getMessage(), e);
    }
  }

  private void receiveLoop() {
    try {
      while (true) {
        Frame f = readFrame();
        Message m = decode(f);
        if (m instanceof Message.Ack a) {
          for (Message.AckEntry e : a.entries()) {
            ackHandler.accept(e.diskId(), e.durableOffset());
          }
        } else if (m instanceof Message.SnapshotRequest || m instanceof Message.SnapshotTaken) {
          snapshotHandler.accept(m);
        } else if (m instanceof Message.BarrierAck b) {
          barrierAckHandler.accept(b.diskId(), b.epoch());
        } else if (m instanceof Message.DiskReady r) {
          future(diskReady, r.diskId()).complete(r);
        } else if (m instanceof Message.VerifyResult r) {
          future(verifyResults, r.diskId()).complete(r);
        } else if (m instanceof Message.MerkleNodes n) {
          future(merkleNodes, n.diskId()).complete(n);
        } else if (m instanceof Message.Ping p) {
          send(new Message.Pong(p.nonce()));
        } else if (m instanceof Message.Error e) {
          fail(new ReplicatorRejectedException(e.code(), e.message()));
          return;
        } else if (!(m instanceof Message.Pong)) {
          throw new IOException("unexpected " + f.opcode() + " from the replicator");
        }
      }
    } catch (EOFException e) {
      fail(new IOException("replicator closed the connection", e));
    } catch (IOException e) {
      fail(e);
    } catch (RuntimeException e) {
      fail(new IOException("cannot handle the replicator's reply: " + e, e));
    }
  }

  private void keepaliveLoop() {
    long nonce = 0;
    while (!failure.isDone()) {
      try {
        Thread.sleep(1000);
        if (System.nanoTime() - lastWriteNanos > KEEPALIVE_NANOS) {
          send(new Message.Ping(++nonce));
        }
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        fail(e);
        return;
      }
    }
  }

  private static <T> CompletableFuture<T> future(Map<Integer, CompletableFuture<T>> map, int id) {
    return map.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  private void fail(IOException cause) {
    if (failure.completeExceptionally(cause)) {
      LOG.fine("link failed: " + cause);
      for (var m : List.of(diskReady, verifyResults, merkleNodes)) {
        m.values().forEach(f -> f.completeExceptionally(cause));
      }
      try {
        socket.close();
      } catch (IOException e) {
        // Already failing; the cause above is what matters.
      }
    }
  }

  /**
   * A write that fails because the replicator closed the connection is usually preceded by the
   * replicator's ERROR frame, which says why: wait briefly for it, so that "no space left on the
   * staging disk" is reported rather than "broken pipe".
   */
  private IOException failWithPeerReason(IOException local) {
    try {
      failure.get(1, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ReplicatorRejectedException r) {
        return r;
      }
    } catch (TimeoutException e) {
      // No ERROR came: the local error is all there is.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    fail(local);
    return local;
  }

  /** The reason this link failed, if it did. */
  IOException failureCause() {
    if (!failure.isCompletedExceptionally()) {
      return null;
    }
    try {
      failure.getNow(null);
      return null;
    } catch (java.util.concurrent.CompletionException e) {
      return e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  void checkAlive() throws IOException {
    IOException e = failureCause();
    if (e != null) {
      throw e;
    }
  }

  /** Writes raw frame bytes (not flushed). Only one thread writes blocks; control frames lock. */
  synchronized void write(byte[] b, int off, int len) throws IOException {
    checkAlive();
    try {
      out.write(b, off, len);
    } catch (IOException e) {
      throw failWithPeerReason(e);
    }
    wireBytes.addAndGet(len);
    lastWriteNanos = System.nanoTime();
  }

  void write(byte[] frame) throws IOException {
    write(frame, 0, frame.length);
  }

  synchronized void flush() throws IOException {
    try {
      out.flush();
    } catch (IOException e) {
      throw failWithPeerReason(e);
    }
  }

  synchronized void send(Message m) throws IOException {
    write(m.toFrame());
    flush();
  }

  Message.DiskReady openDisk(SourceDisk disk, long timeoutMillis) throws IOException {
    CompletableFuture<Message.DiskReady> f = future(diskReady, disk.diskId);
    send(new Message.DiskOpen(disk.diskId, disk.sizeBytes, disk.diskKey));
    Message.DiskReady r = await(f, timeoutMillis, "DISK_READY for " + disk);
    diskReady.remove(disk.diskId);
    return r;
  }

  Message.VerifyResult verify(int diskId, int leafBytes, long timeoutMillis) throws IOException {
    CompletableFuture<Message.VerifyResult> f = future(verifyResults, diskId);
    send(new Message.VerifyRequest(diskId, leafBytes));
    Message.VerifyResult r = await(f, timeoutMillis, "VERIFY_RESULT");
    verifyResults.remove(diskId);
    return r;
  }

  List<byte[]> merkleNodes(int diskId, int level, long first, int count) throws IOException {
    CompletableFuture<Message.MerkleNodes> f = future(merkleNodes, diskId);
    send(new Message.MerkleQuery(diskId, level, first, count));
    Message.MerkleNodes n = await(f, 60_000, "MERKLE_NODES");
    merkleNodes.remove(diskId);
    return n.hashes();
  }

  private <T> T await(CompletableFuture<T> f, long timeoutMillis, String what) throws IOException {
    try {
      return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for " + what, e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (TimeoutException e) {
      IOException t = new IOException("no " + what + " within " + timeoutMillis + " ms");
      fail(t);
      throw t;
    }
  }

  /** Ends the session in order; the replicator flushes what it has. */
  void goodbye() {
    try {
      send(new Message.Goodbye());
    } catch (IOException e) {
      // Closing anyway.
    }
  }

  static boolean isRetryable(IOException e) {
    if (e instanceof ReplicatorRejectedException r) {
      return r.code().retryable();
    }
    return !(e instanceof javax.net.ssl.SSLHandshakeException);
  }

  @Override
  public void close() {
    fail(new IOException("link closed"));
    if (keepalive != null) {
      keepalive.interrupt();
    }
  }

  static ErrorCode codeOf(IOException e) {
    return e instanceof ReplicatorRejectedException r ? r.code() : null;
  }
}
