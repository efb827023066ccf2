package io.liftshift.agent.allocation;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Free blocks of an ext2/3/4 file system, from its block group descriptors and block bitmaps (as
 * mkfs and the kernel write them; layout per the kernel's Documentation/filesystems/ext4). Groups
 * whose bitmap was never initialised (BLOCK_UNINIT) are free except their own metadata, as the
 * kernel computes it in {@code ext4_init_block_bitmap}. Configurations this reader does not know
 * (meta_bg, sparse_super2, a bigalloc cluster) make it decline, and the volume is read whole.
 */
final class Ext4Allocation {
  static final int MAGIC = 0xEF53;
  private static final int INCOMPAT_META_BG = 0x10;
  private static final int INCOMPAT_64BIT = 0x80;
  private static final int RO_COMPAT_SPARSE_SUPER = 0x1;
  private static final int RO_COMPAT_BIGALLOC = 0x200;
  private static final int COMPAT_SPARSE_SUPER2 = 0x200;
  private static final int BG_BLOCK_UNINIT = 0x2;

  private Ext4Allocation() {}

  static boolean matches(VolumeReader r, long base, long length) throws IOException {
    return length >= 2048 && (r.le(base + 1024 + 0x38, 2).getShort() & 0xFFFF) == MAGIC;
  }

  /** Adds the free ranges of the file system at {@code base}; returns what it found, or null. */
  static String free(VolumeReader r, long base, long length, UsedRanges.Builder free)
      throws IOException {
    if (!matches(r, base, length)) {
      return null;
    }
    ByteBuffer sb = r.le(base + 1024, 1024);
    long blocks = (sb.getInt(0x4) & 0xFFFFFFFFL);
    int firstDataBlock = sb.getInt(0x14);
    int logBlock = sb.getInt(0x18);
    long blocksPerGroup = sb.getInt(0x20) & 0xFFFFFFFFL;
    int compat = sb.getInt(0x5C);
    int incompat = sb.getInt(0x60);
    int roCompat = sb.getInt(0x64);
    int reservedGdt = sb.getShort(0xCE) & 0xFFFF;
    boolean is64 = (incompat & INCOMPAT_64BIT) != 0;
    int descSize = is64 ? Math.max(32, sb.getShort(0xFE) & 0xFFFF) : 32;
    if (is64) {
      blocks |= (sb.getInt(0x150) & 0xFFFFFFFFL) << 32;
    }
    if (logBlock < 0 || logBlock > 6) {
      return null;
    }
    int bs = 1024 << logBlock;
    if ((incompat & INCOMPAT_META_BG) != 0
        || (roCompat & RO_COMPAT_BIGALLOC) != 0
        || (compat & COMPAT_SPARSE_SUPER2) != 0
        || blocksPerGroup == 0
        || blocksPerGroup > 8L * bs
        || blocks * bs > length) {
      return null;
    }
    boolean sparseSuper = (roCompat & RO_COMPAT_SPARSE_SUPER) != 0;
    long groups = (blocks - firstDataBlock + blocksPerGroup - 1) / blocksPerGroup;
    long gdtBlocks = (groups * descSize + bs - 1) / bs;
    ByteBuffer gdt = r.le(base + (long) (firstDataBlock + 1) * bs, (int) (gdtBlocks * bs));
    long[] blockBitmap = new long[(int) groups];
    long[] inodeBitmap = new long[(int) groups];
    long[] inodeTable = new long[(int) groups];
    int[] flags = new int[(int) groups];
    int inodesPerGroup = sb.getInt(0x28);
    int inodeSize = logBlock >= 0 && sb.getInt(0x4C) >= 1 ? sb.getShort(0x58) & 0xFFFF : 128;
    long inodeTableBlocks = ((long) inodesPerGroup * inodeSize + bs - 1) / bs;
    for (int g = 0; g < groups; g++) {
      int d = g * descSize;
      blockBitmap[g] = lo32(gdt, d) | (is64 ? (long) (gdt.getInt(d + 0x20)) << 32 : 0);
      inodeBitmap[g] = lo32(gdt, d + 4) | (is64 ? (long) (gdt.getInt(d + 0x24)) << 32 : 0);
      inodeTable[g] = lo32(gdt, d + 8) | (is64 ? (long) (gdt.getInt(d + 0x28)) << 32 : 0);
      flags[g] = gdt.getShort(d + 0x12) & 0xFFFF;
    }
    long freeBlocks = 0;
    for (int g = 0; g < groups; g++) {
      long groupStart = firstDataBlock + g * blocksPerGroup;
      long groupBlocks = Math.min(blocksPerGroup, blocks - groupStart);
      boolean[] used = new boolean[(int) groupBlocks];
      if ((flags[g] & BG_BLOCK_UNINIT) != 0) {
        // What ext4_init_block_bitmap marks: the backup superblock and descriptors, and the
        // bitmaps and inode tables that lie in this group (with flex_bg, other groups' too).
        if (hasSuperBackup(g, sparseSuper)) {
          mark(used, 0, 1 + gdtBlocks + reservedGdt);
        }
        for (int o = 0; o < groups; o++) {
          mark(used, blockBitmap[o] - groupStart, 1);
          mark(used, inodeBitmap[o] - groupStart, 1);
          mark(used, inodeTable[o] - groupStart, inodeTableBlocks);
        }
      } else {
        if (blockBitmap[g] <= 0 || blockBitmap[g] >= blocks) {
          return null;
        }
        ByteBuffer bitmap = r.le(base + blockBitmap[g] * bs, bs);
        for (int i = 0; i < groupBlocks; i++) {
          used[i] = (bitmap.get(i >>> 3) & (1 << (i & 7))) != 0;
        }
      }
      for (int i = 0; i < groupBlocks; ) {
        if (used[i]) {
          i++;
          continue;
        }
        int j = i;
        while (j < groupBlocks && !used[j]) {
          j++;
        }
        free.add(base + (groupStart + i) * bs, (long) (j - i) * bs);
        freeBlocks += j - i;
        i = j;
      }
    }
    return String.format(
        "ext4 (%d of %d blocks of %d bytes in use)", blocks - freeBlocks, blocks, bs);
  }

  private static long lo32(ByteBuffer b, int at) {
    return b.getInt(at) & 0xFFFFFFFFL;
  }

  private static void mark(boolean[] used, long from, long count) {
    for (long i = Math.max(0, from); i < Math.min(used.length, from + count); i++) {
      used[(int) i] = true;
    }
  }

  private static boolean hasSuperBackup(long g, boolean sparseSuper) {
    if (!sparseSuper || g <= 1) {
      return true;
    }
    return isPower(g, 3) || isPower(g, 5) || isPower(g, 7);
  }

  private static boolean isPower(long g, int base) {
    long p = base;
    while (p < g) {
      p *= base;
    }
    return p == g;
  }
}
