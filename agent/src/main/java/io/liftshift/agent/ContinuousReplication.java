package io.liftshift.agent;

import io.liftshift.agent.tracking.BlockRun;
import io.liftshift.agent.tracking.ChangeMap;
import io.liftshift.agent.tracking.Fingerprints;
import io.liftshift.protocol.BlockCodec;
import io.liftshift.protocol.Features;
import io.liftshift.protocol.Message;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * After the initial sync, keeps every staging volume in step with its disk: takes the blocks the
 * tracker marked, reads them, sends them (LZ4, zero runs as BLOCK_ZERO, throttled), and closes each
 * batch with a BARRIER whose BARRIER_ACK makes the batch durable in the change state. A block
 * changed again while in flight stays dirty and goes again.
 */
final class ContinuousReplication {
  private static final Logger LOG = Logger.getLogger(ContinuousReplication.class.getName());
  private static final long STALLED_RETRY_NANOS = 5_000_000_000L;

  /** A batch on the wire: its blocks and the fingerprints of what was sent. */
  private record InFlight(long epoch, ChangeMap.Batch batch, long[] fingerprints, long bytes) {}

  private final AgentOptions options;
  private final ReplicationControl control;
  private final Throttle throttle;
  private final SyncListener listener;
  private final AtomicBoolean stop;
  private final DurabilityListener durableListener;
  private final Map<Integer, ArrayDeque<InFlight>> inFlight = new HashMap<>();
  private final AtomicLong inFlightBytes = new AtomicLong();
  private final AtomicLong barriersAcked;
  private final ReplicationStatusReport report;
  private ChangeTracking tracking;

  /** The replicator's outstanding SNAPSHOT_REQUEST, or 0. */
  private final AtomicLong requestedPoint = new AtomicLong();

  private int pointAttempts;

  /** A cut is tried only when the backlog is small, so that the tracker is held briefly. */
  static final long POINT_MAX_BACKLOG_BYTES = 64L << 20;

  /** Cuts that saw a write land in them before one is taken unverified. */
  static final int POINT_ATTEMPTS = 10;

  ContinuousReplication(
      AgentOptions options,
      ReplicationControl control,
      Throttle throttle,
      SyncListener listener,
      AtomicBoolean stop,
      AtomicLong barriersAcked,
      DurabilityListener durableListener) {
    this.options = options;
    this.control = control;
    this.throttle = throttle;
    this.listener = listener;
    this.stop = stop;
    this.barriersAcked = barriersAcked;
    this.durableListener = durableListener;
    this.report = new ReplicationStatusReport(options, control);
  }

  /** Runs until {@link #stop} is set (returns) or the link fails (throws). */
  void run(ReplicationLink link, List<DiskProgress> disks, ChangeTracking tracking)
      throws IOException {
    this.tracking = tracking;
    try {
      replicate(link, disks, tracking.kind());
    } finally {
      // Never shutdownNow: an interrupt during a read would close the disk's channel for good.
      readers.shutdown();
    }
  }

