package io.liftshift.converter.plan;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * One Windows registry value as a plan carries it: its type and a readable text (a DWORD in
 * decimal, strings as they are, a multi-string's entries one per line, binary as hex bytes). The
 * {@code .reg} form is what {@code hivexregedit --merge} reads and {@code --export} writes.
 *
 * @param type REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD or REG_BINARY
 */
public record RegistryValue(String type, String text) {
  private static final List<String> TYPES =
      List.of("REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_MULTI_SZ");

  public RegistryValue {
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException("registry value type " + type + " is not one of " + TYPES);
    }
  }

  public static RegistryValue dword(long v) {
    return new RegistryValue("REG_DWORD", Long.toString(v & 0xffffffffL));
  }

  public static RegistryValue sz(String v) {
    return new RegistryValue("REG_SZ", v);
  }

  public static RegistryValue expandSz(String v) {
    return new RegistryValue("REG_EXPAND_SZ", v);
  }

  public static RegistryValue multiSz(List<String> v) {
    return new RegistryValue("REG_MULTI_SZ", String.join("\n", v));
  }

  public static RegistryValue binary(byte[] v) {
    return new RegistryValue("REG_BINARY", HexFormat.ofDelimiter(",").formatHex(v));
  }

  public List<String> entries() {
    return text.isEmpty() ? List.of() : List.of(text.split("\n"));
  }

  /** The data side of a {@code .reg} line: {@code dword:00000001} or {@code hex(2):5c,00,...}. */
  public String toReg() {
    return switch (type) {
      case "REG_DWORD" -> String.format("dword:%08x", Long.parseLong(text));
      case "REG_BINARY" -> "hex:" + text;
      default -> "hex(" + typeNumber() + "):" + HexFormat.ofDelimiter(",").formatHex(utf16());
    };
  }

  /** REG_SZ 1, REG_EXPAND_SZ 2, REG_BINARY 3, REG_DWORD 4, REG_MULTI_SZ 7 (winnt.h). */
  private int typeNumber() {
    return type.equals("REG_MULTI_SZ") ? 7 : TYPES.indexOf(type) + 1;
  }

  private byte[] utf16() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    List<String> parts = type.equals("REG_MULTI_SZ") ? entries() : List.of(text);
    for (String p : parts) {
      b.writeBytes(p.getBytes(StandardCharsets.UTF_16LE));
      b.writeBytes(new byte[2]);
    }
    if (type.equals("REG_MULTI_SZ")) {
      b.writeBytes(new byte[2]);
    }
    return b.toByteArray();
  }

  /**
   * Reads the data side of a {@code .reg} line as {@code hivexregedit --export} writes it; types
   * other than the five above (QWORD, links, resource lists) are kept as REG_BINARY of their bytes.
   */
  public static RegistryValue fromReg(String data) {
    String d = data.strip();
    if (d.startsWith("dword:")) {
      return dword(Long.parseLong(d.substring(6), 16));
    }
    if (d.startsWith("\"")) {
      return sz(unquote(d));
    }
    if (d.startsWith("str(")) {
      int close = d.indexOf("):");
      String text = unquote(d.substring(close + 2));
      return Integer.parseInt(d.substring(4, close), 16) == 2 ? expandSz(text) : sz(text);
    }
    int colon = d.indexOf(':');
    String kind = d.substring(0, colon).toLowerCase(Locale.ROOT);
    String hex = d.substring(colon + 1).replaceAll("[^0-9a-fA-F]", "");
    byte[] bytes = HexFormat.of().parseHex(hex);
    int t = kind.equals("hex") ? 3 : Integer.parseInt(kind.substring(4, kind.length() - 1), 16);
    return switch (t) {
      case 1 -> sz(decode(bytes).get(0));
      case 2 -> expandSz(decode(bytes).get(0));
      case 7 -> multiSz(decode(bytes));
      case 4 ->
          dword(
              bytes.length < 4
                  ? 0
                  : ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL);
      default -> binary(bytes);
    };
  }

  private static String unquote(String quoted) {
    return quoted.substring(1, quoted.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
  }

  /** UTF-16LE strings separated by NULs; a missing terminator is tolerated, as Windows does. */
  private static List<String> decode(byte[] bytes) {
    String all = new String(bytes, StandardCharsets.UTF_16LE);
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    for (String s : all.split("\u0000", -1)) {
      out.add(s);
    }
    while (out.size() > 1 && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1);
    }
    if (out.isEmpty()) {
      out.add("");
    }
    return out;
  }

  @Override
  public String toString() {
    return type + " " + (type.equals("REG_MULTI_SZ") ? entries().toString() : text);
  }
}
