package io.liftshift.agent;

import java.util.concurrent.atomic.AtomicLong;

/** What the agent knows about one disk's replication; survives reconnects within a run. */
final class DiskProgress {
  final SourceDisk disk;

  /** Every byte below it is durable on the staging volume (from ACK or DISK_READY). */
  volatile long ackedOffset;

  /** End of the highest range ever sent, to count what a reconnect sends again. */
  volatile long maxSentEnd;

  volatile String stagingVolumeId = "";
  final AtomicLong bytesRead = new AtomicLong();
  final AtomicLong dataBytesSent = new AtomicLong();
  final AtomicLong zeroBytes = new AtomicLong();
  final AtomicLong resentBytes = new AtomicLong();
  final AtomicLong compressedPayloadBytes = new AtomicLong();

  DiskProgress(SourceDisk disk) {
    this.disk = disk;
  }

  boolean complete() {
    return ackedOffset >= disk.sizeBytes;
  }
}
