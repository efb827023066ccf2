package io.liftshift.converter.inspect.windows;

import io.liftshift.converter.plan.windows.DriverPackage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * AWS's Windows driver packages in a directory of this conversion server, checked before use:
 *
 * <pre>
 * DIR/SHA256SUMS                  sha256sum's format; every file below must be listed and match
 * DIR/AWSNVMe/  AWSNVMe.inf, AWSNVMe.sys, the catalog (.cat)   from AWSNVMe.zip
 * DIR/ENA/      ena.inf, ena.sys, the catalog                  from AwsEnaNetworkDriver.zip
 * DIR/EC2Launch/AmazonEC2Launch.msi                            optional
 * </pre>
 *
 * The PCI ids and the install section come from each INF's models lines ({@code %desc% = section,
 * PCI\VEN_1D0F&DEV_8061}), so the hive entries match the driver actually installed.
 */
public final class DriverPackages {
  /** Where the conversion server image keeps the packages it fetched (see docs/windows.md). */
  public static final Path DEFAULT_DIR = Path.of("/opt/liftshift/windows-drivers");

  private static final Pattern MODEL =
      Pattern.compile(
          "=\\s*([A-Za-z0-9_.]+)\\s*,\\s*(PCI\\\\VEN_[0-9A-Fa-f]{4}&DEV_[0-9A-Fa-f]{4})[^\\s,;]*");

  /** The packages and EC2Launch v2's installer (null when absent). */
  public record Found(List<DriverPackage> packages, DriverPackage.PackageFile ec2Launch) {}

  private DriverPackages() {}

  public static Found load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return new Found(List.of(), null);
    }
    Map<String, String> pinned = pinned(dir);
    List<DriverPackage> out = new ArrayList<>();
    for (String[] known :
        new String[][] {
          {"AWSNVMe", "AWSNVMe", "AWSNVMe.sys", "AWSNVMe.inf", "0", "SCSI miniport"},
          {"ENA", "ena", "ena.sys", "ena.inf", "3", "NDIS"}
        }) {
      Path pkgDir = dir.resolve(known[0]);
      if (!Files.isDirectory(pkgDir)) {
        continue;
      }
      List<DriverPackage.PackageFile> files = new ArrayList<>();
      try (Stream<Path> s = Files.list(pkgDir)) {
        for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
          files.add(checked(dir, f, pinned));
        }
      }
      Path inf = dir.resolve(known[0]).resolve(known[3]);
      Path sys = dir.resolve(known[0]).resolve(known[2]);
      if (!Files.isRegularFile(inf) || !Files.isRegularFile(sys)) {
        throw new IOException(pkgDir + " must hold " + known[3] + " and " + known[2]);
      }
      Set<String> ids = new LinkedHashSet<>();
      String section = null;
      Matcher m = MODEL.matcher(readInf(inf));
      while (m.find()) {
        section = section == null ? m.group(1) : section;
        ids.add(m.group(2).toUpperCase(Locale.ROOT));
      }
      if (ids.isEmpty()) {
        throw new IOException(inf + " names no PCI device (no models line with PCI\\VEN_...)");
      }
      boolean storage = known[4].equals("0");
      out.add(
          new DriverPackage(
              known[0],
              known[1],
              known[2],
              known[3],
              section,
              List.copyOf(ids),
              files,
              Integer.parseInt(known[4]),
              known[5],
              storage ? DriverPackage.SCSI_ADAPTER_CLASS : DriverPackage.NET_CLASS));
    }
    Path msi = dir.resolve("EC2Launch/AmazonEC2Launch.msi");
    return new Found(out, Files.isRegularFile(msi) ? checked(dir, msi, pinned) : null);
  }

  /** INF files are UTF-16LE with a byte order mark, or ANSI. */
  private static String readInf(Path inf) throws IOException {
    byte[] b = Files.readAllBytes(inf);
    if (b.length >= 2 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xfe) {
      return new String(b, 2, b.length - 2, StandardCharsets.UTF_16LE);
    }
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private static Map<String, String> pinned(Path dir) throws IOException {
    Path sums = dir.resolve("SHA256SUMS");
    if (!Files.isRegularFile(sums)) {
      throw new IOException(
          dir + " has no SHA256SUMS: every driver file must be pinned by its SHA-256");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(sums, StandardCharsets.UTF_8)) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] f = t.split("\\s+\\*?", 2);
      if (f.length != 2 || !f[0].matches("[0-9a-fA-F]{64}")) {
        throw new IOException(sums + ": not a sha256sum line: " + line);
      }
      out.put(f[1].replace('\\', '/').replaceFirst("^\\./", ""), f[0].toLowerCase(Locale.ROOT));
    }
    return out;
  }

  private static DriverPackage.PackageFile checked(Path dir, Path f, Map<String, String> pinned)
      throws IOException {
    String rel = dir.relativize(f).toString();
    String want = pinned.get(rel);
    if (want == null) {
      throw new IOException(rel + " is not pinned in " + dir.resolve("SHA256SUMS"));
    }
    String have = sha256(f);
    if (!have.equals(want)) {
      throw new IOException(
          rel + " has SHA-256 " + have + ", not the pinned " + want + ": refusing to install it");
    }
    return new DriverPackage.PackageFile(f.getFileName().toString(), f.toString(), have);
  }

  public static String sha256(Path f) throws IOException {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      try (var in = Files.newInputStream(f)) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          d.update(buf, 0, n);
        }
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
