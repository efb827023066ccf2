package io.liftshift.converter.inspect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The launch's volumes opened as block devices: image files through loop devices with their
 * partitions ({@code losetup -P}), block devices (attached EBS volumes) as they are; LVM volume
 * groups on them activated. Mounts made through it are undone, in reverse, on close.
 */
public final class GuestDisks implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(GuestDisks.class.getName());

  private final List<String> disks = new ArrayList<>();
  private final List<String> loops = new ArrayList<>();
  private final Set<String> volumeGroups = new LinkedHashSet<>();
  private final Deque<Path> mounts = new ArrayDeque<>();
  private final boolean readOnly;

  private GuestDisks(boolean readOnly) {
    this.readOnly = readOnly;
  }

  /**
   * Opens the volumes in the source's disk order. {@code readOnly} attaches loop devices read-only
   * and mounts without replaying journals, so nothing on them changes (a dry run).
   */
  public static GuestDisks open(List<Path> volumes, boolean readOnly) throws IOException {
    GuestDisks d = new GuestDisks(readOnly);
    try {
      for (Path v : volumes) {
        if (Files.isRegularFile(v)) {
          List<String> cmd = new ArrayList<>(List.of("losetup", "--find", "--show", "--partscan"));
          if (readOnly) {
            cmd.add("--read-only");
          }
          cmd.add(v.toString());
          String loop = Commands.run(30, cmd).strip();
          d.loops.add(loop);
          d.disks.add(loop);
        } else {
          d.disks.add(v.toString());
        }
      }
      settle();
    } catch (IOException e) {
      d.close();
      throw e;
    }
    return d;
  }

  /** Lets udev create the device nodes of new partitions and LVs, where udev runs. */
  private static void settle() {
    try {
      Commands.run(30, "udevadm", "settle", "--timeout=10");
    } catch (IOException e) {
      // No udev (a container): devtmpfs has the nodes already.
      LOG.fine("udevadm settle: " + e.getMessage());
    }
  }

  /**
   * Every device on the volumes, logical volumes included. Found once: partitions that need loop
   * devices of their own, and volume groups, are attached and activated by the first call only.
   */
  public List<BlockDevice> devices() throws IOException {
    if (found == null) {
      found = List.copyOf(find());
    }
    return found;
  }

  private List<BlockDevice> found;

  private List<BlockDevice> find() throws IOException {
    List<BlockDevice> out = new ArrayList<>();
    for (int i = 0; i < disks.size(); i++) {
      String disk = Path.of(disks.get(i)).toRealPath().toString();
      out.add(probe(disk, i, 0, Files.isRegularFile(Path.of(disk)) ? "file" : "disk"));
      for (String[] part : partitions(disk)) {
        out.add(probe(part[0], i, Integer.parseInt(part[1]), "part"));
      }
    }
    List<BlockDevice> lvs = new ArrayList<>();
    for (BlockDevice b : out) {
      if (!b.fsType().equals("LVM2_member")) {
        continue;
      }
      String vg = Commands.run(30, "pvs", "--noheadings", "-o", "vg_name", b.path()).strip();
      if (vg.isEmpty()) {
        continue;
      }
      if (volumeGroups.add(vg)) {
        Commands.run(60, "vgchange", "-ay", vg);
        settle();
      }
      for (String lv :
          Commands.run(30, "lvs", "--noheadings", "-o", "lv_dm_path", vg).strip().split("\\s+")) {
        if (!lv.isEmpty()) {
          lvs.add(probe(lv, b.volumeIndex(), 0, "lvm"));
        }
      }
    }
    out.addAll(lvs);
    return out;
  }

  /**
   * The partitions the kernel found on a disk, as {path, number}. Where no udev creates their
   * device nodes (a container), they are made from sysfs's major:minor.
   */
  private List<String[]> partitions(String disk) throws IOException {
    String name = Path.of(disk).getFileName().toString();
    Path sys = Path.of("/sys/class/block", name);
    List<String[]> out = new ArrayList<>();
    if (!Files.isDirectory(sys)) {
      return out;
    }
    boolean kernelScanned;
    try (var s = Files.list(sys)) {
      kernelScanned = s.anyMatch(p -> Files.exists(p.resolve("partition")));
    }
    if (!kernelScanned) {
      return partitionsByOffset(disk);
    }
    try (var s = Files.list(sys)) {
      for (Path p : s.sorted().toList()) {
        if (!Files.exists(p.resolve("partition"))) {
          continue;
        }
        String part = p.getFileName().toString();
        Path node = Path.of("/dev", part);
        if (!Files.exists(node)) {
          String[] mm = Files.readString(p.resolve("dev")).strip().split(":");
          Commands.run(10, "mknod", node.toString(), "b", mm[0], mm[1]);
        }
        out.add(new String[] {node.toString(), Files.readString(p.resolve("partition")).strip()});
      }
    }
    return out;
  }

  /**
   * Where the kernel did not scan the partition table (some containers hide loop partitions), each
   * partition is opened as its own loop device over its byte range, as sfdisk reads the table.
   */
  private List<String[]> partitionsByOffset(String disk) throws IOException {
    List<String[]> out = new ArrayList<>();
    String json;
    try {
      json = Commands.run(30, "sfdisk", "--json", disk);
    } catch (IOException e) {
      return out; // no partition table: a whole-disk filesystem or an empty disk
    }
    var table = io.liftshift.contract.ContractJson.MAPPER.readTree(json).path("partitiontable");
    long sector = table.path("sectorsize").asLong(512);
    for (var part : table.path("partitions")) {
      String node = part.path("node").asText();
      String number = node.replaceAll("^.*?(\\d+)$", "$1");
      List<String> cmd = new ArrayList<>(List.of("losetup", "--find", "--show"));
      if (readOnly) {
        cmd.add("--read-only");
      }
      cmd.addAll(
          List.of(
              "--offset",
              Long.toString(part.path("start").asLong() * sector),
              "--sizelimit",
              Long.toString(part.path("size").asLong() * sector),
              disk));
      String loop = Commands.run(30, cmd).strip();
      loops.add(0, loop); // detached before the disk's own loop device
      out.add(new String[] {loop, number});
    }
    return out;
  }

  /** What blkid finds on the device itself (not a cache, not udev's database). */
  private static BlockDevice probe(String path, int volume, int partition, String type)
      throws IOException {
    java.util.Map<String, String> tags = new java.util.HashMap<>();
    try {
      for (String line : Commands.run(30, "blkid", "-p", "-o", "export", path).split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          tags.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      // blkid exits 2 when it finds nothing on the device: an empty or unknown device.
      LOG.fine("blkid " + path + ": " + e.getMessage());
    }
    return new BlockDevice(
        path,
        volume,
        partition,
        type,
        tags.getOrDefault("TYPE", ""),
        tags.getOrDefault("UUID", ""),
        tags.getOrDefault("LABEL", ""),
        tags.getOrDefault("PTTYPE", ""));
  }

  /** Mounts the filesystem at {@code at}; read-only opens never replay a journal. */
  public void mount(BlockDevice fs, Path at) throws IOException {
    Files.createDirectories(at);
    List<String> cmd = new ArrayList<>(List.of("mount", "-t", fs.fsType()));
    if (readOnly) {
      cmd.add("-o");
      cmd.add(
          fs.fsType().equals("xfs")
              ? "ro,norecovery"
              : fs.fsType().startsWith("ext") ? "ro,noload" : "ro");
    }
    cmd.add(fs.path());
    cmd.add(at.toString());
    try {
      Commands.run(60, cmd);
    } catch (IOException e) {
      throw new IOException(
          "the "
              + fs.fsType()
              + " filesystem on "
              + fs.path()
              + " cannot be mounted (damaged?): "
              + e.getMessage(),
          e);
    }
    mounts.push(at);
  }

  /**
   * Mounts the filesystem with this driver and these options (ntfs-3g for NTFS, read-only or not
   * whatever this opening is), to be undone like the others.
   */
  public void mount(BlockDevice fs, Path at, String type, String options) throws IOException {
    Files.createDirectories(at);
    try {
      Commands.run(60, "mount", "-t", type, "-o", options, fs.path(), at.toString());
    } catch (IOException e) {
      throw new IOException(
          "the "
              + fs.fsType()
              + " filesystem on "
              + fs.path()
              + " cannot be mounted: "
              + e.getMessage(),
          e);
    }
    mounts.push(at);
  }

  /** Binds a directory of this machine into the guest (for chroot: /dev, /proc, /sys, /run). */
  public void bind(String type, String source, Path at) throws IOException {
    Files.createDirectories(at);
    if (type.equals("bind")) {
      Commands.run(30, "mount", "--bind", source, at.toString());
    } else {
      Commands.run(30, "mount", "-t", type, source, at.toString());
    }
    mounts.push(at);
  }

  /** Undoes the mounts made since {@code depth} mounts existed (the chroot's binds). */
  public int depth() {
    return mounts.size();
  }

  public void unmountTo(int depth) {
    while (mounts.size() > depth) {
      Path m = mounts.pop();
      try {
        Commands.run(60, "umount", m.toString());
      } catch (IOException e) {
        LOG.warning("umount " + m + ": " + e.getMessage() + "; detaching it lazily");
        try {
          Commands.run(60, "umount", "-l", m.toString());
        } catch (IOException ignored) {
          // Reported above; nothing more can be done here.
        }
      }
    }
  }

  public Optional<BlockDevice> byUuid(String uuid) throws IOException {
    return devices().stream().filter(b -> b.uuid().equalsIgnoreCase(uuid)).findFirst();
  }

  @Override
  public void close() {
    unmountTo(0);
    for (String vg : volumeGroups) {
      try {
        Commands.run(60, "vgchange", "-an", vg);
      } catch (IOException e) {
        LOG.warning("vgchange -an " + vg + ": " + e.getMessage());
      }
    }
    for (String loop : loops) {
      try {
        Commands.run(30, "losetup", "--detach", loop);
      } catch (IOException e) {
        LOG.warning("losetup --detach " + loop + ": " + e.getMessage());
      }
    }
  }
}
