package io.liftshift.test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network link between two network namespaces that this fixture creates (a veth pair with
 * 10.213.0.1 on the agent's side and 10.213.0.2 on the replicator's), carrying port 1500's traffic
 * between an agent and a replicator that both listen and connect on 127.0.0.1 in this JVM:
 *
 * <pre>
 * agent -> 127.0.0.1:agentPort -> unix a.sock -> [ns A] socat -> TCP 10.213.0.1 => 10.213.0.2
 *   -> [ns R] socat -> unix r.sock -> 127.0.0.1:replicator
 * </pre>
 *
 * The middle hop is a kernel TCP connection across the veth, so faults set on it (nftables loss or
 * a drop-everything partition, a link taken down, a tbf rate) behave as on a real network: TCP
 * retransmits with its own backoff and the agent sees only delay or silence. Unix sockets cross
 * namespaces by path, which keeps the agent, replicator and control plane in this JVM on loopback
 * and touches no interface of the host.
 *
 * <p>This kernel has no {@code sch_netem}, so latency is added in this JVM's relay (a fixed delay
 * per direction on the agent's leg) rather than by {@code tc netem}; loss and partitions are the
 * kernel's own.
 */
final class NamespaceLink implements AutoCloseable {
  private static final String PREFIX = "lsft";
  private static final String AGENT_IP = "10.213.0.1";
  private static final String REPLICATOR_IP = "10.213.0.2";
  private static final int LINK_PORT = 1500;

  private final String nsAgent;
  private final String nsReplicator;
  private final String vethAgent;
  private final String vethReplicator;
  private final List<Process> socats = new ArrayList<>();
  private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
  private final ServerSocket agentSide;
  private final ServerSocketChannel replicatorSide;
  private final Path agentSock;
  private final int replicatorPort;
  private final Thread cleanupHook;
  private volatile long delayNanos;

  /** Connections the agent opened through the link. */
  final AtomicInteger connections = new AtomicInteger();

