package io.liftshift.agent.tracking;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real-time change tracking without a kernel module: the kernel's block-layer tracepoints, read
 * from an own tracefs instance, filtered in the kernel to the tracked devices. {@code
 * block_bio_queue} reports a write as it is submitted (low lag), {@code block_rq_complete} and
 * {@code block_bio_complete} when its data is on the device (so a block read before a write
 * completes is always marked again), and {@code block_bio_remap} covers partitions and
 * device-mapper/LVM stacks.
 *
 * <p>The instance outlives the agent process on purpose: after a crash or a restart the kernel has
 * kept buffering events, and the next agent reads them. Lost events (the ring buffer's overrun and
 * dropped counters) are never ignored: the loss listener is told, and a scan repairs it.
 */
public final class TracefsChangeTracker implements ChangeTracker {
  private static final Logger LOG = Logger.getLogger(TracefsChangeTracker.class.getName());

  public static final Path DEFAULT_TRACEFS = Path.of("/sys/kernel/tracing");

  /** Per-CPU ring buffer: about 80 000 events, minutes of a busy server's writes. */
  public static final int DEFAULT_BUFFER_KB = 8192;

  private static final Pattern EVENT =
      Pattern.compile(
          "(block_bio_queue|block_rq_complete|block_bio_complete|block_bio_remap): (\\d+),(\\d+)"
              + " (\\S+) (?:\\(\\) )?(\\d+) \\+ (\\d+)(?:.*<- \\((\\d+),(\\d+)\\) (\\d+))?");

  /** A tracked device: where its writes show up and how to translate them to its own offsets. */
  private record Watched(
      ChangeMap map, Path device, int dev, int parentDev, long startSector, long sectors) {}

  private final Path tracefs;
  private final Path instance;
  private final int bufferKb;
  private final List<Watched> watched;
  private final LossListener onLoss;
  private final Object commitLock;
  private final Object markers = new Object();
  private long markerSent;
  private long markerSeen;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Object suspend = new Object();
  private volatile boolean suspended;
  private volatile FileChannel pipe;
  private Thread reader;
  private Thread watchdog;
  private long lostBaseline;
  private volatile long eventsRead;
  private volatile boolean partialAtClose;

  /**
   * @param instanceName the tracefs instance, stable across agent restarts (so buffered events are
   *     found again)
   * @param bufferKb per-CPU ring buffer size
   */
  public TracefsChangeTracker(
      Path tracefs,
      String instanceName,
      int bufferKb,
      Map<ChangeMap, Path> devices,
      LossListener onLoss,
      Object commitLock)
      throws IOException {
    this.commitLock = commitLock;
    this.tracefs = tracefs;
    this.instance = tracefs.resolve("instances").resolve(instanceName);
    this.bufferKb = bufferKb;
    this.onLoss = onLoss;
    List<Watched> w = new ArrayList<>();
    for (Map.Entry<ChangeMap, Path> e : devices.entrySet()) {
      w.add(watch(e.getKey(), e.getValue()));
    }
    this.watched = List.copyOf(w);
  }

  @Override
  public String kind() {
    return "tracefs";
  }

  /** Why this tracker cannot follow {@code device}, or empty when it can. */
  public static Optional<String> unavailable(Path tracefs, Path device) {
    try {
      if (!DiskReader.isBlockDevice(device.toRealPath())) {
        return Optional.of(device + " is not a block device");
      }
    } catch (IOException e) {
      return Optional.of(device + ": " + e.getMessage());
    }
    if (!Files.isDirectory(tracefs.resolve("instances"))) {
      mountTracefs(tracefs);
    }
    if (!Files.isDirectory(tracefs.resolve("events/block/block_bio_queue"))) {
      return Optional.of(
          "tracefs with block tracepoints is not available at "
              + tracefs
              + " (mount it: mount -t tracefs nodev "
              + tracefs
              + ")");
    }
    if (!Files.isWritable(tracefs.resolve("instances"))) {
      return Optional.of("tracefs instances cannot be created (the agent must run as root)");
    }
    return Optional.empty();
  }