  private void replicate(ReplicationLink link, List<DiskProgress> disks, String trackerKind)
      throws IOException {
    if (!Features.has(link.features(), Features.CHANGED_BLOCKS)) {
      throw new ReplicatorRejectedException(
          io.liftshift.protocol.ErrorCode.PROTOCOL_VIOLATION,
          "the replicator does not support continuous replication (CHANGED_BLOCKS)");
    }
    Map<Integer, DiskProgress> byId = new HashMap<>();
    for (DiskProgress d : disks) {
      byId.put(d.disk.diskId, d);
      inFlight.put(d.disk.diskId, new ArrayDeque<>());
      d.changes.onMarked(this::wakeUp);
      // Whatever was in flight on the last connection was not confirmed: it goes again.
      d.changes.requeueInflight();
    }
    link.onBarrierAck((diskId, epoch) -> onBarrierAck(byId.get(diskId), epoch));
    link.onSnapshotMessage(
        m -> {
          if (m instanceof Message.SnapshotRequest r) {
            requestedPoint.set(r.pointId());
          } else if (m instanceof Message.SnapshotTaken t) {
            report.snapshotTaken(t);
          }
        });
    java.util.concurrent.BlockingQueue<ChunkBuffer> buffers =
        new java.util.concurrent.ArrayBlockingQueue<>(READ_AHEAD_RUNS);
    for (int i = 0; i < READ_AHEAD_RUNS; i++) {
      buffers.add(new ChunkBuffer(ChangeMap.MAX_RUN_BYTES, options.blockBytes(), buffers));
    }
    Map<Integer, CompressionGovernor> governors = new HashMap<>();
    long features = link.features();
    long lastReport = 0;
    long maxBatchBlocks = Math.max(1, options.changeBatchBytes() / options.trackingBlockBytes());
    while (!stop.get()) {
      link.checkAlive();
      long now = System.nanoTime();
      if (now - lastReport > 500_000_000L) {
        lastReport = now;
        listener.onStatus(report.status(disks, trackerKind, now));
      }
      if (control.desired() == ReplicationControl.Desired.DISCONNECTED) {
        LOG.info("disconnected from the service: continuous replication ends");
        break;
      }
      if (control.desired() != ReplicationControl.Desired.RUNNING) {
        // Paused: nothing is sent, tracking goes on, the link stays up with keepalives.
        link.flush();
        sleep(100);
        continue;
      }
      long point = requestedPoint.get();
      if (point != 0 && consistencyPoint(link, disks, point, buffers, governors, features)) {
        requestedPoint.compareAndSet(point, 0);
      }
      boolean sentAny = false;
      for (DiskProgress d : disks) {
        if (stop.get() || control.desired() != ReplicationControl.Desired.RUNNING) {
          break;
        }
        if (d.stalledReason != null && System.nanoTime() < d.stalledRetryAtNanos) {
          continue;
        }
        if (inFlightBytes.get() >= options.inFlightWindowBytes()) {
          break;
        }
        ChangeMap.Batch batch = d.changes.take(maxBatchBlocks);
        if (batch.blockCount() == 0) {
          continue;
        }
        try {
          sendBatch(link, d, batch, buffers, governors, features);
          sentAny = true;
          if (d.stalledReason != null) {
            LOG.info(d.disk + " reads again; replication resumes");
            d.stalledReason = null;
          }
        } catch (SourceReadException e) {
          // This disk only: this batch's blocks are dirty again, the others go on.
          d.changes.untake(batch);
          d.stalledReason = "reading " + d.disk + " failed: " + e.getCause().getMessage();
          d.stalledRetryAtNanos = System.nanoTime() + STALLED_RETRY_NANOS;
          LOG.warning(d.stalledReason);
        }
      }
      link.flush();
      if (!sentAny) {
        awaitWork(disks, link);
      }
    }
    awaitInFlight(link, 30_000);
    listener.onStatus(report.status(disks, trackerKind, System.nanoTime()));
  }

