package io.liftshift.agent.allocation;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Free extents of an XFS file system, from each allocation group's free-space B+tree indexed by
 * block number (the AGF's bnobt; layout per the XFS Algorithms and Data Structures document, v4 and
 * v5 block headers). Blocks on the AG free list are not in the tree, so they are read:
 * conservative. An unexpected magic number or a tree that does not end makes the reader decline,
 * and the volume is read whole.
 */
final class XfsAllocation {
  private static final int SB_MAGIC = 0x58465342; // "XFSB"
  private static final int AGF_MAGIC = 0x58414746; // "XAGF"
  private static final int BNO_MAGIC_V4 = 0x41425442; // "ABTB"
  private static final int BNO_MAGIC_V5 = 0x41423342; // "AB3B"
  private static final long NULL_AG_BLOCK = 0xFFFFFFFFL;

  private XfsAllocation() {}

  static boolean matches(VolumeReader r, long base, long length) throws IOException {
    return length >= 512 && r.be(base, 4).getInt() == SB_MAGIC;
  }

  static String free(VolumeReader r, long base, long length, UsedRanges.Builder free)
      throws IOException {
    if (!matches(r, base, length)) {
      return null;
    }
    ByteBuffer sb = r.be(base, 512);
    long bs = sb.getInt(4) & 0xFFFFFFFFL;
    long dblocks = sb.getLong(8);
    long agBlocks = sb.getInt(84) & 0xFFFFFFFFL;
    long agCount = sb.getInt(88) & 0xFFFFFFFFL;
    int version = sb.getShort(100) & 0xF;
    int sectSize = sb.getShort(102) & 0xFFFF;
    if (bs < 512 || bs > 65536 || Long.bitCount(bs) != 1 || dblocks * bs > length || agCount == 0) {
      return null;
    }
    int header = version == 5 ? 56 : 16;
    int magic = version == 5 ? BNO_MAGIC_V5 : BNO_MAGIC_V4;
    long freeBlocks = 0;
    for (long ag = 0; ag < agCount; ag++) {
      long agStart = base + ag * agBlocks * bs;
      ByteBuffer agf = r.be(agStart + sectSize, 64);
      if (agf.getInt(0) != AGF_MAGIC) {
        return null;
      }
      long agLength = agf.getInt(12) & 0xFFFFFFFFL;
      long block = agf.getInt(16) & 0xFFFFFFFFL;
      int levels = agf.getInt(28);
      if (levels < 1 || levels > 16) {
        return null;
      }
      // Down the leftmost edge to the first leaf, then along the right siblings.
      for (int level = levels - 1; level > 0; level--) {
        ByteBuffer node = treeBlock(r, agStart, block, bs, agLength, magic);
        if (node == null || (node.getShort(4) & 0xFFFF) != level) {
          return null;
        }
        long maxRecs = (bs - header) / 12;
        block = node.getInt((int) (header + maxRecs * 8)) & 0xFFFFFFFFL;
      }
      long visited = 0;
      while (block != NULL_AG_BLOCK) {
        ByteBuffer leaf = treeBlock(r, agStart, block, bs, agLength, magic);
        if (leaf == null || leaf.getShort(4) != 0 || ++visited > agLength) {
          return null;
        }
        int recs = leaf.getShort(6) & 0xFFFF;
        if (header + recs * 8L > bs) {
          return null;
        }
        for (int i = 0; i < recs; i++) {
          long start = leaf.getInt(header + 8 * i) & 0xFFFFFFFFL;
          long count = leaf.getInt(header + 8 * i + 4) & 0xFFFFFFFFL;
          if (start + count > agLength) {
            return null;
          }
          free.add(agStart + start * bs, count * bs);
          freeBlocks += count;
        }
        block = leaf.getInt(12) & 0xFFFFFFFFL;
      }
    }
    return String.format(
        "XFS (%d of %d blocks of %d bytes in use)", dblocks - freeBlocks, dblocks, bs);
  }

  private static ByteBuffer treeBlock(
      VolumeReader r, long agStart, long block, long bs, long agLength, int magic)
      throws IOException {
    if (block >= agLength) {
      return null;
    }
    ByteBuffer b = r.be(agStart + block * bs, (int) bs);
    return b.getInt(0) == magic ? b : null;
  }
}
