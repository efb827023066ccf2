package io.liftshift.agent.allocation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The byte ranges of a disk that hold something a recognised file system or volume manager uses,
 * sorted and merged. Everything outside them is sent as zeros without being read. Immutable.
 */
public final class UsedRanges {
  /** Starts and ends, interleaved: [start0, end0, start1, end1, ...], sorted, disjoint. */
  private final long[] bounds;

  private final long sizeBytes;

  private UsedRanges(long[] bounds, long sizeBytes) {
    this.bounds = bounds;
    this.sizeBytes = sizeBytes;
  }

  public long sizeBytes() {
    return sizeBytes;
  }

  /** Bytes inside used ranges. */
  public long usedBytes() {
    long n = 0;
    for (int i = 0; i < bounds.length; i += 2) {
      n += bounds[i + 1] - bounds[i];
    }
    return n;
  }

  public int rangeCount() {
    return bounds.length / 2;
  }

  /** True when some byte of {@code [offset, offset+length)} is used. */
  public boolean anyUsed(long offset, long length) {
    int i = firstEndingAfter(offset);
    return i < bounds.length && bounds[i] < offset + length;
  }

  /** Calls {@code sink} for each unused sub-range of {@code [offset, offset+length)}. */
  public void forEachUnused(long offset, long length, RangeSink sink) {
    long end = offset + length;
    long pos = offset;
    for (int i = firstEndingAfter(offset); i < bounds.length && bounds[i] < end; i += 2) {
      if (bounds[i] > pos) {
        sink.range(pos, bounds[i] - pos);
      }
      pos = Math.max(pos, bounds[i + 1]);
    }
    if (pos < end) {
      sink.range(pos, end - pos);
    }
  }

  /** Index (even) of the first range whose end is after {@code offset}. */
  private int firstEndingAfter(long offset) {
    int lo = 0;
    int hi = bounds.length / 2;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (bounds[2 * mid + 1] <= offset) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return 2 * lo;
  }

  @FunctionalInterface
  public interface RangeSink {
    void range(long offset, long length);
  }

  /** Collects ranges in any order; overlapping and adjacent ones are merged. */
  public static final class Builder {
    private final long sizeBytes;
    private final List<long[]> ranges = new ArrayList<>();

    public Builder(long sizeBytes) {
      this.sizeBytes = sizeBytes;
    }

    /** Adds {@code [offset, offset+length)}, clipped to the disk. */
    public Builder add(long offset, long length) {
      long start = Math.max(0, offset);
      long end = Math.min(sizeBytes, offset + length);
      if (end > start) {
        ranges.add(new long[] {start, end});
      }
      return this;
    }

    /** Adds every range of {@code inner}, which starts at {@code base} on this disk. */
    public Builder addAll(UsedRanges inner, long base) {
      for (int i = 0; i < inner.bounds.length; i += 2) {
        add(base + inner.bounds[i], inner.bounds[i + 1] - inner.bounds[i]);
      }
      return this;
    }

    public UsedRanges build() {
      ranges.sort((a, b) -> Long.compare(a[0], b[0]));
      long[] out = new long[ranges.size() * 2];
      int n = 0;
      for (long[] r : ranges) {
        if (n > 0 && r[0] <= out[n - 1]) {
          out[n - 1] = Math.max(out[n - 1], r[1]);
        } else {
          out[n++] = r[0];
          out[n++] = r[1];
        }
      }
      return new UsedRanges(Arrays.copyOf(out, n), sizeBytes);
    }
  }
}
