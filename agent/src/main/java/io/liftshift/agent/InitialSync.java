package io.liftshift.agent;

import io.liftshift.protocol.BlockCodec;
import io.liftshift.protocol.Message;
import java.io.IOException;
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
 * Copies every disk from its resume offset to its end over one link, as a pipeline: a reader thread
 * per disk hands out chunks to {@link #READS_IN_FLIGHT} read tasks that read, encode and hash them,
 * and this thread is the only sender. Reading never waits for the socket, except when the in-flight
 * window or a disk's buffer pool is full.
 */
final class InitialSync {
  private static final ThreadLocal<BlockCodec> CODECS = ThreadLocal.withInitial(BlockCodec::new);

  private final AgentOptions options;
  private final SyncListener listener;
  private final long startNanos;
  private final Throttle throttle;

  InitialSync(AgentOptions options, SyncListener listener, long startNanos, Throttle throttle) {
    this.throttle = throttle;
    this.options = options;
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
    // Few disks: larger reads. A loop device or a virtual disk streams several times faster at
    // 4 MiB per request than at 1 MiB; the buffers stay within what 1 MiB chunks used for more
    // disks (each disk's pool holds its reads in flight plus two waiting for the sender).
    int factor = Integer.highestOneBit(Math.max(1, MAX_CHUNK_FACTOR / Math.max(1, todo.size())));
    chunkBytes = options.readChunkBytes() * factor;
    int perDiskChunks =
        factor > 1
            ? READS_IN_FLIGHT + 2
            : Math.max(2, options.readAheadChunks() / Math.max(1, todo.size())) + 2;
    try {
      for (DiskProgress d : todo) {
        BlockingQueue<ChunkBuffer> pool = new ArrayBlockingQueue<>(perDiskChunks);
        for (int i = 0; i < perDiskChunks; i++) {
          pool.add(new ChunkBuffer(chunkBytes, options.blockBytes(), pool));
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

  /**
   * Reads in flight per disk. Each read task also encodes and hashes its chunk, so while one thread
   * waits for the disk the others keep both cores busy with LZ4 and SHA-256.
   */
  static final int READS_IN_FLIGHT = 4;

  /** The most the sender writes per throttle grant (a quarter second at 8 Mbps). */
  static final int THROTTLE_SLICE_BYTES = 256 << 10;

  /** A run of one disk reads chunks of up to this many times {@code readChunkBytes}. */
  static final int MAX_CHUNK_FACTOR = 4;

  /** This run's read size: {@code readChunkBytes} times a power of two (so leaves stay whole). */
  private int chunkBytes;

  /**
   * Hands out the chunks of a disk in offset order: each is read (O_DIRECT on a block device),
   * encoded and hashed by a read task, and its future queued for the sender in that order.
   */
  private void readDisk(
      DiskProgress d,
      long from,
      BlockingQueue<ChunkBuffer> pool,
      BlockingQueue<Future<ChunkBuffer>> sendQueue,
      long features,
      CompressionGovernor governor,
      java.util.concurrent.atomic.AtomicBoolean stop) {
    long size = d.disk.sizeBytes;
    ExecutorService reads =
        java.util.concurrent.Executors.newFixedThreadPool(
            READS_IN_FLIGHT,
            r -> {
              Thread t = new Thread(r, "disk-read-" + d.disk.diskId);
              t.setDaemon(true);
              return t;
            });
    io.liftshift.agent.tracking.DiskReader reader = null;
    try {
      reader = io.liftshift.agent.tracking.DiskReader.open(d.disk.path);
      io.liftshift.agent.tracking.DiskReader source = reader;
      for (long off = from; off < size; ) {
        ChunkBuffer b = pool.poll(100, TimeUnit.MILLISECONDS);
        if (stop.get()) {
          return;
        }
        if (b == null) {
          continue;
        }
        int len = (int) Math.min(chunkBytes, size - off);
        if (d.changes != null) {
          clearMarks(d, off, len);
        }
        b.disk = d;
        b.offset = off;
        b.rawLength = len;
        b.endOfDisk = false;
        b.unread = d.used != null && !d.used.anyUsed(off, len);
        b.leafGenerations = leafGenerations(d.leaves, off, len);
        sendQueue.put(
            reads.submit(
                () -> {
                  readChunk(source, b);
                  b.encode(CODECS.get(), options.blockBytes(), features, governor);
                  b.hashLeaves(SHA.get());
                  return b;
                }));
        off += len;
      }
      reads.shutdown();
      reads.awaitTermination(600, TimeUnit.SECONDS);
      if (d.readDoneNanos == 0) {
        d.readDoneNanos = System.nanoTime();
      }
      sendQueue.put(CompletableFuture.completedFuture(ChunkBuffer.endOf(d)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      sendQueue.add(CompletableFuture.failedFuture(e));
    } finally {
      reads.shutdown();
      try {
        // The reader closes when this returns: let reads in flight finish first.
        reads.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (reader != null) {
        try {
          reader.close();
        } catch (IOException e) {
          // Read-only: nothing is lost by a failed close.
        }
      }
    }
  }

  /**
   * What is read now supersedes earlier marks, and a write after this point marks again. A tracking
   * block that is not wholly used goes (partly) as zeros whatever it holds, so only the fill of a
   * new change map is cleared there: a write's mark stays for continuous replication to send.
   */
  private static void clearMarks(DiskProgress d, long off, int len) {
    io.liftshift.agent.tracking.ChangeMap changes = d.changes;
    if (d.used == null) {
      changes.clearBeforeRead(off, len);
      return;
    }
    long tb = changes.blockBytes();
    long firstBlock = off / tb;
    int blocks = (int) ((off + len + tb - 1) / tb - firstBlock);
    boolean[] skipped = new boolean[blocks];
    d.used.forEachUnused(
        firstBlock * tb,
        (long) blocks * tb,
        (o, l) -> {
          for (long b = o / tb; b < (o + l + tb - 1) / tb; b++) {
            skipped[(int) (b - firstBlock)] = true;
          }
        });
    for (int i = 0; i < blocks; ) {
      int j = i;
      while (j < blocks && skipped[j] == skipped[i]) {
        j++;
      }
      long at = (firstBlock + i) * tb;
      long n = (j - i) * tb;
      if (skipped[i]) {
        changes.clearBeforeSkip(at, n);
      } else {
        changes.clearBeforeRead(at, n);
      }
      i = j;
    }
  }

  private static final ThreadLocal<java.security.MessageDigest> SHA =
      ThreadLocal.withInitial(io.liftshift.protocol.StreamedLeaves::sha256);

  /** Generations of the leaves wholly inside a chunk, taken before it is read. */
  private static int[] leafGenerations(
      io.liftshift.protocol.StreamedLeaves leaves, long off, int len) {
    if (leaves == null) {
      return null;
    }
    long lb = leaves.leafBytes();
    long first = (off + lb - 1) / lb;
    long end = off + len;
    int n = 0;
    while (first + n < leaves.leafCount()
        && (first + n) * lb + leaves.leafLength(first + n) <= end) {
      n++;
    }
    int[] g = new int[n];
    for (int i = 0; i < n; i++) {
      g[i] = leaves.generation(first + i);
    }
    return g;
  }

  private void readChunk(io.liftshift.agent.tracking.DiskReader reader, ChunkBuffer b)
      throws IOException {
    DiskProgress d = b.disk;
    if (b.unread) {
      d.unusedBytesSkipped.addAndGet(b.rawLength);
      if (d.changes != null) {
        // Fingerprints are of what the replica holds: zeros here, whatever the source has.
        int tb = d.changes.blockBytes();
        d.changes.fingerprints().recordZeros(b.offset / tb, b.rawLength, tb);
      }
      return;
    }
    reader.read(b.direct, b.offset, b.rawLength);
    if (d.used != null) {
      // Blocks no file system uses go as zeros: the replica is the source with them zeroed.
      long[] skipped = {0};
      d.used.forEachUnused(
          b.offset,
          b.rawLength,
          (o, l) -> {
            b.zero((int) (o - b.offset), (int) l);
            skipped[0] += l;
          });
      d.unusedBytesSkipped.addAndGet(skipped[0]);
    }
    if (d.changes != null) {
      // After the zeroing: a fingerprint is of the block as the replica holds it, so that a scan
      // finds a block sent as zeros that the source has since filled.
      int tb = d.changes.blockBytes();
      d.changes.fingerprints().record(b.offset / tb, b.direct, b.rawLength, tb);
    }
    d.bytesRead.addAndGet(b.rawLength);
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
      // Throttled in slices: a whole 4 MiB chunk taken at once would leave a slow throttle
      // sending in bursts seconds apart instead of at its rate.
      for (int off = 0; off < b.framesLength; off += THROTTLE_SLICE_BYTES) {
        int n = Math.min(THROTTLE_SLICE_BYTES, b.framesLength - off);
        try {
          throttle.acquire(n);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
        link.write(b.frames, off, n);
      }
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
