package io.liftshift.agent;

/**
 * A progress snapshot of an initial sync.
 *
 * @param totalBytes bytes of all disks
 * @param sentBytes bytes read, encoded and sent (zeros included)
 * @param durableBytes bytes acknowledged as durable on the staging volumes
 * @param wireBytes frame bytes written to the TLS socket
 * @param elapsedNanos time since the run started
 */
public record SyncProgress(
    long totalBytes,
    long sentBytes,
    long durableBytes,
    long wireBytes,
    long elapsedNanos,
    java.util.List<Disk> disks) {

  /** One disk's part of the progress. */
  public record Disk(String diskKey, long totalBytes, long sentBytes, long durableBytes) {}

  public SyncProgress {
    disks = java.util.List.copyOf(disks);
  }

  /** Average rate over the run so far, in MB/s (10⁶ bytes). */
  public double mbPerSecond() {
    return elapsedNanos == 0 ? 0 : sentBytes / 1e6 / (elapsedNanos / 1e9);
  }

  /** Seconds left at the average rate, or -1 when unknown. */
  public long etaSeconds() {
    double rate = mbPerSecond() * 1e6;
    return rate <= 0 ? -1 : (long) Math.ceil((totalBytes - sentBytes) / rate);
  }
}