  /** Skips the calling test unless this runs as root with ip, tc, nft and socat. */
  static void assumeAvailable() {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "network namespaces need root; this test runs only as root");
    for (String tool : List.of("ip", "tc", "nft", "socat")) {
      assumeTrue(onPath(tool), tool + " is not installed (scripts/setup installs it)");
    }
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", tool))
        || Files.isExecutable(Path.of("/sbin", tool));
  }

  /** Creates the namespaces and the link to the replicator on 127.0.0.1:{@code replicatorPort}. */
  NamespaceLink(Path dir, int replicatorPort) throws Exception {
    assumeAvailable();
    removeStale();
    long pid = ProcessHandle.current().pid();
    this.nsAgent = PREFIX + "-" + pid + "-a";
    this.nsReplicator = PREFIX + "-" + pid + "-r";
    this.vethAgent = "lsa" + pid;
    this.vethReplicator = "lsr" + pid;
    this.replicatorPort = replicatorPort;
    // Delete the namespaces even if the test JVM is stopped mid-test.
    this.cleanupHook = new Thread(this::deleteNamespaces, "namespace-link-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanupHook);
    try {
      ip("netns", "add", nsAgent);
      ip("netns", "add", nsReplicator);
      ip("link", "add", vethAgent, "type", "veth", "peer", "name", vethReplicator);
      ip("link", "set", vethAgent, "netns", nsAgent);
      ip("link", "set", vethReplicator, "netns", nsReplicator);
      ip("-n", nsAgent, "addr", "add", AGENT_IP + "/30", "dev", vethAgent);
      ip("-n", nsReplicator, "addr", "add", REPLICATOR_IP + "/30", "dev", vethReplicator);
      ip("-n", nsAgent, "link", "set", vethAgent, "up");
      ip("-n", nsReplicator, "link", "set", vethReplicator, "up");
      ip("-n", nsAgent, "link", "set", "lo", "up");
      ip("-n", nsReplicator, "link", "set", "lo", "up");
      // An empty table in each namespace to hold the faults.
      nft(nsAgent, "add table inet fault");
      nft(nsReplicator, "add table inet fault");
      nft(
          nsAgent,
          "add chain inet fault out { type filter hook output priority 0; policy accept; }");
      nft(
          nsReplicator,
          "add chain inet fault out { type filter hook output priority 0; policy accept; }");

      Path sockets = Files.createDirectories(dir.resolve("link"));
      agentSock = sockets.resolve("a.sock");
      Path replicatorSock = sockets.resolve("r.sock");
      replicatorSide = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      replicatorSide.bind(UnixDomainSocketAddress.of(replicatorSock));
      socats.add(
          socat(
              nsReplicator,
              "TCP-LISTEN:" + LINK_PORT + ",bind=" + REPLICATOR_IP + ",reuseaddr,fork",
              "UNIX-CONNECT:" + replicatorSock));
      socats.add(
          socat(
              nsAgent,
              "UNIX-LISTEN:" + agentSock + ",fork",
              "TCP:" + REPLICATOR_IP + ":" + LINK_PORT));
      agentSide = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      daemon(this::acceptAgents, "namespace-link-agent-side");
      daemon(this::acceptReplicatorSide, "namespace-link-replicator-side");
      awaitPath(agentSock);
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  /** Where the agent connects: 127.0.0.1 in this JVM's namespace. */
  int agentPort() {
    return agentSide.getLocalPort();
  }

  /**
   * Adds {@code oneWayDelayMillis} in each direction (so twice that to the round trip) and drops
   * {@code lossPercent} of the packets leaving each end of the veth.
   */
  void impair(int oneWayDelayMillis, int lossPercent) throws Exception {
    delayNanos = TimeUnit.MILLISECONDS.toNanos(oneWayDelayMillis);
    setRule("numgen random mod 100 < " + lossPercent + " drop");
  }

  /** A partition: every packet on the link is dropped silently, as by a failed router. */
  void partition() throws Exception {
    setRule("ip daddr 10.213.0.0/30 drop");
  }

  /** The link's interface goes down on the agent's side (a flap is down, then up). */
  void linkDown() throws Exception {
    ip("-n", nsAgent, "link", "set", vethAgent, "down");
  }

  void linkUp() throws Exception {
    ip("-n", nsAgent, "link", "set", vethAgent, "up");
  }

  /** Limits both directions to {@code kbit} with a token bucket. */
  void rateLimit(int kbit) throws Exception {
    for (String[] end : new String[][] {{nsAgent, vethAgent}, {nsReplicator, vethReplicator}}) {
      run(
          "ip",
          "netns",
          "exec",
          end[0],
          "tc",
          "qdisc",
          "replace",
          "dev",
          end[1],
          "root",
          "tbf",
          "rate",
          kbit + "kbit",
          "burst",
          "32kbit",
          "latency",
          "400ms");
    }
  }

  /** Removes every fault: no delay, no loss, no partition, no rate limit, link up. */
  void heal() throws Exception {
    delayNanos = 0;
    nft(nsAgent, "flush chain inet fault out");
    nft(nsReplicator, "flush chain inet fault out");
    linkUp();
    for (String[] end : new String[][] {{nsAgent, vethAgent}, {nsReplicator, vethReplicator}}) {
      new ProcessBuilder("ip", "netns", "exec", end[0], "tc", "qdisc", "del", "dev", end[1], "root")
          .redirectErrorStream(true)
          .start()
          .waitFor(); // fails harmlessly when no qdisc was set
    }
  }

  private void setRule(String rule) throws Exception {
    for (String ns : List.of(nsAgent, nsReplicator)) {
      nft(ns, "flush chain inet fault out");
      nft(ns, "add rule inet fault out " + rule);
    }
  }

  private void acceptAgents() {
    while (!agentSide.isClosed()) {
      try {
        Socket agent = agentSide.accept();
        SocketChannel toNamespace = SocketChannel.open(UnixDomainSocketAddress.of(agentSock));
        connections.incrementAndGet();
        open.add(agent);
        open.add(toNamespace);
        relay(agent.getInputStream(), out(toNamespace), true, agent, toNamespace);
        relay(in(toNamespace), agent.getOutputStream(), true, agent, toNamespace);
      } catch (IOException e) {
        // closed
      }
    }
  }

  private void acceptReplicatorSide() {
    while (replicatorSide.isOpen()) {
      try {
        SocketChannel fromNamespace = replicatorSide.accept();
        Socket replicator = new Socket(InetAddress.getLoopbackAddress(), replicatorPort);
        open.add(fromNamespace);
        open.add(replicator);
        relay(in(fromNamespace), replicator.getOutputStream(), false, fromNamespace, replicator);
        relay(replicator.getInputStream(), out(fromNamespace), false, fromNamespace, replicator);
      } catch (IOException e) {
        // closed
      }
    }
  }

  /**
   * Copies one direction. With {@code delayed}, every chunk waits until the link's delay has passed
   * since it was read, keeping order: a fixed one-way latency.
   */
  private void relay(
      InputStream in, OutputStream out, boolean delayed, AutoCloseable a, AutoCloseable b) {
    LinkedBlockingQueue<Object[]> queue = new LinkedBlockingQueue<>();
    Object end = new Object();
    daemon(
        () -> {
          byte[] buf = new byte[64 << 10];
          try {
            int n;
            while ((n = in.read(buf)) > 0) {
              byte[] chunk = java.util.Arrays.copyOf(buf, n);
              queue.put(new Object[] {System.nanoTime() + (delayed ? delayNanos : 0), chunk});
            }
          } catch (IOException | InterruptedException e) {
            // closed by either side
          } finally {
            queue.add(new Object[] {0L, end});
          }
        },
        "namespace-link-read");
    daemon(
        () -> {
          try {
            while (true) {
              Object[] item = queue.take();
              if (item[1] == end) {
                break;
              }
              long wait = (long) item[0] - System.nanoTime();
              if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
              }
              out.write((byte[]) item[1]);
              out.flush();
            }
          } catch (IOException | InterruptedException e) {
            // closed by either side
          } finally {
            closeQuietly(a);
            closeQuietly(b);
          }
        },
        "namespace-link-write");
  }

  /**
   * Streams over a unix socket channel. Not {@code Channels.newInputStream}: its blocked read holds
   * the channel's blocking lock, which the other direction's write then waits for.
   */
  private static InputStream in(SocketChannel ch) {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return ch.read(ByteBuffer.wrap(b, off, len));
      }
    };
  }

  private static OutputStream out(SocketChannel ch) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      }
    };
  }

  private static void daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // already closed
    }
  }

  private static void awaitPath(Path p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.exists(p)) {
      if (System.nanoTime() > deadline) {
        throw new IOException("socat did not create " + p);
      }
      Thread.sleep(20);
    }
  }

  private static Process socat(String ns, String listen, String connect) throws IOException {
    return new ProcessBuilder("ip", "netns", "exec", ns, "socat", listen, connect)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  private static void nft(String ns, String command) throws Exception {
    run("ip", "netns", "exec", ns, "nft", command);
  }

  private static void ip(String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "ip";
    System.arraycopy(args, 0, cmd, 1, args.length);
    run(cmd);
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out.trim());
    }
    return out;
  }

  /** Namespaces left by a test JVM that was killed: their creator's pid is gone. */
  private static void removeStale() throws Exception {
    for (String line : run("ip", "netns", "list").split("\n")) {
      String name = line.split(" ")[0];
      String[] parts = name.split("-");
      if (parts.length == 3 && parts[0].equals(PREFIX)) {
        boolean alive =
            ProcessHandle.of(Long.parseLong(parts[1])).map(ProcessHandle::isAlive).orElse(false);
        if (!alive) {
          new ProcessBuilder("ip", "netns", "del", name).start().waitFor();
        }
      }
    }
  }

  private void deleteNamespaces() {
    for (Process p : socats) {
      // socat forks a child per connection: end those first, by their ids.
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    // A veth still in this namespace (set-up failed half way) would outlive the namespaces.
    if (Files.exists(Path.of("/sys/class/net", vethAgent))) {
      try {
        new ProcessBuilder("ip", "link", "del", vethAgent).start().waitFor(10, TimeUnit.SECONDS);
      } catch (IOException | InterruptedException e) {
        // best effort
      }
    }
    for (String ns : List.of(nsAgent, nsReplicator)) {
      try {
        new ProcessBuilder("ip", "netns", "del", ns)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start()
            .waitFor(10, TimeUnit.SECONDS);
      } catch (IOException | InterruptedException e) {
        // best effort: removeStale deletes it on the next run
      }
    }
  }

  @Override
  public void close() {
    if (agentSide != null) {
      closeQuietly(agentSide);
    }
    if (replicatorSide != null) {
      closeQuietly(replicatorSide);
    }
    for (AutoCloseable c : open) {
      closeQuietly(c);
    }
    deleteNamespaces();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs anyway
    }
  }
}
