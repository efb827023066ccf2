package io.liftshift.agent;

import java.util.List;

/**
 * The outcome of an initial sync.
 *
 * @param disks one report per disk
 * @param syncNanos from start until every disk was durable (reconnects included)
 * @param readNanos from start until the initial sync had read every disk to its end (the reads
 *     overlap the sending; what follows until {@code syncNanos} is the tail of sending and
 *     acknowledgements), or 0 when nothing was read
 * @param verifyNanos the Merkle verification pass, or 0 when skipped
 * @param wireBytes frame bytes written to the TLS sockets, all sessions
 * @param reconnects how many times the agent tried to re-establish the link (failed tries included)
 * @param verified true when every disk's digest matched
 */
public record SyncReport(
    List<DiskReport> disks,
    long syncNanos,
    long readNanos,
    long verifyNanos,
    long wireBytes,
    int reconnects,
    boolean verified) {
  public SyncReport {
    disks = List.copyOf(disks);
  }

  public long totalBytes() {
    return disks.stream().mapToLong(DiskReport::sizeBytes).sum();
  }

  public long resentBytes() {
    return disks.stream().mapToLong(DiskReport::resentBytes).sum();
  }

  /** Sync rate in MB/s (10⁶ bytes) over the disks' full size. */
  public double syncMbPerSecond() {
    return syncNanos == 0 ? 0 : totalBytes() / 1e6 / (syncNanos / 1e9);
  }
}