  /**
   * Tries to give the replicator a consistency point: with nothing in flight, takes every dirty
   * block of every disk at one cut (no mark is applied meanwhile), sends them, then checks with the
   * tracker that no write landed on a block of the cut before it was read. Only then is the point
   * exact, and crash-consistent across the disks. Returns true once the point is sent.
   */
  private boolean consistencyPoint(
      ReplicationLink link,
      List<DiskProgress> disks,
      long point,
      java.util.concurrent.BlockingQueue<ChunkBuffer> buffers,
      Map<Integer, CompressionGovernor> governors,
      long features)
      throws IOException {
    long pending = 0;
    for (DiskProgress d : disks) {
      if (d.stalledReason != null) {
        return false; // a disk that cannot be read has no point in time
      }
      pending += d.changes.dirtyBlocks() * d.changes.blockBytes();
    }
    if (pending > POINT_MAX_BACKLOG_BYTES) {
      return false; // drain first
    }
    link.flush();
    awaitInFlight(link, 30_000);
    synchronized (inFlight) {
      if (inFlight.values().stream().anyMatch(q -> !q.isEmpty())) {
        return false;
      }
    }
    List<ChangeMap.Batch> cut = new ArrayList<>();
    boolean whole = true;
    synchronized (tracking.commitLock()) {
      for (DiskProgress d : disks) {
        cut.add(d.changes.take(POINT_MAX_BACKLOG_BYTES / d.changes.blockBytes()));
        whole &= d.changes.dirtyBlocks() == 0;
      }
    }
    if (!whole) {
      // More changed meanwhile than a cut may hold: drain first, then try again.
      for (int i = 0; i < disks.size(); i++) {
        disks.get(i).changes.untake(cut.get(i));
      }
      return false;
    }
    for (int i = 0; i < disks.size(); i++) {
      if (cut.get(i).blockCount() > 0) {
        try {
          sendBatch(link, disks.get(i), cut.get(i), buffers, governors, features);
        } catch (SourceReadException e) {
          // Nothing of this disk or the ones after it was sent: all of it is dirty again.
          for (int j = i; j < disks.size(); j++) {
            disks.get(j).changes.untake(cut.get(j));
          }
          return false;
        }
      }
    }
    link.flush();
    boolean exact;
    try {
      exact = tracking.awaitCaughtUp(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    for (int i = 0; exact && i < disks.size(); i++) {
      for (BlockRun r : cut.get(i).runs()) {
        for (long b = r.firstBlock(); exact && b < r.endBlock(); b++) {
          // Marked again since the cut: a write may have reached the block before it was read.
          exact = !disks.get(i).changes.isDirty(b);
        }
      }
    }
    boolean verifiable = tracking.realTime().isPresent();
    if (!exact && verifiable && ++pointAttempts < POINT_ATTEMPTS) {
      return false;
    }
    pointAttempts = 0;
    report.creatingSnapshot(point);
    link.send(
        new Message.ConsistencyPoint(
            point, disks.size(), exact ? Message.ConsistencyPoint.CRASH_CONSISTENT : 0));
    link.flush();
    return true;
  }

  /** Runs read ahead of the sender: scattered 4 KiB reads overlap instead of queueing. */
  private static final int READ_AHEAD_RUNS = 8;

  private final java.util.concurrent.ExecutorService readers =
      java.util.concurrent.Executors.newFixedThreadPool(
          4,
          r -> {
            Thread t = new Thread(r, "changed-block-reader");
            t.setDaemon(true);
            return t;
          });

  /** A run read from the disk, with the fingerprints of its blocks. */
  private record ReadRun(ChunkBuffer buffer, long offset, int length, long[] fingerprints) {}

  private java.util.concurrent.Future<ReadRun> readAhead(
      DiskProgress d, BlockRun run, java.util.concurrent.BlockingQueue<ChunkBuffer> buffers) {
    int blockBytes = d.changes.blockBytes();
    return readers.submit(
        () -> {
          ChunkBuffer b = buffers.take();
          long offset = run.offset(blockBytes);
          int len = (int) Math.min((long) run.blockCount() * blockBytes, d.disk.sizeBytes - offset);
          try {
            d.reader.read(b.direct, offset, len);
          } catch (IOException e) {
            b.release();
            throw new SourceReadException(e);
          }
          long[] fps = new long[run.blockCount()];
          for (int i = 0, k = 0; i < len; i += blockBytes) {
            fps[k++] = Fingerprints.of(b.direct, i, Math.min(blockBytes, len - i));
          }
          return new ReadRun(b, offset, len, fps);
        });
  }

  private void sendBatch(
      ReplicationLink link,
      DiskProgress d,
      ChangeMap.Batch batch,
      java.util.concurrent.BlockingQueue<ChunkBuffer> buffers,
      Map<Integer, CompressionGovernor> governors,
      long features)
      throws IOException {
    long[] fps = new long[(int) batch.blockCount()];
    int fpIndex = 0;
    long bytes = 0;
    CompressionGovernor governor =
        governors.computeIfAbsent(d.disk.diskId, k -> new CompressionGovernor());
    BlockCodec codec = CODEC.get();
    List<BlockRun> runs = batch.runs();
    ArrayDeque<java.util.concurrent.Future<ReadRun>> ahead = new ArrayDeque<>();
    int next = 0;
    try {
      while (next < runs.size() || !ahead.isEmpty()) {
        // At most READ_AHEAD_RUNS - 1 reads are pending, so one buffer is always coming back.
        while (next < runs.size() && ahead.size() < READ_AHEAD_RUNS - 1) {
          ahead.addLast(readAhead(d, runs.get(next++), buffers));
        }
        ReadRun r;
        try {
          r = ahead.removeFirst().get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof SourceReadException sre) {
            throw sre;
          }
          throw new IOException("reading changed blocks failed", e.getCause());
        }
        ChunkBuffer buf = r.buffer();
        try {
          System.arraycopy(r.fingerprints(), 0, fps, fpIndex, r.fingerprints().length);
          fpIndex += r.fingerprints().length;
          buf.disk = d;
          buf.offset = r.offset();
          buf.rawLength = r.length();
          buf.encode(codec, options.blockBytes(), features, governor);
          throttle.acquire(buf.framesLength);
          link.write(buf.frames, 0, buf.framesLength);
          report.sent(buf.framesLength);
          d.dataBytesSent.addAndGet(buf.dataBytes);
          d.zeroBytes.addAndGet(r.length() - buf.dataBytes);
          d.compressedPayloadBytes.addAndGet(buf.payloadBytes);
          bytes += r.length();
        } finally {
          buf.release();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      // A failed batch leaves no read behind holding a buffer.
      for (var f : ahead) {
        try {
          f.get().buffer().release();
        } catch (Exception e) {
          // its buffer was released where it failed
        }
      }
    }
    long epoch = ++d.epoch;
    InFlight f = new InFlight(epoch, batch, fps, bytes);
    synchronized (inFlight) {
      inFlight.get(d.disk.diskId).addLast(f);
    }
    inFlightBytes.addAndGet(bytes);
    link.send(new Message.Barrier(d.disk.diskId, epoch));
  }

  private static final ThreadLocal<BlockCodec> CODEC = ThreadLocal.withInitial(BlockCodec::new);

  /** Receiver thread: the batch is durable; record what the staging volume now holds. */
  private void onBarrierAck(DiskProgress d, long epoch) {
    if (d == null) {
      return;
    }
    long now = System.nanoTime();
    List<InFlight> done = new ArrayList<>();
    synchronized (inFlight) {
      ArrayDeque<InFlight> q = inFlight.get(d.disk.diskId);
      while (!q.isEmpty() && q.peekFirst().epoch() <= epoch) {
        done.add(q.removeFirst());
      }
      inFlight.notifyAll();
    }
    int blockBytes = d.changes.blockBytes();
    Fingerprints fp = d.changes.fingerprints();
    for (InFlight f : done) {
      inFlightBytes.addAndGet(-f.bytes());
      boolean current =
          d.changes.ack(
              f.batch(),
              () -> {
                int i = 0;
                for (BlockRun r : f.batch().runs()) {
                  for (long b = r.firstBlock(); b < r.endBlock(); b++) {
                    fp.set(b, f.fingerprints()[i++]);
                  }
                }
              });
      if (!current) {
        continue; // a late acknowledgement of blocks that were handed out again since
      }
      d.changedBytesDurable.addAndGet(f.batch().blockCount() * blockBytes);
      report.drained(f.batch().blockCount() * blockBytes);
      barriersAcked.incrementAndGet();
      durableListener.onDurable(d.disk.diskKey, f.batch(), now);
    }
    wakeUp();
  }

  /** Signalled when a block is marked or a batch acknowledged: the sender sleeps until then. */
  private final Object wake = new Object();

  private boolean woken;

  private void wakeUp() {
    synchronized (wake) {
      woken = true;
      wake.notifyAll();
    }
  }

  private void awaitWork(List<DiskProgress> disks, ReplicationLink link) throws IOException {
    try {
      long deadline = System.nanoTime() + 50_000_000L;
      while (System.nanoTime() < deadline && !stop.get()) {
        for (DiskProgress d : disks) {
          if (d.changes.hasTakeable()
              && (d.stalledReason == null || System.nanoTime() >= d.stalledRetryAtNanos)
              && inFlightBytes.get() < options.inFlightWindowBytes()) {
            return;
          }
        }
        // An idle agent sleeps: a mark or an acknowledgement wakes it (the flag keeps a signal
        // given between the check above and the wait).
        synchronized (wake) {
          if (!woken) {
            wake.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
          }
          woken = false;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    link.checkAlive();
  }

  private void awaitInFlight(ReplicationLink link, long timeoutMillis) throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    synchronized (inFlight) {
      while (inFlight.values().stream().anyMatch(q -> !q.isEmpty())) {
        link.checkAlive();
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          return;
        }
        try {
          inFlight.wait(Math.min(left, 200));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
