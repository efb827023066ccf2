package io.liftshift.converter.windows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes an empty registry hive: a base block and one 4 KiB bin holding the root key and its
 * security cell, nothing else. Test data only: the hive tools can change a hive but not create one
 * (hivex's own tests start from a hand-made "minimal" hive for the same reason, which Debian does
 * not ship), so the tests make this empty one and put every key and value into it with {@code
 * hivexregedit --merge}. Layout as the tools read it: base block "regf" (sequence numbers, version
 * 1.3, root cell offset, bins size, XOR checksum of the first 508 bytes), bin "hbin", a "nk" root
 * cell (flags: hive entry, no delete, ASCII name) and an "sk" cell (owner BUILTIN\Administrators,
 * group SYSTEM, no DACL), the rest one free cell.
 */
final class EmptyHive {
  private static final int PAGE = 0x1000;

  private EmptyHive() {}

  static void write(Path file, String rootName) throws IOException {
    byte[] name = rootName.getBytes(StandardCharsets.US_ASCII);
    int nkSize = align(4 + 0x4c + name.length);
    byte[] sd = securityDescriptor();
    int skSize = align(4 + 0x14 + sd.length);
    int nkOffset = 0x20;
    int skOffset = nkOffset + nkSize;

    ByteBuffer bin = ByteBuffer.allocate(PAGE).order(ByteOrder.LITTLE_ENDIAN);
    bin.put("hbin".getBytes(StandardCharsets.US_ASCII)).putInt(0).putInt(PAGE);
    bin.position(nkOffset);
    bin.putInt(-nkSize).put("nk".getBytes(StandardCharsets.US_ASCII)).putShort((short) 0x2c);
    bin.putLong(0).putInt(0).putInt(0); // last written, access bits, parent
    bin.putInt(0).putInt(0).putInt(-1).putInt(-1); // subkeys, volatile subkeys, their lists
    bin.putInt(0).putInt(-1); // values, value list
    bin.putInt(skOffset).putInt(-1); // security, class name
    bin.putInt(0).putInt(0).putInt(0).putInt(0).putInt(0); // longest names and data, work var
    bin.putShort((short) name.length).putShort((short) 0).put(name);
    bin.position(skOffset);
    bin.putInt(-skSize).put("sk".getBytes(StandardCharsets.US_ASCII)).putShort((short) 0);
    bin.putInt(skOffset).putInt(skOffset).putInt(1).putInt(sd.length).put(sd);
    int free = skOffset + skSize;
    bin.position(free);
    bin.putInt(PAGE - free);

    ByteBuffer base = ByteBuffer.allocate(PAGE).order(ByteOrder.LITTLE_ENDIAN);
    base.put("regf".getBytes(StandardCharsets.US_ASCII)).putInt(1).putInt(1).putLong(0);
    base.putInt(1).putInt(3).putInt(0).putInt(1).putInt(nkOffset).putInt(PAGE).putInt(1);
    int sum = 0;
    for (int i = 0; i < 0x1fc; i += 4) {
      sum ^= base.getInt(i);
    }
    base.putInt(0x1fc, sum);

    byte[] out = new byte[2 * PAGE];
    System.arraycopy(base.array(), 0, out, 0, PAGE);
    System.arraycopy(bin.array(), 0, out, PAGE, PAGE);
    Files.write(file, out);
  }

  /** Self-relative: revision 1, control SE_SELF_RELATIVE, owner S-1-5-32-544, group S-1-5-18. */
  private static byte[] securityDescriptor() {
    ByteBuffer b = ByteBuffer.allocate(20 + 16 + 12).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 1)
        .put((byte) 0)
        .putShort((short) 0x8000)
        .putInt(20)
        .putInt(36)
        .putInt(0)
        .putInt(0);
    b.put(new byte[] {1, 2, 0, 0, 0, 0, 0, 5}).putInt(32).putInt(544);
    b.put(new byte[] {1, 1, 0, 0, 0, 0, 0, 5}).putInt(18);
    return b.array();
  }

  private static int align(int n) {
    return (n + 7) & ~7;
  }
}
