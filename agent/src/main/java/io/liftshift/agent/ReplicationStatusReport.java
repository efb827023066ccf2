package io.liftshift.agent;

import io.liftshift.agent.tracking.ChangeMap;
import io.liftshift.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * The status report of continuous replication: MGN's state names per disk and overall, lag, ETA,
 * whether the source outruns replication, and the last point-in-time snapshot. It exists apart from
 * {@link ContinuousReplication}, which moves blocks, so that what is measured and how it is named
 * for the control plane are read in one place; the sender only tells it what happened.
 */
final class ReplicationStatusReport {
  private final AgentOptions options;
  private final ReplicationControl control;
  private final RateMeter drainRate = new RateMeter();
  private final RateMeter writeRate = new RateMeter();
  private final RateMeter wireRate = new RateMeter();

  /** A CONSISTENCY_POINT was sent and its SNAPSHOT_TAKEN not yet received: CREATING_SNAPSHOT. */
  private volatile long creatingSnapshotPoint;

  private volatile long lastSnapshotMillis;
  private volatile String snapshotError = "";

  ReplicationStatusReport(AgentOptions options, ReplicationControl control) {
    this.options = options;
    this.control = control;
  }

  /** Bytes written to the link. */
  void sent(long wireBytes) {
    wireRate.add(wireBytes);
  }

  /** Bytes of changed blocks made durable on the staging volume. */
  void drained(long bytes) {
    drainRate.add(bytes);
  }

  /** A CONSISTENCY_POINT was sent: a snapshot is being made until its SNAPSHOT_TAKEN. */
  void creatingSnapshot(long point) {
    creatingSnapshotPoint = point;
  }

  void snapshotTaken(Message.SnapshotTaken t) {
    if (t.pointId() == creatingSnapshotPoint) {
      creatingSnapshotPoint = 0;
    }
    if (t.status() == 0) {
      lastSnapshotMillis = System.currentTimeMillis();
      snapshotError = "";
    } else {
      snapshotError = t.detail();
    }
  }

  /** Builds the status report: MGN's state names, lag, ETA and convergence. */
  ReplicationStatus status(List<DiskProgress> disks, String trackerKind, long now) {
    long lag = 0;
    long backlog = 0;
    long marked = 0;
    List<ReplicationStatus.Disk> each = new ArrayList<>();
    String worst = "CONTINUOUS";
    String error = "";
    String detail = "";
    for (DiskProgress d : disks) {
      ChangeMap m = d.changes;
      long pending = m.pendingBlocks() * m.blockBytes();
      long diskLag = m.lagNanos(now);
      lag = Math.max(lag, diskLag);
      backlog += pending;
      marked += m.markedBlocksTotal() * m.blockBytes();
      String state;
      String diskError = "";
      if (d.stalledReason != null) {
        state = "STALLED";
        diskError = d.stalledReason;
        error = "FAILED_TO_START_DATA_TRANSFER";
        detail = d.stalledReason;
      } else if (d.rescanReason != null) {
        state = "RESCAN";
        diskError = d.rescanReason;
      } else if (control.desired() == ReplicationControl.Desired.PAUSED) {
        state = "PAUSED";
      } else if (pending > 0 && diskLag > options.continuousLagSeconds() * 1_000_000_000L) {
        state = "BACKLOG";
      } else {
        state = "CONTINUOUS";
      }
      worst = worse(worst, state);
      each.add(
          new ReplicationStatus.Disk(
              d.disk.diskKey,
              state,
              d.disk.sizeBytes,
              d.disk.sizeBytes,
              pending,
              d.rescannedBytes.get(),
              diskError));
    }
    writeRate.set(marked);
    long drain = drainRate.perSecond();
    long writes = writeRate.perSecond();
    long eta = backlog == 0 ? 0 : drain > 0 ? backlog / drain : -1;
    if (error.isEmpty()
        && backlog > 0
        && lag > options.continuousLagSeconds() * 1_000_000_000L
        && writes > drain) {
      // The source outruns replication: say so early, with the figures.
      error = "NOT_CONVERGING";
      detail =
          String.format(
              java.util.Locale.ROOT,
              "the source writes %.1f MB/s, replication drains %.1f MB/s; backlog %d MB",
              writes / 1e6,
              drain / 1e6,
              backlog / 1_000_000);
    }
    if (creatingSnapshotPoint != 0 && (worst.equals("CONTINUOUS") || worst.equals("BACKLOG"))) {
      worst = "CREATING_SNAPSHOT";
    }
    if (error.isEmpty() && !snapshotError.isEmpty()) {
      error = "SNAPSHOTS_FAILURE";
      detail = snapshotError;
    }
    return new ReplicationStatus(
        worst,
        lag / 1_000_000_000L,
        eta,
        error,
        detail,
        trackerKind,
        wireRate.perSecond(),
        writes,
        each,
        lastSnapshotMillis);
  }

  private static final List<String> SEVERITY =
      List.of("CONTINUOUS", "BACKLOG", "PAUSED", "RESCAN", "STALLED");

  private static String worse(String a, String b) {
    return SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a;
  }
}
