package io.liftshift.agent;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Source bytes sent but not yet acknowledged as durable, per disk. The sender blocks when the
 * window is full; ACKs (on the receiver thread) release it.
 */
final class InFlightWindow {
  private record Sent(long end, long bytes) {}

  private final long limitBytes;
  private final Map<Integer, ArrayDeque<Sent>> sent = new HashMap<>();
  private final Map<Integer, DiskProgress> disks = new HashMap<>();
  private long inFlightBytes;

  InFlightWindow(long limitBytes) {
    this.limitBytes = limitBytes;
  }

  synchronized void track(DiskProgress d) {
    disks.put(d.disk.diskId, d);
    sent.put(d.disk.diskId, new ArrayDeque<>());
  }

  /** Waits until {@code bytes} more fit; a single chunk larger than the window always fits. */
  synchronized void awaitRoom(long bytes, ReplicationLink link) throws IOException {
    while (inFlightBytes > 0 && inFlightBytes + bytes > limitBytes) {
      link.checkAlive();
      try {
        wait(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
  }

  synchronized void sent(DiskProgress d, long end, long bytes) {
    sent.get(d.disk.diskId).addLast(new Sent(end, bytes));
    inFlightBytes += bytes;
  }

  /** An ACK: everything of the disk below {@code durableOffset} is safe. */
  synchronized void acked(int diskId, long durableOffset) {
    DiskProgress d = disks.get(diskId);
    if (d == null) {
      return;
    }
    if (durableOffset > d.ackedOffset) {
      d.ackedOffset = durableOffset;
    }
    ArrayDeque<Sent> q = sent.get(diskId);
    while (!q.isEmpty() && q.peekFirst().end() <= durableOffset) {
      inFlightBytes -= q.removeFirst().bytes();
    }
    notifyAll();
  }

  synchronized long inFlightBytes() {
    return inFlightBytes;
  }

  /** Waits until every tracked disk is durable to its end. */
  synchronized void awaitAllDurable(ReplicationLink link, long timeoutMillis) throws IOException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (!disks.values().stream().allMatch(DiskProgress::complete)) {
      link.checkAlive();
      if (System.nanoTime() > deadline) {
        throw new IOException("replicator did not acknowledge the end of the disks in time");
      }
      try {
        wait(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
  }
}
