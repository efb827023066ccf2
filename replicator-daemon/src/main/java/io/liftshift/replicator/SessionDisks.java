package io.liftshift.replicator;

import io.liftshift.protocol.ErrorCode;
import io.liftshift.protocol.Message;
import io.liftshift.protocol.ProtocolException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The disks one agent connection has open, by the disk id the agent chose, and the checks every
 * request against them passes (known id, one id and one disk key at a time, range inside the disk).
 * It exists apart from {@link AgentSession} so that the bookkeeping of open disks holds no
 * connection state and the session's frame handlers read as what they do with a disk.
 */
final class SessionDisks {
  /** A disk ready for writes: its staging volume, the source disk's size and key. */
  record OpenDisk(StagingWriter writer, long sizeBytes, String diskKey) {
    void checkRange(long offset, long length) throws ProtocolException {
      if (offset < 0 || length <= 0 || offset > sizeBytes - length) {
        throw new ProtocolException(
            ErrorCode.OUT_OF_RANGE,
            "range ["
                + offset
                + ", +"
                + length
                + ") is outside the disk's "
                + sizeBytes
                + " bytes");
      }
    }
  }

  private final Map<Integer, OpenDisk> disks = new ConcurrentHashMap<>();

  /** Disk ids whose DISK_OPEN is being served: their staging volume is not attached yet. */
  private final Set<Integer> opening = new HashSet<>();

  /** Checks a DISK_OPEN and marks its disk id as opening. */
  void beginOpen(Message.DiskOpen open) throws ProtocolException {
    if (open.sizeBytes() <= 0) {
      throw new ProtocolException(
          ErrorCode.MALFORMED_FRAME, "disk " + open.diskKey() + " has size " + open.sizeBytes());
    }
    if (disks.containsKey(open.diskId()) || !opening.add(open.diskId())) {
      throw new ProtocolException(
          ErrorCode.PROTOCOL_VIOLATION, "disk id " + open.diskId() + " is already open");
    }
    for (OpenDisk d : disks.values()) {
      if (d.diskKey().equals(open.diskKey())) {
        throw new ProtocolException(
            ErrorCode.PROTOCOL_VIOLATION, "disk " + open.diskKey() + " is already open");
      }
    }
  }

  /** The disk's staging volume is attached and synced: requests may name it from now on. */
  void opened(Message.DiskOpen open, StagingWriter writer) {
    opening.remove(open.diskId());
    disks.put(open.diskId(), new OpenDisk(writer, open.sizeBytes(), open.diskKey()));
  }

  OpenDisk get(int diskId) throws ProtocolException {
    OpenDisk d = disks.get(diskId);
    if (d == null) {
      throw new ProtocolException(
          ErrorCode.UNKNOWN_DISK, "disk id " + diskId + " was not opened (or not yet ready)");
    }
    return d;
  }

  List<Integer> ids() {
    return List.copyOf(disks.keySet());
  }

  Collection<OpenDisk> all() {
    return disks.values();
  }

  List<StagingWriter> writers() {
    List<StagingWriter> writers = new ArrayList<>();
    for (OpenDisk d : disks.values()) {
      writers.add(d.writer());
    }
    return writers;
  }

  /**
   * Every open disk's writer once all of them are fully replicated and none is still opening;
   * otherwise none (a snapshot of half a disk is of no use).
   */
  List<StagingWriter> writersIfInitialSyncDone() {
    if (disks.isEmpty() || !opening.isEmpty()) {
      return List.of();
    }
    List<StagingWriter> writers = new ArrayList<>();
    for (OpenDisk d : disks.values()) {
      if (d.writer().durableOffset() < d.sizeBytes()) {
        return List.of(); // initial sync first
      }
      writers.add(d.writer());
    }
    return writers;
  }

  void clear() {
    disks.clear();
  }
}
