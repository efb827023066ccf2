package io.liftshift.cli;

import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncProgress;
import java.io.PrintStream;
import java.util.Locale;

/** Prints sync progress: one line redrawn in place on a terminal, plain lines when piped. */
final class ProgressPrinter implements SyncListener {
  private final PrintStream out;
  private final boolean terminal = System.console() != null;
  private long lastPlainNanos;

  ProgressPrinter(PrintStream out) {
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

  void finishLine() {
    if (terminal) {
      out.println();
    }
  }
}
