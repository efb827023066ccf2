package io.liftshift.constructs;

/**
 * An IPv4 CIDR block, parsed so that overlaps can be found before anything is deployed.
 *
 * @param text the block as written
 * @param first the first address, as an unsigned 32-bit value
 * @param prefixLength the number of network bits
 */
record Cidr(String text, long first, int prefixLength) {
  static Cidr parse(String text, String construct, String prop) {
    String[] parts = text == null ? new String[0] : text.trim().split("/", -1);
    if (parts.length != 2) {
      throw invalid(text, construct, prop);
    }
    String[] octets = parts[0].split("\\.", -1);
    if (octets.length != 4) {
      throw invalid(text, construct, prop);
    }
    long address = 0;
    int length;
    try {
      for (String o : octets) {
        int v = Integer.parseInt(o);
        if (v < 0 || v > 255 || !o.equals(Integer.toString(v))) {
          throw invalid(text, construct, prop);
        }
        address = (address << 8) | v;
      }
      length = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw invalid(text, construct, prop);
    }
    if (length < 0 || length > 32) {
      throw invalid(text, construct, prop);
    }
    long mask = length == 0 ? 0 : (0xFFFFFFFFL << (32 - length)) & 0xFFFFFFFFL;
    if ((address & mask) != address) {
      throw new IllegalArgumentException(
          construct
              + ": "
              + prop
              + " "
              + text
              + " has host bits set: write the network address of the block");
    }
    return new Cidr(text.trim(), address, length);
  }

  long last() {
    return first + (1L << (32 - prefixLength)) - 1;
  }

  boolean overlaps(Cidr other) {
    return first <= other.last() && other.first <= last();
  }

  private static IllegalArgumentException invalid(String text, String construct, String prop) {
    return new IllegalArgumentException(
        construct + ": " + prop + " '" + text + "' is not an IPv4 CIDR block such as 10.0.0.0/16");
  }
}
