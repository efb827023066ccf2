package io.liftshift.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a daemon in another process costs, read from outside as an operator would: resident memory
 * and open descriptors from /proc, and native memory (direct buffers included) from the JVM's own
 * native memory tracking through {@code jcmd} when the process was started with {@code
 * -XX:NativeMemoryTracking=summary}.
 */
final class ProcessMemory {
  /** JDK 17 files direct ByteBuffers and Netty's Unsafe allocations under "Other". */
  private static final Pattern OTHER =
      Pattern.compile("-\\s+Other \\(reserved=\\d+KB, committed=(\\d+)KB");

  private final long pid;

  ProcessMemory(long pid) {
    this.pid = pid;
  }

  long rssBytes() throws IOException {
    return statusKb("VmRSS:") << 10;
  }

  /** The kernel's high-water mark of the resident set since the process started. */
  long peakRssBytes() throws IOException {
    return statusKb("VmHWM:") << 10;
  }

  long openFiles() throws IOException {
    try (var s = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      return s.count();
    }
  }

  /**
   * Native memory the JVM filed as "Other" (direct buffers, Netty's pooled arenas), or -1 when
   * native memory tracking is off or jcmd is missing.
   */
  long directBytes() {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      return -1;
    }
    try {
      String out =
          SystemTools.run(
              List.of(jcmd.toString(), String.valueOf(pid), "VM.native_memory", "summary"), 30);
      Matcher m = OTHER.matcher(out);
      return m.find() ? Long.parseLong(m.group(1)) << 10 : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  private long statusKb(String key) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (l.startsWith(key)) {
        return Long.parseLong(l.replaceAll("\\D", ""));
      }
    }
    return -1;
  }
}
