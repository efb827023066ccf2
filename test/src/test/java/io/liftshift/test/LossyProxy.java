package io.liftshift.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay between an agent and a replicator that can lose what the agent sends: once armed, it
 * forwards a given number of bytes more, then swallows the rest and cuts both sides, as a network
 * that drops a connection with data still in flight. The agent has written those bytes and counts
 * them sent; the replicator never sees them, so neither writes nor acknowledges them.
 */
final class LossyProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  /** Bytes still to forward before the cut; negative when not armed. */
  private final AtomicLong forwardBeforeCut = new AtomicLong(-1);

  /** Bytes the agent wrote that the replicator never received. */
  final AtomicLong bytesLost = new AtomicLong();

  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger cuts = new AtomicInteger();

  LossyProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "lossy-proxy");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** The current connection forwards {@code bytes} more from the agent, then loses the rest. */
  void cutAfter(long bytes) {
    forwardBeforeCut.set(bytes);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket agent = server.accept();
        Socket replicator = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        connections.incrementAndGet();
        open.add(agent);
        open.add(replicator);
        pump(agent, replicator, true);
        pump(replicator, agent, false);
      } catch (IOException e) {
        // closed
      }
    }
  }

  private void pump(Socket from, Socket to, boolean lossy) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[64 << 10];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                  long budget = lossy ? forwardBeforeCut.get() : -1;
                  if (budget >= 0 && n > budget) {
                    out.write(buf, 0, (int) budget);
                    out.flush();
                    bytesLost.addAndGet(n - budget);
                    forwardBeforeCut.set(-1);
                    cuts.incrementAndGet();
                    // Reset, not FIN: the replicator must not mistake the cut for a goodbye.
                    from.setSoLinger(true, 0);
                    to.setSoLinger(true, 0);
                    from.close();
                    to.close();
                    return;
                  }
                  if (budget >= 0) {
                    forwardBeforeCut.addAndGet(-n);
                  }
                  out.write(buf, 0, n);
                }
              } catch (IOException e) {
                // the other side closed, or the cut
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "lossy-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      closeQuietly(s);
    }
  }
}
