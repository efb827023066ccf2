package io.liftshift.agent.allocation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What of a source disk the initial sync must read: the partition table (GPT or MBR) is read, and
 * inside each partition (or on the whole disk) an ext4 or XFS file system or an LVM physical volume
 * is recognised; only their free blocks are left out. Everything not recognised (LUKS, swap, an
 * unknown file system, space outside partitions, the tables themselves) is read whole.
 *
 * <p>The on-disk structures of a mounted file system may lag its journal; the change tracker, which
 * runs from before this is read, catches every write made since, and the docs say what the replica
 * then equals.
 */
public final class DiskLayout {
  private static final Logger LOG = Logger.getLogger(DiskLayout.class.getName());

  private final UsedRanges used;
  private final String description;

  private DiskLayout(UsedRanges used, String description) {
    this.used = used;
    this.description = description;
  }

  /** Null when the whole disk is read. */
  public UsedRanges used() {
    return used;
  }

  public String description() {
    return description;
  }

  /** Reads the layout; anything unexpected means the whole disk is read, never an error. */
  public static DiskLayout read(FileChannel channel, long sizeBytes) {
    VolumeReader r = new VolumeReader(channel, sizeBytes);
    UsedRanges.Builder free = new UsedRanges.Builder(sizeBytes);
    List<String> found = new ArrayList<>();
    try {
      String whole = volume(r, 0, sizeBytes, free);
      if (whole != null) {
        found.add(whole);
      } else {
        List<long[]> parts = Gpt.partitions(r);
        String table = "GPT";
        if (parts == null) {
          parts = Mbr.partitions(r);
          table = "MBR";
        }
        if (parts != null) {
          List<String> each = new ArrayList<>();
          int n = 1;
          for (long[] p : parts) {
            String v = volume(r, p[0], p[1], free);
            each.add(n++ + ": " + (v == null ? "unrecognised, read whole" : v));
          }
          found.add(table + " [" + String.join("; ", each) + "]");
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.INFO, "layout not read, the whole disk is read", e);
      return new DiskLayout(null, "whole disk (layout not readable: " + e.getMessage() + ")");
    }
    UsedRanges freeRanges = free.build();
    if (found.isEmpty() || freeRanges.usedBytes() == 0) {
      return new DiskLayout(
          null, found.isEmpty() ? "whole disk (no file system recognised)" : "whole disk");
    }
    UsedRanges used = complement(freeRanges, sizeBytes);
    return new DiskLayout(
        used,
        String.format(
            "used blocks only, %d of %d MiB: %s",
            used.usedBytes() >> 20, sizeBytes >> 20, String.join(", ", found)));
  }

  /** One volume: a partition, a logical volume or a whole disk. */
  static String volume(VolumeReader r, long base, long length, UsedRanges.Builder free)
      throws IOException {
    if (length < 4096) {
      return null;
    }
    String s = Ext4Allocation.free(r, base, length, free);
    if (s == null) {
      s = XfsAllocation.free(r, base, length, free);
    }
    if (s == null) {
      s = LvmAllocation.free(r, base, length, free);
    }
    return s;
  }

  private static UsedRanges complement(UsedRanges free, long size) {
    UsedRanges.Builder used = new UsedRanges.Builder(size);
    free.forEachUnused(0, size, (o, l) -> used.add(o, l));
    return used.build();
  }

  /** GUID partition table: the primary header at LBA 1 (512-byte sectors, as most disks use). */
  static final class Gpt {
    private Gpt() {}

    static List<long[]> partitions(VolumeReader r) throws IOException {
      if (r.sizeBytes() < 34 * 512) {
        return null;
      }
      ByteBuffer h = r.le(512, 92);
      if (h.getLong(0) != 0x5452415020494645L) { // "EFI PART"
        return null;
      }
      long entriesLba = h.getLong(72);
      int count = h.getInt(80);
      int entrySize = h.getInt(84);
      if (count <= 0 || count > 1024 || entrySize < 128 || entrySize > 4096) {
        return null;
      }
      ByteBuffer e = r.le(entriesLba * 512, count * entrySize);
      List<long[]> out = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int at = i * entrySize;
        if (e.getLong(at) == 0 && e.getLong(at + 8) == 0) {
          continue;
        }
        long first = e.getLong(at + 32);
        long last = e.getLong(at + 40);
        if (first <= 0 || last < first || (last + 1) * 512 > r.sizeBytes()) {
          return null;
        }
        out.add(new long[] {first * 512, (last - first + 1) * 512});
      }
      return out;
    }
  }

  /** The DOS partition table: four primary entries (extended partitions are read whole). */
  static final class Mbr {
    private Mbr() {}

    static List<long[]> partitions(VolumeReader r) throws IOException {
      ByteBuffer s = r.le(0, 512);
      if ((s.getShort(510) & 0xFFFF) != 0xAA55) {
        return null;
      }
      List<long[]> out = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int at = 446 + 16 * i;
        int status = s.get(at) & 0xFF;
        int type = s.get(at + 4) & 0xFF;
        long start = s.getInt(at + 8) & 0xFFFFFFFFL;
        long sectors = s.getInt(at + 12) & 0xFFFFFFFFL;
        if (status != 0 && status != 0x80) {
          return null;
        }
        if (type == 0 || sectors == 0) {
          continue;
        }
        if (type == 0xEE || (start + sectors) * 512 > r.sizeBytes() || start == 0) {
          return null;
        }
        if (type == 0x05 || type == 0x0F || type == 0x85) {
          continue; // extended: not looked into, so its space stays read whole
        }
        out.add(new long[] {start * 512, sectors * 512});
      }
      return out.isEmpty() ? null : out;
    }
  }
}
