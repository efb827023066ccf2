package io.liftshift.agent;

import io.liftshift.protocol.Message;
import io.liftshift.protocol.ProtocolException;
import io.liftshift.protocol.VolumeDigest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * Runs an initial sync of the configured disks to a replicator and verifies the result. A dropped
 * connection or a restarted replicator costs a reconnect with backoff and at most the in-flight
 * window sent again; only permanent refusals (a wrong token, an incompatible version) and source
 * read errors end the run early.
 */
public final class Agent {
  private static final Logger LOG = Logger.getLogger(Agent.class.getName());

  private final AgentOptions options;
  private final SyncListener listener;

  public Agent(AgentOptions options, SyncListener listener) {
    options.validate();
    this.options = options;
    this.listener = listener;
  }

  public SyncReport run() throws IOException, VerificationFailedException {
    List<SourceDisk> disks = new ArrayList<>();
    AtomicInteger threadNo = new AtomicInteger();
    ExecutorService encoders =
        Executors.newFixedThreadPool(
            options.encoderThreads(),
            r -> {
              Thread t = new Thread(r, "block-encoder-" + threadNo.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      int id = 1;
      java.util.Set<String> keys = new java.util.HashSet<>();
      for (var p : options.disks()) {
        SourceDisk d = SourceDisk.open(id++, p);
        disks.add(d);
        if (!keys.add(d.diskKey)) {
          throw new IllegalArgumentException(
              "disk " + p + " is given twice (both name " + d.diskKey + ")");
        }
      }
      List<DiskProgress> progress = new ArrayList<>();
      for (SourceDisk d : disks) {
        progress.add(new DiskProgress(d));
      }
      return replicate(progress, encoders);
    } finally {
      encoders.shutdownNow();
      for (SourceDisk d : disks) {
        d.close();
      }
    }
  }

  private SyncReport replicate(List<DiskProgress> disks, ExecutorService encoders)
      throws IOException, VerificationFailedException {
    long start = System.nanoTime();
    InitialSync sync = new InitialSync(options, encoders, listener, start);
    long backoff = options.initialBackoffMillis();
    // Progress, not a connection, resets the clock: a replicator that accepts and then fails every
    // session (a full staging disk) must not keep the agent retrying silently forever.
    long lastProgress = System.nanoTime();
    long lastDurable = durableBytes(disks);
    int reconnects = -1;
    long wireBytes = 0;
    while (true) {
      ReplicationLink link = null;
      try {
        link = ReplicationLink.open(options);
        reconnects++;
        sync.run(link, disks);
        long syncNanos = System.nanoTime() - start;
        long verifyNanos = 0;
        List<String> roots = new ArrayList<>();
        if (options.verify()) {
          listener.onVerifying();
          long v0 = System.nanoTime();
          for (DiskProgress d : disks) {
            roots.add(verify(link, d, encoders));
          }
          verifyNanos = System.nanoTime() - v0;
        }
        wireBytes += link.wireBytes();
        link.goodbye();
        List<DiskReport> reports = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
          DiskProgress d = disks.get(i);
          reports.add(
              new DiskReport(
                  d.disk.diskKey,
                  d.disk.sizeBytes,
                  d.stagingVolumeId,
                  d.dataBytesSent.get(),
                  d.zeroBytes.get(),
                  d.compressedPayloadBytes.get(),
                  d.resentBytes.get(),
                  roots.isEmpty() ? "" : roots.get(i)));
        }
        return new SyncReport(
            reports, syncNanos, verifyNanos, wireBytes, reconnects, options.verify());
      } catch (IOException e) {
        if (link != null) {
          wireBytes += link.wireBytes();
        }
        if (e instanceof SourceReadException || !ReplicationLink.isRetryable(e)) {
          throw e;
        }
        long durable = durableBytes(disks);
        if (durable > lastDurable) {
          lastDurable = durable;
          lastProgress = System.nanoTime();
          backoff = options.initialBackoffMillis();
        }
        long failingFor = (System.nanoTime() - lastProgress) / 1_000_000_000L;
        if (failingFor > options.reconnectTimeoutSeconds()) {
          throw new IOException(
              "gave up after " + failingFor + " s without progress: " + e.getMessage(), e);
        }
        long sleep = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        LOG.info(
            "replication link lost (" + e.getMessage() + "); reconnecting in " + sleep + " ms");
        listener.onReconnecting(e.getMessage(), sleep);
        try {
          Thread.sleep(sleep);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while reconnecting", ie);
        }
        backoff = Math.min(options.maxBackoffMillis(), backoff * 2);
      } finally {
        if (link != null) {
          link.close();
        }
      }
    }
  }

  private static long durableBytes(List<DiskProgress> disks) {
    long sum = 0;
    for (DiskProgress d : disks) {
      sum += d.ackedOffset;
    }
    return sum;
  }

  /** Compares the source's digest with the staging volume's; names the first differing block. */
  private String verify(ReplicationLink link, DiskProgress d, ExecutorService pool)
      throws IOException, VerificationFailedException {
    int leaf = options.verifyLeafBytes();
    Future<VolumeDigest> local =
        pool.submit(() -> VolumeDigest.compute(d.disk.channel, d.disk.sizeBytes, leaf, 2));
    // The replicator hashes while we do; allow a slow disk (10 MB/s) plus a minute.
    long timeout = 60_000 + d.disk.sizeBytes / 10_000;
    Message.VerifyResult theirs = link.verify(d.disk.diskId, leaf, timeout);
    VolumeDigest mine;
    try {
      mine = local.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw new SourceReadException(
          e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
    }
    if (theirs.leafCount() != mine.leafCount() || theirs.leafBytes() != leaf) {
      throw new VerificationFailedException(d.disk.diskKey, 0, 0, leaf);
    }
    long differing;
    try {
      differing =
          mine.firstDifferingLeaf(
              theirs.root(),
              (level, first, count) -> link.merkleNodes(d.disk.diskId, level, first, count));
    } catch (ProtocolException e) {
      throw new IOException(e.getMessage(), e);
    }
    if (differing >= 0) {
      throw new VerificationFailedException(d.disk.diskKey, differing, differing * leaf, leaf);
    }
    return HexFormat.of().formatHex(mine.root());
  }
}
