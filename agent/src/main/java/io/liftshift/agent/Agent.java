package io.liftshift.agent;

import io.liftshift.agent.allocation.DiskLayout;
import io.liftshift.protocol.Message;
import io.liftshift.protocol.ProtocolException;
import io.liftshift.protocol.StreamedLeaves;
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

  /** Change state is checkpointed (fsynced snapshot, new journal segment) this often. */
  public static final long CHECKPOINT_INTERVAL_MILLIS = 5000;

  private final AgentOptions options;
  private final SyncListener listener;
  private final ReplicationControl control;
  private final Throttle throttle;
  private final java.util.concurrent.atomic.AtomicBoolean stop =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicLong barriersAcked =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile DurabilityListener durableListener = DurabilityListener.NONE;
  private volatile ChangeTracking tracking;

  public Agent(AgentOptions options, SyncListener listener) {
    this(options, listener, new ReplicationControl());
  }

  /** An agent whose throttle and pause/resume follow {@code control}, changed live. */
  public Agent(AgentOptions options, SyncListener listener, ReplicationControl control) {
    options.validate();
    this.options = options;
    this.listener = listener;
    this.control = control;
    this.throttle = new Throttle(control);
  }

  /** Ends continuous replication: in-flight batches are awaited, state is saved, run returns. */
  public void stop() {
    stop.set(true);
  }

  /** Benchmarks: called on the receiver thread whenever a batch of changes is durable. */
  public void onDurable(DurabilityListener l) {
    this.durableListener = l;
  }

  /** The change tracking of the running agent, once started (tests and benchmarks). */
  public ChangeTracking tracking() {
    return tracking;
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
        DiskProgress p = new DiskProgress(d);
        if (options.verify() && !options.continuous()) {
          p.leaves = new StreamedLeaves(d.sizeBytes, options.verifyLeafBytes());
        }
        progress.add(p);
      }
      if (options.stateDir() != null) {
        // Tracking starts before anything is read, the allocation maps included: a block the file
        // system allocates after its bitmap was read is then marked by a write, and stays marked
        // although the initial sync sends it as zeros (ChangeMap#clearBeforeSkip).
        tracking = ChangeTracking.start(options, progress, listener);
      }
      if (options.syncScope() == SyncScope.USED) {
        for (DiskProgress p : progress) {
          DiskLayout layout = DiskLayout.read(p.disk.channel, p.disk.sizeBytes);
          p.used = layout.used();
          p.syncScope = layout.description();
          LOG.info(p.disk + ": initial sync reads " + layout.description());
        }
      }
      return replicate(progress, encoders);
    } finally {
      encoders.shutdownNow();
      if (tracking != null) {
        tracking.close();
      }
      for (SourceDisk d : disks) {
        d.close();
      }
    }
  }

  private SyncReport replicate(List<DiskProgress> disks, ExecutorService encoders)
      throws IOException, VerificationFailedException {
    long start = System.nanoTime();
    InitialSync sync = new InitialSync(options, listener, start, throttle);
    boolean verified = false;
    long syncNanos = -1;
    long verifyNanos = 0;
    List<String> roots = new ArrayList<>();
    long backoff = options.initialBackoffMillis();
    // Progress, not a connection, resets the clock: a replicator that accepts and then fails every
    // session (a full staging disk) must not keep the agent retrying silently forever.
    long lastProgress = System.nanoTime();
    long lastDurable = durableBytes(disks) + barriersAcked.get();
    int reconnects = -1;
    long wireBytes = 0;
    while (true) {
      ReplicationLink link = null;
      long sessionStart = System.nanoTime();
      // Every attempt after the first counts, failed ones too: a lost connection that took three
      // tries to restore is three reconnects, not the one that worked.
      reconnects++;
      try {
        link = ReplicationLink.open(options);
        sessionStart = System.nanoTime();
        sync.run(link, disks);
        if (syncNanos < 0) {
          syncNanos = System.nanoTime() - start;
        }
        if (tracking != null) {
          tracking.initialSyncDurable();
        }
        // Under continuous replication the source keeps changing: convergence is checked by the
        // change state (nothing pending), not by comparing digests of a moving disk.
        if (options.verify() && !verified && !options.continuous()) {
          listener.onVerifying();
          long v0 = System.nanoTime();
          roots.clear();
          for (DiskProgress d : disks) {
            roots.add(verify(link, d, encoders));
          }
          verifyNanos = System.nanoTime() - v0;
          verified = true;
        }
        if (options.continuous()) {
          new ContinuousReplication(
                  options,
                  control,
                  throttle,
                  listener,
                  stop,
                  barriersAcked,
                  (k, b, t) -> durableListener.onDurable(k, b, t))
              .run(link, disks, tracking);
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
                  roots.isEmpty() ? "" : roots.get(i),
                  d.syncScope,
                  d.unusedBytesSkipped.get(),
                  d.leaves == null ? 0 : d.leaves.leavesReadBack() * d.leaves.leafBytes()));
        }
        long readDone = 0;
        for (DiskProgress d : disks) {
          readDone = Math.max(readDone, d.readDoneNanos == 0 ? 0 : d.readDoneNanos - start);
        }
        return new SyncReport(
            reports, syncNanos, readDone, verifyNanos, wireBytes, reconnects, options.verify());
      } catch (IOException e) {
        if (link != null) {
          wireBytes += link.wireBytes();
        }
        if (control.desired() == ReplicationControl.Desired.DISCONNECTED) {
          // Finalized or disconnected: the replicator dropped this server's staging volumes, so no
          // reconnect can succeed; the caller uninstalls rather than retrying until the timeout.
          throw new DisconnectedFromServiceException(
              "disconnected from the service (" + e.getMessage() + ")");
        }
        if (e instanceof SourceReadException || !ReplicationLink.isRetryable(e)) {
          throw e;
        }
        long durable = durableBytes(disks) + barriersAcked.get();
        if (link != null && System.nanoTime() - sessionStart > 60_000_000_000L) {
          // A long healthy session (continuous replication of an idle disk) is progress too.
          lastProgress = System.nanoTime();
        }
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
        if (stop.get()) {
          throw new IOException("stopped while reconnecting: " + e.getMessage(), e);
        }
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
    // Leaves hashed while sending are kept; only those never seen (below a resume point, or
    // straddling read chunks) are read from the source now, zeroed where nothing uses them.
    Future<VolumeDigest> local =
        pool.submit(
            () ->
                d.leaves == null
                    ? VolumeDigest.compute(d.disk.channel, d.disk.sizeBytes, leaf, 2)
                    : d.leaves.complete(
                        (i, buf) -> {
                          d.leaves.readLeaf(d.disk.channel, i, buf);
                          if (d.used != null) {
                            long at = i * leaf;
                            d.used.forEachUnused(
                                at,
                                buf.limit(),
                                (o, l) -> {
                                  for (long k = o; k < o + l; k++) {
                                    buf.put((int) (k - at), (byte) 0);
                                  }
                                });
                          }
                        }));
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
