package io.liftshift.agent;

import io.liftshift.protocol.BlockCodec;
import io.liftshift.protocol.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Copies every disk from its resume offset to its end over one link, as a three-stage pipeline: a
 * reader thread per disk, a shared pool of encoders, and this thread as the only sender. Reading
 * never waits for compression, and compression never waits for the socket, except when the
 * in-flight window or a disk's buffer pool is full.
 */
final class InitialSync {
  private static final ThreadLocal<BlockCodec> CODECS = ThreadLocal.withInitial(BlockCodec::new);

  private final AgentOptions options;
  private final ExecutorService encoders;
  private final SyncListener listener;
  private final long startNanos;
  private final Throttle throttle;

  InitialSync(
      AgentOptions options,
      ExecutorService encoders,
      SyncListener listener,
      long startNanos,
      Throttle throttle) {
    this.throttle = throttle;
    this.options = options;
    this.encoders = encoders;
    this.listener = listener;
    this.startNanos = startNanos;
  }

  /** Runs until every disk is durable to its end, or throws when the link fails. */
  void run(ReplicationLink link, List<DiskProgress> disks) throws IOException {
    InFlightWindow window = new InFlightWindow(options.inFlightWindowBytes());
    for (DiskProgress d : disks) {
      window.track(d);
    }
    link.onAck(window::acked);
    List<DiskProgress> todo = new ArrayList<>();
    for (DiskProgress d : disks) {
      Message.DiskReady ready = link.openDisk(d.disk, 120_000);
      if (ready.durableOffset() > d.disk.sizeBytes) {
        throw new IOException("replicator reports a durable offset past the end of " + d.disk);
      }
      d.ackedOffset = ready.durableOffset();
      d.stagingVolumeId = ready.stagingVolumeId();
      if (!d.complete()) {
        todo.add(d);
      }
    }
    long features = link.features();
    BlockingQueue<Future<ChunkBuffer>> sendQueue = new LinkedBlockingQueue<>();
    List<Thread> readers = new ArrayList<>();
    // Readers are stopped by this flag, never by interrupt: an interrupt during a read closes the
    // disk's FileChannel for every later session.
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    int perDiskChunks = Math.max(2, options.readAheadChunks() / Math.max(1, todo.size())) + 2;
    try {
      for (DiskProgress d : todo) {
        BlockingQueue<ChunkBuffer> pool = new ArrayBlockingQueue<>(perDiskChunks);
        for (int i = 0; i < perDiskChunks; i++) {
          pool.add(new ChunkBuffer(options.readChunkBytes(), options.blockBytes(), pool));
        }
        CompressionGovernor governor = new CompressionGovernor();
        Thread t =
            new Thread(
                () -> readDisk(d, d.ackedOffset, pool, sendQueue, features, governor, stop),
                "disk-reader-" + d.disk.diskId);
        t.setDaemon(true);
        readers.add(t);
        t.start();
      }
      send(link, window, sendQueue, todo.size(), disks);
      window.awaitAllDurable(link, 600_000);
      report(link, disks);
    } finally {
      stop.set(true);
      for (Thread t : readers) {
        try {
          t.join(5000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private void readDisk(
      DiskProgress d,
      long from,
      BlockingQueue<ChunkBuffer> pool,
      BlockingQueue<Future<ChunkBuffer>> sendQueue,
      long features,
      CompressionGovernor governor,
      java.util.concurrent.atomic.AtomicBoolean stop) {
    long size = d.disk.sizeBytes;
    try {
      for (long off = from; off < size; ) {
        ChunkBuffer b = pool.poll(100, TimeUnit.MILLISECONDS);
        if (stop.get()) {
          return;
        }
        if (b == null) {
          continue;
        }
        int len = (int) Math.min(options.readChunkBytes(), size - off);
        if (d.changes != null) {
          // What is read now supersedes earlier marks; a write after this point marks again.
          d.changes.clearBeforeRead(off, len);
        }
        ByteBuffer bb = b.direct.clear().limit(len);
        while (bb.hasRemaining()) {
          int n = d.disk.channel.read(bb, off + bb.position());
          if (n < 0) {
            throw new IOException(d.disk + " ended at " + (off + bb.position()) + " of " + size);
          }
        }
        if (d.changes != null) {
          int tb = d.changes.blockBytes();
          d.changes.fingerprints().record(off / tb, b.direct, len, tb);
        }
        b.disk = d;
        b.offset = off;
        b.rawLength = len;
        b.endOfDisk = false;
        d.bytesRead.addAndGet(len);
        sendQueue.put(
            encoders.submit(
                () -> {
                  b.encode(CODECS.get(), options.blockBytes(), features, governor);
                  return b;
                }));
        off += len;
      }
      sendQueue.put(CompletableFuture.completedFuture(ChunkBuffer.endOf(d)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      sendQueue.add(CompletableFuture.failedFuture(e));
    }
  }

  private void send(
      ReplicationLink link,
      InFlightWindow window,
      BlockingQueue<Future<ChunkBuffer>> sendQueue,
      int diskCount,
      List<DiskProgress> all)
      throws IOException {
    int open = diskCount;
    long lastReport = System.nanoTime();
    while (open > 0) {
      link.checkAlive();
      Future<ChunkBuffer> f;
      try {
        f = sendQueue.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      if (f == null) {
        link.flush();
        continue;
      }
      ChunkBuffer b;
      try {
        b = f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof IOException io
            ? new SourceReadException(io)
            : new IOException("encoding failed", e.getCause());
      }
      DiskProgress d = b.disk;
      if (b.endOfDisk) {
        link.send(new Message.Flush(d.disk.diskId));
        open--;
        continue;
      }
      if (b.dataBytes > 0) {
        link.flush();
        window.awaitRoom(b.dataBytes, link);
      }
      // Recorded before the write: an ACK may come back before write() returns.
      if (b.dataBytes > 0) {
        window.sent(d, b.end(), b.dataBytes);
      }
      try {
        throttle.acquire(b.framesLength);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      link.write(b.frames, 0, b.framesLength);
      if (b.end() <= d.maxSentEnd) {
        d.resentBytes.addAndGet(b.dataBytes);
      }
      d.maxSentEnd = Math.max(d.maxSentEnd, b.end());
      d.dataBytesSent.addAndGet(b.dataBytes);
      d.zeroBytes.addAndGet(b.rawLength - b.dataBytes);
      d.compressedPayloadBytes.addAndGet(b.payloadBytes);
      b.release();
      long now = System.nanoTime();
      if (now - lastReport > 500_000_000L) {
        lastReport = now;
        report(link, all);
      }
    }
    link.flush();
  }

  private void report(ReplicationLink link, List<DiskProgress> disks) {
    long total = 0;
    long sent = 0;
    long durable = 0;
    List<SyncProgress.Disk> each = new ArrayList<>();
    for (DiskProgress d : disks) {
      long s = Math.max(d.maxSentEnd, d.ackedOffset);
      total += d.disk.sizeBytes;
      sent += s;
      durable += d.ackedOffset;
      each.add(new SyncProgress.Disk(d.disk.diskKey, d.disk.sizeBytes, s, d.ackedOffset));
    }
    listener.onProgress(
        new SyncProgress(
            total, sent, durable, link.wireBytes(), System.nanoTime() - startNanos, each));
  }
}
