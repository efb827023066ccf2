package io.liftshift.replicator;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one at a time, in submission order, on a shared pool: each staging volume gets its own
 * order without a thread of its own.
 */
final class SerialQueue implements Executor {
  private final Executor pool;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  SerialQueue(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    schedule();
  }

  private void schedule() {
    if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
      pool.execute(this::drain);
    }
  }

  private void drain() {
    try {
      Runnable r;
      // Bounded run so that one busy volume cannot monopolise a worker thread.
      for (int i = 0; i < 64 && (r = tasks.poll()) != null; i++) {
        r.run();
      }
    } finally {
      scheduled.set(false);
      schedule();
    }
  }
}
