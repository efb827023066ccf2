package io.liftshift.converter.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
  private static final ObjectMapper JSON = new ObjectMapper();

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
      Commands.run(30, "udevadm", "settle", "--timeout=10");
    } catch (IOException e) {
      d.close();
      throw e;
    }
    return d;
  }

  /** Every device on the volumes, logical volumes included (activated on first call). */
  public List<BlockDevice> devices() throws IOException {
    List<BlockDevice> out = lsblk();
    boolean activated = false;
    for (BlockDevice b : out) {
      if (b.fsType().equals("LVM2_member")) {
        String vg = Commands.run(30, "pvs", "--noheadings", "-o", "vg_name", b.path()).strip();
        if (!vg.isEmpty() && volumeGroups.add(vg)) {
          Commands.run(60, "vgchange", "-ay", vg);
          activated = true;
        }
      }
    }
    if (activated) {
      Commands.run(30, "udevadm", "settle", "--timeout=10");
      out = lsblk();
    }
    return out;
  }

  private List<BlockDevice> lsblk() throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "lsblk",
                "--json",
                "--bytes",
                "--paths",
                "--output",
                "PATH,TYPE,FSTYPE,UUID,LABEL,PTTYPE,PKNAME"));
    cmd.addAll(disks);
    JsonNode root = JSON.readTree(Commands.run(30, cmd));
    List<BlockDevice> out = new ArrayList<>();
    int i = 0;
    for (JsonNode disk : root.path("blockdevices")) {
      collect(disk, i++, out);
    }
    return out;
  }

  private static void collect(JsonNode n, int volume, List<BlockDevice> out) {
    String path = n.path("path").asText();
    String type = n.path("type").asText();
    out.add(
        new BlockDevice(
            path,
            volume,
            type.equals("part") ? partitionNumber(path) : 0,
            type,
            n.path("fstype").asText(""),
            n.path("uuid").asText(""),
            n.path("label").asText(""),
            n.path("pttype").asText("")));
    for (JsonNode c : n.path("children")) {
      collect(c, volume, out);
    }
  }

  /** The number at the end of a partition's name (loop0p2, nvme1n1p3, sda1). */
  static int partitionNumber(String path) {
    try {
      String sys =
          Files.readString(
              Path.of("/sys/class/block", Path.of(path).getFileName().toString(), "partition"));
      return Integer.parseInt(sys.strip());
    } catch (IOException | NumberFormatException e) {
      String digits = path.replaceAll("^.*?(\\d+)$", "$1");
      return digits.equals(path) ? 0 : Integer.parseInt(digits);
    }
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
