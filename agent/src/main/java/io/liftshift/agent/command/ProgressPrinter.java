package io.liftshift.agent.command;

import io.liftshift.agent.ReplicationStatus;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncProgress;
import java.io.PrintStream;
import java.util.Locale;

/** Prints sync progress: one line redrawn in place on a terminal, plain lines when piped. */
public final class ProgressPrinter implements SyncListener {
  private final PrintStream out;
  private final boolean terminal = System.console() != null;
  private long lastPlainNanos;

  public ProgressPrinter(PrintStream out) {
    this.out = out;
  }

  @Override
  public void onProgress(SyncProgress p) {
    String line =
        String.format(
            Locale.ROOT,
            "  %s / %s (%.0f%%)  %.0f MB/s  durable %s  ETA %s",
            Sizes.bytes(p.sentBytes()),
            Sizes.bytes(p.totalBytes()),
            100.0 * p.sentBytes() / Math.max(1, p.totalBytes()),
            p.mbPerSecond(),
            Sizes.bytes(p.durableBytes()),
            Sizes.seconds(p.etaSeconds()));
    if (terminal) {
      out.print("\r" + line + "   ");
      out.flush();
    } else if (System.nanoTime() - lastPlainNanos > 2_000_000_000L) {
      lastPlainNanos = System.nanoTime();
      out.println(line);
    }
  }

  @Override
  public void onReconnecting(String reason, long backoffMillis) {
    finishLine();
    out.println("  connection lost (" + reason + "); reconnecting in " + backoffMillis + " ms");
  }

  @Override
  public void onVerifying() {
    finishLine();
    out.println("  initial sync durable; verifying (Merkle tree of SHA-256 on both sides)...");
  }

  private String lastStatus = "";

  /** Continuous replication: a line whenever the state or the backlog's emptiness changes. */
  @Override
  public void onStatus(ReplicationStatus s) {
    String key = s.state() + (s.disks().stream().allMatch(d -> d.backlogBytes() == 0));
    String line =
        String.format(
            Locale.ROOT,
            "  %s (%s tracker): backlog %s, lag %d s, %.1f MB/s%s",
            s.state(),
            s.tracker(),
            Sizes.bytes(s.disks().stream().mapToLong(ReplicationStatus.Disk::backlogBytes).sum()),
            s.lagSeconds(),
            s.throughputBytesPerSecond() / 1e6,
            s.errorCode().isEmpty() ? "" : "  " + s.errorCode() + ": " + s.errorDetail());
    if (terminal) {
      out.print("\r" + line + "   ");
      out.flush();
    } else if (!key.equals(lastStatus) || System.nanoTime() - lastPlainNanos > 30_000_000_000L) {
      lastPlainNanos = System.nanoTime();
      out.println(line);
      out.flush();
    }
    lastStatus = key;
  }

  public void finishLine() {
    if (terminal) {
      out.println();
    }
  }
}
