package io.liftshift.cloud.local;

import java.util.List;

/**
 * One volume snapshot in the local store: the chunks that differ from its parent, with a pointer to
 * that parent (empty for a full snapshot). Its own type because the store, its files and its
 * restore all read it.
 */
record Manifest(
    String snapshotId,
    String setId,
    String volumeName,
    long sizeBytes,
    String parentId,
    long changedBytes,
    long storedBytes,
    List<Entry> entries) {
  /** Chunk size: the replicator's change granularity, so a 4 KiB write costs 4 KiB here. */
  static final int CHUNK_BYTES = 4096;

  /** The pack of an all-zero chunk, which is stored nowhere. */
  static final int ZERO_PACK = -1;

  /** One chunk of a manifest; {@code pack == ZERO_PACK} means all zeros. */
  record Entry(long chunk, int pack, long packOffset, int length, byte[] sha256) {}
}
