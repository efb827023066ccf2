package io.liftshift.agent.allocation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An LVM2 physical volume: its label, its first metadata area and the volume group's text metadata
 * (the format LVM's own metadata backups use). Extents no logical volume uses are free; a logical
 * volume that is one linear run on this volume is looked into for ext4 or XFS; any other (striped,
 * spread over several volumes, snapshots, thin pools) is read whole.
 */
final class LvmAllocation {
  private static final String LABEL = "LABELONE";
  private static final String TYPE = "LVM2 001";
  private static final String MDA_MAGIC = " LVM2 x[5A%r0N*>";

  private LvmAllocation() {}

  static String free(VolumeReader r, long base, long length, UsedRanges.Builder free)
      throws IOException {
    ByteBuffer head = r.le(base, 4 * 512);
    int sector = -1;
    for (int s = 0; s < 4; s++) {
      if (ascii(head, s * 512, 8).equals(LABEL) && ascii(head, s * 512 + 24, 8).equals(TYPE)) {
        sector = s;
        break;
      }
    }
    if (sector < 0) {
      return null;
    }
    int pvh = sector * 512 + head.getInt(sector * 512 + 20);
    if (pvh + 48 > head.capacity()) {
      return null;
    }
    String pvUuid = ascii(head, pvh, 32);
    int at = pvh + 40;
    while (head.getLong(at) != 0) { // data areas
      at += 16;
    }
    at += 16;
    long mdaOffset = head.getLong(at);
    if (mdaOffset == 0) {
      return null; // no metadata area on this volume: nothing to read the layout from
    }
    ByteBuffer mda = r.le(base + mdaOffset, 512);
    if (!ascii(mda, 4, 16).equals(MDA_MAGIC)) {
      return null;
    }
    long mdaSize = mda.getLong(32);
    long textOffset = mda.getLong(40);
    long textSize = mda.getLong(48);
    if (textSize <= 0 || textSize > (4 << 20) || textOffset <= 0 || textOffset >= mdaSize) {
      return null;
    }
    byte[] text = new byte[(int) textSize];
    long first = Math.min(textSize, mdaSize - textOffset);
    r.le(base + mdaOffset + textOffset, (int) first).get(text, 0, (int) first);
    if (first < textSize) { // the metadata area is a ring: the rest follows its header
      r.le(base + mdaOffset + 512, (int) (textSize - first))
          .get(text, (int) first, (int) (textSize - first));
    }
    Map<String, Object> vgs = LvmText.parse(new String(text, StandardCharsets.UTF_8).trim());
    for (Map.Entry<String, Object> e : vgs.entrySet()) {
      if (e.getValue() instanceof Map<?, ?> vg && vg.containsKey("physical_volumes")) {
        return volumeGroup(r, base, length, free, e.getKey(), vg, pvUuid);
      }
    }
    return null;
  }

  private static String volumeGroup(
      VolumeReader r,
      long base,
      long length,
      UsedRanges.Builder free,
      String vgName,
      Map<?, ?> vg,
      String pvUuid)
      throws IOException {
    long extentBytes = number(vg.get("extent_size")) * 512;
    String pvName = null;
    long peStart = 0;
    long peCount = 0;
    for (Map.Entry<?, ?> pv : ((Map<?, ?>) vg.get("physical_volumes")).entrySet()) {
      Map<?, ?> m = (Map<?, ?>) pv.getValue();
      if (String.valueOf(m.get("id")).replace("-", "").equals(pvUuid)) {
        pvName = (String) pv.getKey();
        peStart = number(m.get("pe_start")) * 512;
        peCount = number(m.get("pe_count"));
      }
    }
    if (pvName == null || extentBytes <= 0 || peStart + peCount * extentBytes > length) {
      return null;
    }
    boolean[] allocated = new boolean[(int) peCount];
    List<String> lvs = new ArrayList<>();
    Object lvSection = vg.get("logical_volumes");
    if (lvSection instanceof Map<?, ?> lvMap) {
      for (Map.Entry<?, ?> lv : lvMap.entrySet()) {
        Map<?, ?> m = (Map<?, ?>) lv.getValue();
        long[] run = null;
        int segments = (int) number(m.get("segment_count"));
        boolean linear = segments == 1;
        for (int s = 1; s <= segments; s++) {
          Map<?, ?> seg = (Map<?, ?>) m.get("segment" + s);
          List<?> stripes = seg == null ? List.of() : (List<?>) seg.get("stripes");
          if (seg == null || !"striped".equals(seg.get("type")) || stripes == null) {
            return null; // thin pools, mirrors, snapshots: not mapped here, so read all
          }
          long count = number(seg.get("extent_count"));
          long perStripe = count / Math.max(1, stripes.size() / 2);
          for (int k = 0; k + 1 < stripes.size(); k += 2) {
            if (!pvName.equals(stripes.get(k))) {
              linear = false;
              continue;
            }
            long pe = number(stripes.get(k + 1));
            for (long x = pe; x < Math.min(peCount, pe + perStripe); x++) {
              allocated[(int) x] = true;
            }
            run = new long[] {pe, perStripe};
          }
          linear &= stripes.size() == 2;
        }
        String inside = null;
        if (linear && run != null) {
          inside =
              DiskLayout.volume(
                  r, base + peStart + run[0] * extentBytes, run[1] * extentBytes, free);
        }
        lvs.add(lv.getKey() + " " + (inside == null ? "read whole" : inside));
      }
    }
    long freeExtents = 0;
    for (int x = 0; x < peCount; x++) {
      if (!allocated[x]) {
        free.add(base + peStart + x * extentBytes, extentBytes);
        freeExtents++;
      }
    }
    return String.format(
        "LVM VG %s (%d of %d extents free; %s)",
        vgName, freeExtents, peCount, String.join("; ", lvs));
  }

  private static long number(Object o) {
    if (o instanceof Long l) {
      return l;
    }
    throw new IllegalArgumentException("LVM metadata: expected a number, found " + o);
  }

  private static String ascii(ByteBuffer b, int at, int len) {
    byte[] x = new byte[len];
    b.get(at, x);
    return new String(x, StandardCharsets.ISO_8859_1);
  }

  /** The LVM2 metadata text format: {@code key = value}, {@code name { ... }}, lists, comments. */
  static final class LvmText {
    private final String s;
    private int i;

    private LvmText(String s) {
      this.s = s;
    }

    static Map<String, Object> parse(String text) {
      LvmText p = new LvmText(text);
      Map<String, Object> m = p.section();
      p.skip();
      if (p.i < p.s.length()) {
        throw new IllegalArgumentException("LVM metadata: unexpected '" + p.s.charAt(p.i) + "'");
      }
      return m;
    }

    private Map<String, Object> section() {
      Map<String, Object> m = new LinkedHashMap<>();
      while (true) {
        skip();
        if (i >= s.length() || s.charAt(i) == '}') {
          return m;
        }
        String key = word();
        skip();
        char c = s.charAt(i++);
        if (c == '{') {
          m.put(key, section());
          skip();
          expect('}');
        } else if (c == '=') {
          m.put(key, value());
        } else {
          throw new IllegalArgumentException("LVM metadata: unexpected '" + c + "' after " + key);
        }
      }
    }

    private Object value() {
      skip();
      char c = s.charAt(i);
      if (c == '"') {
        int end = s.indexOf('"', i + 1);
        String v = s.substring(i + 1, end);
        i = end + 1;
        return v;
      }
      if (c == '[') {
        i++;
        List<Object> l = new ArrayList<>();
        while (true) {
          skip();
          if (s.charAt(i) == ']') {
            i++;
            return l;
          }
          l.add(value());
          skip();
          if (s.charAt(i) == ',') {
            i++;
          }
        }
      }
      String w = word();
      try {
        return Long.parseLong(w);
      } catch (NumberFormatException e) {
        return w;
      }
    }

    private String word() {
      int start = i;
      while (i < s.length()
          && (Character.isLetterOrDigit(s.charAt(i)) || "_-.+".indexOf(s.charAt(i)) >= 0)) {
        i++;
      }
      if (start == i) {
        throw new IllegalArgumentException("LVM metadata: expected a name at " + i);
      }
      return s.substring(start, i);
    }

    private void expect(char c) {
      if (i >= s.length() || s.charAt(i) != c) {
        throw new IllegalArgumentException("LVM metadata: expected '" + c + "' at " + i);
      }
      i++;
    }

    private void skip() {
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == '#') {
          while (i < s.length() && s.charAt(i) != '\n') {
            i++;
          }
        } else if (Character.isWhitespace(c) || c == '\0') {
          i++;
        } else {
          return;
        }
      }
    }
  }
}
