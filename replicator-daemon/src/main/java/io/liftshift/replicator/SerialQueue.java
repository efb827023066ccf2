package io.liftshift.replicator;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one at a time, in submission order, on a shared pool: each staging volume gets its own
 * order without a thread of its own. A {@link #hold} stops the queue at a point of its order,
 * without blocking a pool thread, until its gate opens: that is how a point-in-time snapshot holds
 * back a server's incoming blocks.
 */
final class SerialQueue implements Executor {
  private final Executor pool;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile boolean held;

  /** A stop in the queue's order: runs {@code onReached}, then waits for {@code gate}. */
  private record Hold(Runnable onReached, CompletableFuture<?> gate) implements Runnable {
    @Override
    public void run() {
      onReached.run();
    }
  }

  SerialQueue(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    schedule();
  }

  /**
   * Everything queued before this call runs, then {@code onReached}; later tasks wait until {@code
   * gate} completes (however it completes).
   */
  void hold(Runnable onReached, CompletableFuture<?> gate) {
    execute(new Hold(onReached, gate));
  }

  private void schedule() {
    if (!held && !tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
      pool.execute(this::drain);
    }
  }

  private void drain() {
    try {
      Runnable r;
      // Bounded run so that one busy volume cannot monopolise a worker thread.
      for (int i = 0; i < 64 && (r = tasks.poll()) != null; i++) {
        r.run();
        if (r instanceof Hold h && !h.gate().isDone()) {
          held = true;
          h.gate()
              .whenComplete(
                  (v, e) -> {
                    held = false;
                    schedule();
                  });
          return;
        }
      }
    } finally {
      scheduled.set(false);
      schedule();
    }
  }
}
