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

  /** Leaf hashes of the proof, taken from the bytes as they are read and sent (null: no proof). */
  io.liftshift.protocol.StreamedLeaves leaves;

  /**
   * What the initial sync reads: the ranges a recognised file system or volume manager uses, the
   * rest going as zeros; null means every byte.
   */
  io.liftshift.agent.allocation.UsedRanges used;

  /** How the initial sync chose what to read, for the report ("whole disk", "ext4 ...", ...). */
  volatile String syncScope = "whole disk";

  /** Bytes the initial sync skipped reading because no file system uses them. */
  final AtomicLong unusedBytesSkipped = new AtomicLong();

  final AtomicLong bytesRead = new AtomicLong();

  /** When (nanoTime) the initial sync first finished reading this disk; 0 until then. */
  volatile long readDoneNanos;

  final AtomicLong dataBytesSent = new AtomicLong();
  final AtomicLong zeroBytes = new AtomicLong();
  final AtomicLong resentBytes = new AtomicLong();
  final AtomicLong compressedPayloadBytes = new AtomicLong();

  // ---- continuous replication (null/unused without change tracking) ----

  /** The disk's change state: what still has to reach the staging volume. */
  io.liftshift.agent.tracking.ChangeMap changes;

  /** Reads changed blocks (O_DIRECT on block devices). */
  io.liftshift.agent.tracking.DiskReader reader;

  /** Last BARRIER epoch sent for this disk. */
  long epoch;

  /** Why the disk is stalled (a read error), or null. Other disks go on meanwhile. */
  volatile String stalledReason;

  long stalledRetryAtNanos;

  /** A fingerprint scan is repairing this disk's change state. */
  volatile String rescanReason;

  final AtomicLong rescannedBytes = new AtomicLong();

  /** Changed bytes confirmed durable by BARRIER_ACK. */
  final AtomicLong changedBytesDurable = new AtomicLong();

  DiskProgress(SourceDisk disk) {
    this.disk = disk;
  }

  boolean complete() {
    return ackedOffset >= disk.sizeBytes;
  }
}
