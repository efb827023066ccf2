package io.liftshift.replicator;

import io.liftshift.cloud.PointInTimePolicy;
import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.Snapshots;
import io.liftshift.protocol.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Takes point-in-time snapshots of each source server (staging volume → <b>snapshot</b>): asks the
 * agent for a consistency point when one is due, holds every disk's queue of that server at the
 * point, snapshots all its volumes while nothing is applied, then lets the queues go on and prunes
 * by the PIT policy. A failed snapshot is reported and replication keeps running.
 */
final class PointInTimeCoordinator implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PointInTimeCoordinator.class.getName());

  /** A point the agent has not delivered within this time is given up (and asked for again). */
  static final long POINT_TIMEOUT_MILLIS = 60_000;

  private final Snapshots snapshots;
  private final PointInTimePolicy policy;

  /** Set when the operator fixed the interval for every server (tests, benchmarks). */
  private final long intervalMillis;

  /** Each source server's own policy, from its replication configuration. */
  private final Map<String, PointInTimePolicy> policies = new ConcurrentHashMap<>();

  private final boolean prune;
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "pit-snapshots");
            t.setDaemon(true);
            return t;
          });
  private final AtomicLong pointIds = new AtomicLong(System.currentTimeMillis());
  private final Map<String, Long> lastTakenMillis = new ConcurrentHashMap<>();
  private final Map<String, long[]> outstanding = new ConcurrentHashMap<>();
  private final Set<String> loading = ConcurrentHashMap.newKeySet();
  private final Set<String> preparing = ConcurrentHashMap.newKeySet();

  PointInTimeCoordinator(
      Snapshots snapshots, PointInTimePolicy policy, long intervalMillis, boolean prune) {
    this.prune = prune;
    this.snapshots = snapshots;
    this.policy = policy;
    this.intervalMillis = intervalMillis;
  }

  /** The server's policy from now on (its replication configuration changed). */
  void policy(String sourceServerId, PointInTimePolicy serverPolicy) {
    policies.put(sourceServerId, serverPolicy);
  }

  /**
   * A launch wants a snapshot taken after {@code epochMillis}: the next chance takes one, whatever
   * the schedule says.
   */
  void requested(String sourceServerId, long epochMillis) {
    Long last = lastTakenMillis.get(sourceServerId);
    if (last != null && last < epochMillis) {
      lastTakenMillis.put(sourceServerId, 0L);
    }
  }

  PointInTimePolicy policyOf(String sourceServerId) {
    return policies.getOrDefault(sourceServerId, policy);
  }

  private long intervalMillis(String sourceServerId) {
    return intervalMillis > 0
        ? intervalMillis
        : policyOf(sourceServerId).snapshotInterval().toMillis();
  }

  Snapshots snapshots() {
    return snapshots;
  }

  /**
   * A new point id when a snapshot of the server is due and none is under way, else -1. Volumes
   * whose changes since their last snapshot are unknown (after a restart) get a baseline first,
   * read outside any hold, so that no hold lasts a whole-volume read.
   */
  long requestIfDue(String sourceServerId, List<StagingWriter> writers) {
    List<StagingWriter> unknown = writers.stream().filter(StagingWriter::needsBaseline).toList();
    if (!unknown.isEmpty()) {
      if (preparing.add(sourceServerId)) {
        executor.execute(() -> prepareBaselines(sourceServerId, unknown));
      }
      return -1;
    }
    long now = System.currentTimeMillis();
    long[] pending = outstanding.get(sourceServerId);
    if (pending != null && now - pending[1] < POINT_TIMEOUT_MILLIS) {
      return -1;
    }
    Long last = lastTakenMillis.get(sourceServerId);
    if (last == null) {
      // The store is asked once per server, off the event loop that calls this.
      if (loading.add(sourceServerId)) {
        executor.execute(
            () -> {
              long t = 0;
              try {
                List<PointInTimeSnapshot> l = snapshots.list(sourceServerId);
                t = l.isEmpty() ? 0L : l.get(l.size() - 1).takenAt().toEpochMilli();
              } catch (java.io.IOException | RuntimeException e) {
                LOG.warning("listing snapshots of " + sourceServerId + ": " + e.getMessage());
              }
              lastTakenMillis.putIfAbsent(sourceServerId, t);
            });
      }
      return -1;
    }
    if (now - last < intervalMillis(sourceServerId)) {
      return -1;
    }
    long id = pointIds.incrementAndGet();
    outstanding.put(sourceServerId, new long[] {id, now});
    return id;
  }

  /**
   * The agent's consistency point: hold every volume queue of the server after what was received
   * before it, snapshot them all, then release. {@code reply} gets SNAPSHOT_TAKEN.
   */
  void onConsistencyPoint(
      String sourceServerId,
      Message.ConsistencyPoint point,
      List<StagingWriter> writers,
      Consumer<Message> reply) {
    long[] pending = outstanding.get(sourceServerId);
    if (pending == null || pending[0] != point.pointId()) {
      reply.accept(new Message.SnapshotTaken(point.pointId(), 1, "no snapshot was requested"));
      return;
    }
    if (writers.isEmpty()) {
      outstanding.remove(sourceServerId, pending);
      reply.accept(new Message.SnapshotTaken(point.pointId(), 1, "no disk is open"));
      return;
    }
    if (point.diskCount() != writers.size()) {
      outstanding.remove(sourceServerId, pending);
      reply.accept(
          new Message.SnapshotTaken(
              point.pointId(),
              1,
              "the point covers "
                  + point.diskCount()
                  + " disk(s), "
                  + writers.size()
                  + " are open"));
      return;
    }
    CompletableFuture<Void> gate = new CompletableFuture<>();
    AtomicInteger waiting = new AtomicInteger(writers.size());
    java.util.concurrent.atomic.AtomicReference<String> syncFailure =
        new java.util.concurrent.atomic.AtomicReference<>();
    for (StagingWriter w : writers) {
      w.queue.hold(
          () -> {
            try {
              w.sync();
            } catch (java.io.IOException e) {
              // A snapshot of a volume whose writes are not durable would miss some of them.
              syncFailure.compareAndSet(
                  null, "fsync before the snapshot failed: " + e.getMessage());
            }
            if (waiting.decrementAndGet() == 0) {
              try {
                executor.execute(
                    () -> take(sourceServerId, point, pending, writers, gate, syncFailure, reply));
              } catch (java.util.concurrent.RejectedExecutionException e) {
                gate.complete(null); // shutting down: never leave the queues held
              }
            }
          },
          gate);
    }
  }

  private void take(
      String sourceServerId,
      Message.ConsistencyPoint point,
      long[] pending,
      List<StagingWriter> writers,
      CompletableFuture<Void> gate,
      java.util.concurrent.atomic.AtomicReference<String> syncFailure,
      Consumer<Message> reply) {
    PointInTimeSnapshot set;
    try {
      if (syncFailure.get() != null) {
        throw new java.io.IOException(syncFailure.get());
      }
      List<Snapshots.Source> sources = new ArrayList<>();
      for (StagingWriter w : writers) {
        sources.add(new Snapshots.Source(w.volume(), w.changedSinceSnapshot()));
      }
      long t0 = System.nanoTime();
      set = snapshots.create(sourceServerId, sources);
      for (StagingWriter w : writers) {
        w.snapshotTaken();
      }
      LOG.info(
          "snapshot "
              + set.snapshotSetId()
              + " of "
              + sourceServerId
              + ": "
              + writers.size()
              + " volume(s), "
              + set.changedBytes()
              + " bytes changed, "
              + set.storedBytes()
              + " stored, "
              + (System.nanoTime() - t0) / 1_000_000
              + " ms held"
              + ((point.flags() & Message.ConsistencyPoint.CRASH_CONSISTENT) == 0
                  ? " (the agent could not verify the cut: not guaranteed crash-consistent)"
                  : ""));
    } catch (java.io.IOException | RuntimeException e) {
      gate.complete(null);
      outstanding.remove(sourceServerId, pending);
      LOG.warning("snapshot of " + sourceServerId + " failed: " + e.getMessage());
      reply.accept(new Message.SnapshotTaken(point.pointId(), 1, String.valueOf(e.getMessage())));
      return;
    }
    gate.complete(null);
    lastTakenMillis.put(sourceServerId, set.takenAt().toEpochMilli());
    outstanding.remove(sourceServerId, pending);
    reply.accept(new Message.SnapshotTaken(point.pointId(), 0, set.snapshotSetId()));
    if (prune) {
      prune(sourceServerId);
    }
  }

  private void prepareBaselines(String sourceServerId, List<StagingWriter> writers) {
    try {
      for (StagingWriter w : writers) {
        CompletableFuture<Void> tracking = new CompletableFuture<>();
        w.queue.execute(
            () -> {
              w.beginTracking();
              tracking.complete(null);
            });
        tracking.get();
        long t0 = System.nanoTime();
        w.baseline(snapshots.differencesFromLatest(w.volume()));
        LOG.info(
            "baseline of "
                + w.volume().name()
                + " against its last snapshot read in "
                + (System.nanoTime() - t0) / 1_000_000
                + " ms, outside any hold");
      }
    } catch (Exception e) {
      LOG.warning("baseline for " + sourceServerId + " failed: " + e.getMessage());
    } finally {
      preparing.remove(sourceServerId);
    }
  }

  /** Deletes what the policy no longer keeps and no launch holds. */
  private void prune(String sourceServerId) {
    try {
      List<PointInTimeSnapshot> all = snapshots.list(sourceServerId);
      Set<Instant> keep =
          policyOf(sourceServerId)
              .keep(all.stream().map(PointInTimeSnapshot::takenAt).toList(), Instant.now());
      for (PointInTimeSnapshot s : all) {
        if (!keep.contains(s.takenAt())) {
          java.util.Set<String> holders = snapshots.holders(s.snapshotSetId());
          if (!holders.isEmpty()) {
            LOG.fine("keeping " + s.snapshotSetId() + ": in use by " + holders);
            continue;
          }
          snapshots.delete(s.snapshotSetId());
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warning("pruning snapshots of " + sourceServerId + " failed: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    executor.shutdown();
  }
}
