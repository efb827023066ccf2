package io.liftshift.replicator;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one replication server, for status output, benchmarks and tests. */
public final class ReplicatorStats {
  final AtomicLong sessionsAccepted = new AtomicLong();
  final AtomicLong sessionsRejected = new AtomicLong();
  final AtomicLong bytesWritten = new AtomicLong();
  final AtomicLong framesReceived = new AtomicLong();
  final AtomicLong frameBytesReceived = new AtomicLong();
  final AtomicLong fsyncs = new AtomicLong();

  public long sessionsAccepted() {
    return sessionsAccepted.get();
  }

  /** Sessions closed with an ERROR frame: bad input, bad credentials, timeouts. */
  public long sessionsRejected() {
    return sessionsRejected.get();
  }

  /** Bytes written to staging volumes, zeros included. */
  public long bytesWritten() {
    return bytesWritten.get();
  }

  public long framesReceived() {
    return framesReceived.get();
  }

  /** Bytes of frames received (headers and bodies; TLS records not counted). */
  public long frameBytesReceived() {
    return frameBytesReceived.get();
  }

  public long fsyncs() {
    return fsyncs.get();
  }
}