  private static void mountTracefs(Path tracefs) {
    try {
      Process p =
          new ProcessBuilder("mount", "-t", "tracefs", "nodev", tracefs.toString())
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      p.waitFor();
    } catch (IOException e) {
      LOG.fine("cannot mount tracefs: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Watched watch(ChangeMap map, Path device) throws IOException {
    String name = device.toRealPath().getFileName().toString();
    Path sys = Path.of("/sys/class/block", name);
    int dev = kernelDev(Files.readString(sys.resolve("dev")).trim());
    long sectors = Long.parseLong(Files.readString(sys.resolve("size")).trim());
    if (Files.exists(sys.resolve("partition"))) {
      Path parent = sys.toRealPath().getParent();
      int parentDev = kernelDev(Files.readString(parent.resolve("dev")).trim());
      long start = Long.parseLong(Files.readString(sys.resolve("start")).trim());
      return new Watched(map, device, dev, parentDev, start, sectors);
    }
    return new Watched(map, device, dev, dev, 0, sectors);
  }

  /** "major:minor" to the kernel's internal dev_t, as tracepoints report it. */
  static int kernelDev(String majorMinor) {
    String[] p = majorMinor.split(":");
    return (Integer.parseInt(p[0]) << 20) | Integer.parseInt(p[1]);
  }

  private void write(String file, String value) throws IOException {
    Files.writeString(instance.resolve(file), value + "\n", StandardCharsets.US_ASCII);
  }

  @Override
  public void start() throws IOException {
    Optional<String> why = unavailable(tracefs, watched.get(0).device());
    if (why.isPresent()) {
      throw new IOException("real-time change tracking unavailable: " + why.get());
    }
    boolean resumed = Files.isDirectory(instance);
    if (!resumed) {
      Files.createDirectory(instance);
      write("tracing_on", "0");
      write("buffer_size_kb", Integer.toString(bufferKb));
    }
    // A resumed instance is never switched off or resized: the events it kept buffering while no
    // agent ran, and those arriving now, must all stay.
    StringBuilder devs = new StringBuilder();
    StringBuilder completeDevs = new StringBuilder();
    StringBuilder remapDevs = new StringBuilder();
    for (Watched w : watched) {
      or(devs, "dev == " + w.dev());
      or(completeDevs, "dev == " + w.parentDev());
      or(remapDevs, "old_dev == " + w.dev());
    }
    String writes = "(rwbs ~ \"*W*\" || rwbs ~ \"*D*\")";
    enable("block_bio_queue", "(" + devs + ") && " + writes);
    enable("block_bio_complete", "(" + devs + ") && " + writes);
    enable("block_rq_complete", "(" + completeDevs + ") && " + writes);
    enable("block_bio_remap", "(" + remapDevs + ") && " + writes);
    write("tracing_on", "1");
    long lost = lostEvents();
    if (lost > 0) {
      // Lost while no agent was reading (a long outage): repaired by a scan, then counted anew.
      onLoss.onLoss(
          "the kernel trace buffer overflowed while the agent was not running ("
              + lost
              + " events lost)");
    }
    lostBaseline = lost;
    if (resumed) {
      LOG.info("resuming tracefs instance " + instance + ": events buffered meanwhile are read");
    }
    pipe = FileChannel.open(instance.resolve("trace_pipe"), StandardOpenOption.READ);
    reader = new Thread(this::readLoop, "tracefs-reader");
    reader.setDaemon(true);
    reader.start();
    watchdog = new Thread(this::watchLoop, "tracefs-loss-watch");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  private static void or(StringBuilder b, String term) {
    if (b.length() > 0) {
      b.append(" || ");
    }
    b.append(term);
  }

  private void enable(String event, String filter) throws IOException {
    Path e = instance.resolve("events/block").resolve(event);
    if (!Files.isDirectory(e)) {
      return; // older kernels lack some events; queue + remap alone still track every write
    }
    Files.writeString(e.resolve("filter"), filter + "\n", StandardCharsets.US_ASCII);
    Files.writeString(e.resolve("enable"), "1\n", StandardCharsets.US_ASCII);
  }

  /** Overrun plus dropped events over every CPU's buffer since the instance was created. */
  long lostEvents() throws IOException {
    long lost = 0;
    try (var cpus = Files.list(instance.resolve("per_cpu"))) {
      for (Path cpu : cpus.toList()) {
        for (String line : Files.readAllLines(cpu.resolve("stats"))) {
          if (line.startsWith("overrun:") || line.startsWith("dropped events:")) {
            lost += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
          }
        }
      }
    }
    return lost;
  }

  private void watchLoop() {
    while (!stop.get()) {
      try {
        Thread.sleep(250);
        long lost = lostEvents();
        if (lost > lostBaseline) {
          long n = lost - lostBaseline;
          lostBaseline = lost;
          onLoss.onLoss(
              "the kernel trace buffer overflowed ("
                  + n
                  + " block events lost; buffer "
                  + bufferKb
                  + " KiB per CPU)");
        }
      } catch (InterruptedException e) {
        return;
      } catch (IOException | RuntimeException e) {
        if (!stop.get()) {
          onLoss.onLoss("the trace buffer's counters cannot be read: " + e.getMessage());
        }
      }
    }
  }

  /**
   * Holds reading off (events stay in the kernel buffer, which may overflow): for tests and
   * benchmarks that simulate a slow reader.
   */
  public void suspendReading(boolean value) {
    synchronized (suspend) {
      suspended = value;
      suspend.notifyAll();
    }
  }

  /**
   * True when the tracker stopped with half an event read from the kernel: that event is lost, so
   * the state must not be saved as clean.
   */
  public boolean lostEventsAtClose() {
    return partialAtClose;
  }

  /** Events read since start. */
  public long eventsRead() {
    return eventsRead;
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(64 << 10);
    StringBuilder partial = new StringBuilder();
    Map<ChangeMap, long[]> marks = new HashMap<>();
    Map<ChangeMap, Integer> counts = new HashMap<>();
    try {
      while (!stop.get()) {
        synchronized (suspend) {
          while (suspended && !stop.get()) {
            suspend.wait(100);
          }
        }
        buf.clear();
        int n = pipe.read(buf);
        if (n < 0) {
          return;
        }
        partial.append(new String(buf.array(), 0, n, StandardCharsets.US_ASCII));
        int end = partial.lastIndexOf("\n");
        if (end < 0) {
          continue;
        }
        marks.clear();
        counts.clear();
        int from = 0;
        while (from <= end) {
          int nl = partial.indexOf("\n", from);
          parse(partial.substring(from, nl), marks, counts);
          from = nl + 1;
        }
        partial.delete(0, end + 1);
        // One read's events are applied together: a consistent take sees a prefix of the stream.
        synchronized (commitLock) {
          for (Map.Entry<ChangeMap, long[]> e : marks.entrySet()) {
            e.getKey().markRanges(e.getValue(), counts.get(e.getKey()));
          }
        }
      }
    } catch (ClosedChannelException e) {
      // closed by close(); half an event read from the kernel is gone with it
      partialAtClose = partial.length() > 0;
    } catch (IOException e) {
      if (!stop.get()) {
        onLoss.onLoss("reading the trace pipe failed: " + e.getMessage());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final String MARKER = "liftshift-sync-";

  /**
   * Waits until every block event that happened before this call has been read and marked: a marker
   * is written into the trace buffer and waited for. False on timeout.
   */
  public boolean awaitCaughtUp(long timeoutMillis) throws IOException, InterruptedException {
    long n;
    synchronized (markers) {
      n = ++markerSent;
    }
    Files.writeString(instance.resolve("trace_marker"), MARKER + n + "\n");
    long deadline = System.currentTimeMillis() + timeoutMillis;
    synchronized (markers) {
      while (markerSeen < n) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0 || stop.get()) {
          return false;
        }
        markers.wait(left);
      }
    }
    return true;
  }

  private void parse(String line, Map<ChangeMap, long[]> marks, Map<ChangeMap, Integer> counts) {
    int mk = line.indexOf(MARKER);
    if (mk >= 0 && line.contains("tracing_mark_write")) {
      try {
        long n = Long.parseLong(line.substring(mk + MARKER.length()).trim());
        // Marks read with the marker must be applied before anyone is told.
        synchronized (commitLock) {
          for (Map.Entry<ChangeMap, long[]> e : marks.entrySet()) {
            e.getKey().markRanges(e.getValue(), counts.get(e.getKey()));
          }
          marks.clear();
          counts.clear();
        }
        synchronized (markers) {
          markerSeen = Math.max(markerSeen, n);
          markers.notifyAll();
        }
      } catch (NumberFormatException e) {
        // someone else's marker
      }
      return;
    }
    Matcher m = EVENT.matcher(line);
    if (!m.find()) {
      return;
    }
    eventsRead++;
    String rwbs = m.group(4);
    if (rwbs.indexOf('W') < 0 && rwbs.indexOf('D') < 0) {
      return;
    }
    long nr = Long.parseLong(m.group(6));
    if (nr == 0) {
      return; // a pure flush
    }
    int dev = (Integer.parseInt(m.group(2)) << 20) | Integer.parseInt(m.group(3));
    long sector = Long.parseUnsignedLong(m.group(5));
    boolean remap = m.group(1).equals("block_bio_remap");
    for (Watched w : watched) {
      long rel;
      if (remap) {
        int oldDev = (Integer.parseInt(m.group(7)) << 20) | Integer.parseInt(m.group(8));
        if (oldDev != w.dev()) {
          continue;
        }
        rel = Long.parseUnsignedLong(m.group(9));
      } else if (dev == w.dev()) {
        rel = sector;
      } else if (dev == w.parentDev()) {
        rel = sector - w.startSector();
      } else {
        continue;
      }
      if (rel + nr <= 0 || rel >= w.sectors()) {
        continue;
      }
      long[] a = marks.computeIfAbsent(w.map(), k -> new long[256]);
      int c = counts.getOrDefault(w.map(), 0);
      if (2 * c + 2 > a.length) {
        a = java.util.Arrays.copyOf(a, a.length * 2);
        marks.put(w.map(), a);
      }
      a[2 * c] = Math.max(0, rel) * 512;
      a[2 * c + 1] = nr * 512;
      counts.put(w.map(), c + 1);
    }
  }

  /**
   * Stops reading. The instance keeps buffering, so a restarted agent misses nothing; {@link
   * #remove} deletes it when the server leaves replication.
   */
  @Override
  public void close() {
    stop.set(true);
    suspendReading(false);
    try {
      if (pipe != null) {
        pipe.close();
      }
    } catch (IOException e) {
      LOG.fine("closing trace pipe: " + e);
    }
    for (Thread t : new Thread[] {reader, watchdog}) {
      if (t != null) {
        t.interrupt();
        try {
          t.join(5000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** Disables the events and deletes the instance: tracking ends for good. */
  public void remove() {
    close();
    try {
      if (Files.isDirectory(instance)) {
        Files.writeString(instance.resolve("tracing_on"), "0\n");
        Files.writeString(instance.resolve("events/enable"), "0\n");
        Files.delete(instance);
      }
    } catch (IOException e) {
      LOG.warning("cannot remove tracefs instance " + instance + ": " + e.getMessage());
    }
  }
}
