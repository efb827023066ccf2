package io.liftshift.replicator;

import io.liftshift.cloud.StagingVolume;
import io.liftshift.cloud.StagingVolumes;
import io.liftshift.cloud.VolumeNames;
import io.liftshift.protocol.ErrorCode;
import io.liftshift.protocol.ProtocolException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * The staging volumes this server is writing, shared by all event loops. A volume has at most one
 * owning session; a reconnecting agent takes its volume over from a session that has not noticed
 * yet that its connection is dead.
 */
final class StagingRegistry {
  private final StagingVolumes volumes;
  private final Path checkpointDir;
  private final ExecutorService workers;
  private final ExecutorService flushers;

  /** Opening a volume may wait for its previous writer to close: never on a writer thread. */
  private final ExecutorService openers;

  private final ReplicatorOptions options;
  private final ReplicatorStats stats;
  private final Map<String, StagingWriter> writers = new HashMap<>();

  /** Staging volumes with a writer open now (the load the control plane schedules against). */
  synchronized int activeVolumes() {
    return writers.size();
  }

  StagingRegistry(
      StagingVolumes volumes,
      Path checkpointDir,
      ExecutorService workers,
      ReplicatorOptions options,
      ReplicatorStats stats)
      throws IOException {
    this.volumes = volumes;
    this.checkpointDir = Files.createDirectories(checkpointDir);
    this.workers = workers;
    this.flushers =
        java.util.concurrent.Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "staging-flusher");
              t.setDaemon(true);
              return t;
            });
    this.openers =
        java.util.concurrent.Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "staging-open");
              t.setDaemon(true);
              return t;
            });
    this.options = options;
    this.stats = stats;
  }

  ExecutorService openers() {
    return openers;
  }

  /**
   * Opens (provisioning if needed) the staging volume of a source disk for a session. Blocking:
   * call on a worker.
   */
  StagingWriter attach(AgentSession session, String sourceServerId, String diskKey, long sizeBytes)
      throws ProtocolException {
    String name = VolumeNames.forDisk(sourceServerId, diskKey);
    while (true) {
      java.util.concurrent.CompletableFuture<Void> closing;
      synchronized (this) {
        StagingWriter w = writers.get(name);
        if (w == null || !w.closing) {
          return attachLocked(session, name, w, sizeBytes);
        }
        closing = w.closed;
      }
      // The previous writer of this volume is still fsyncing and closing: never open the same
      // files twice at once.
      try {
        closing.get(60, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ProtocolException(ErrorCode.SHUTTING_DOWN, "interrupted");
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new ProtocolException(
            ErrorCode.STAGING_IO_ERROR, "staging volume " + name + " is still closing: " + e);
      }
    }
  }

  private StagingWriter attachLocked(
      AgentSession session, String name, StagingWriter existing, long sizeBytes)
      throws ProtocolException {
    StagingWriter w = existing;
    if (w == null || w.owner == null) {
      long active = writers.values().stream().filter(x -> x.owner != null).count();
      if (active >= options.maxActiveDisks()) {
        throw new ProtocolException(
            ErrorCode.CAPACITY_EXCEEDED,
            "this replication server already replicates "
                + active
                + " disks (limit "
                + options.maxActiveDisks()
                + "); retry later or add a replication server");
      }
    }
    if (w == null) {
      try {
        if (volumes.find(name).isEmpty()) {
          // A checkpoint left by an earlier volume of this name must not describe the new one.
          Files.deleteIfExists(checkpointDir.resolve(name + ".ckpt"));
        }
        StagingVolume v = volumes.provision(name, sizeBytes);
        w =
            StagingWriter.open(
                v, checkpointDir, new SerialQueue(workers), flushers, options, stats);
      } catch (io.liftshift.cloud.VolumeSizeMismatchException e) {
        throw new ProtocolException(ErrorCode.DISK_SIZE_MISMATCH, e.getMessage());
      } catch (IOException | IllegalArgumentException e) {
        throw new ProtocolException(
            ErrorCode.STAGING_IO_ERROR,
            "cannot open staging volume " + name + ": " + e.getMessage());
      }
      writers.put(name, w);
    } else if (w.sizeBytes() != sizeBytes) {
      throw new ProtocolException(
          ErrorCode.DISK_SIZE_MISMATCH,
          "staging volume "
              + name
              + " holds "
              + w.sizeBytes()
              + " bytes but the source disk has "
              + sizeBytes);
    }
    AgentSession previous = w.owner;
    w.owner = session;
    if (previous != null && previous != session) {
      previous.lostVolumeTo(session, name);
    }
    return w;
  }

  /** Releases a session's volume; closes it unless another session took it meanwhile. */
  void detach(AgentSession session, StagingWriter w) {
    w.queue.execute(
        () -> {
          synchronized (this) {
            if (w.owner != session || w.closing) {
              return;
            }
            w.owner = null;
            w.closing = true;
          }
          closeAndForget(w);
        });
  }

  private void closeAndForget(StagingWriter w) {
    try {
      w.close();
    } finally {
      synchronized (this) {
        writers.remove(w.volume().name(), w);
      }
      w.closed.complete(null);
    }
  }

  synchronized List<StagingWriter> all() {
    return new ArrayList<>(writers.values());
  }

  /** Fsyncs and closes every volume, after the writes already queued. */
  CompletableFuture<Void> closeAll() {
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (StagingWriter w : all()) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      w.queue.execute(
          () -> {
            boolean mine;
            synchronized (this) {
              mine = !w.closing;
              w.owner = null;
              w.closing = true;
            }
            if (mine) {
              closeAndForget(w);
            }
            w.closed.whenComplete((v, e) -> f.complete(null));
          });
      done.add(f);
    }
    return CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0]))
        .whenComplete(
            (v, e) -> {
              flushers.shutdown();
              openers.shutdown();
            });
  }
}
