package io.liftshift.test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs commands inside a running guest through its qemu-guest-agent (QGA), over the virtio-serial
 * port that qemu exposes on the host as a UNIX socket: {@code guest-exec} then {@code
 * guest-exec-status}, as an operator's hypervisor tooling would. One command at a time.
 */
final class GuestAgentClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a command printed and how it ended. */
  record Result(int exitCode, String out, String err) {
    Result orThrow(String what) throws IOException {
      if (exitCode != 0) {
        throw new IOException(what + " failed (exit " + exitCode + "): " + err + out);
      }
      return this;
    }
  }

  private final SocketChannel channel;
  private final BufferedReader in;

  private GuestAgentClient(SocketChannel channel) {
    this.channel = channel;
    this.in =
        new BufferedReader(
            new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
  }

  /**
   * Connects and synchronizes with the guest agent, retrying until {@code timeoutMillis}: the guest
   * agent starts late in the boot, and until then the port swallows what is written.
   */
  static GuestAgentClient connect(Path socket, long timeoutMillis) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    Exception last = null;
    while (System.currentTimeMillis() < deadline) {
      SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        ch.connect(UnixDomainSocketAddress.of(socket));
        GuestAgentClient c = new GuestAgentClient(ch);
        if (c.sync(5_000)) {
          return c;
        }
        ch.close();
      } catch (IOException e) {
        last = e;
        ch.close();
      }
      Thread.sleep(1000);
    }
    throw new IOException("the guest agent did not answer on " + socket + " in time", last);
  }

  /**
   * guest-sync-delimited: the answer is preceded by 0xFF, so whatever stale bytes an earlier
   * connection left in the port are skipped up to it.
   */
  private boolean sync(long timeoutMillis) throws Exception {
    long id = ThreadLocalRandom.current().nextLong(1, Integer.MAX_VALUE);
    ObjectNode req = JSON.createObjectNode().put("execute", "guest-sync-delimited");
    req.putObject("arguments").put("id", id);
    ByteBuffer out = ByteBuffer.wrap(new byte[] {(byte) 0xFF});
    channel.write(out);
    send(req);
    long deadline = System.currentTimeMillis() + timeoutMillis;
    Thread reader = Thread.currentThread();
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(Math.max(1, deadline - System.currentTimeMillis()));
                reader.interrupt();
              } catch (InterruptedException e) {
                // answered in time
              }
            });
    watchdog.setDaemon(true);
    watchdog.start();
    try {
      String line;
      while ((line = in.readLine()) != null) {
        // The 0xFF delimiter (not UTF-8) decodes to U+FFFD: what counts starts at the object.
        int brace = line.indexOf('{');
        if (brace < 0) {
          continue;
        }
        String json = line.substring(brace);
        JsonNode a = JSON.readTree(json);
        if (a.path("return").asLong() == id) {
          return true;
        }
      }
      return false;
    } catch (java.nio.channels.ClosedByInterruptException e) {
      Thread.interrupted();
      return false;
    } finally {
      watchdog.interrupt();
      watchdog.join();
      Thread.interrupted();
    }
  }

  private void send(ObjectNode req) throws IOException {
    byte[] b = (JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.wrap(b);
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
  }

  private synchronized JsonNode call(ObjectNode req) throws IOException {
    send(req);
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank() || !line.strip().startsWith("{")) {
        continue;
      }
      JsonNode a = JSON.readTree(line);
      if (a.has("error")) {
        throw new IOException(
            req.path("execute").asText() + ": " + a.path("error").path("desc").asText());
      }
      if (a.has("return")) {
        return a.path("return");
      }
    }
    throw new IOException("the guest agent closed the connection");
  }

  /** Runs {@code sh -c script} as root in the guest and waits for it. */
  Result sh(String script, long timeoutMillis) throws Exception {
    return exec(List.of("/bin/sh", "-c", script), timeoutMillis);
  }

  Result exec(List<String> argv, long timeoutMillis) throws Exception {
    ObjectNode req = JSON.createObjectNode().put("execute", "guest-exec");
    ObjectNode args = req.putObject("arguments");
    args.put("path", argv.get(0)).put("capture-output", true);
    var a = args.putArray("arg");
    argv.subList(1, argv.size()).forEach(a::add);
    long pid = call(req).path("pid").asLong();
    long deadline = System.currentTimeMillis() + timeoutMillis;
    long pause = 50;
    while (true) {
      ObjectNode st = JSON.createObjectNode().put("execute", "guest-exec-status");
      st.putObject("arguments").put("pid", pid);
      JsonNode s = call(st);
      if (s.path("exited").asBoolean()) {
        return new Result(
            s.has("exitcode") ? s.path("exitcode").asInt() : 128 + s.path("signal").asInt(),
            decode(s.path("out-data").asText("")),
            decode(s.path("err-data").asText("")));
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IOException(
            "guest command did not end in " + timeoutMillis + " ms: " + String.join(" ", argv));
      }
      Thread.sleep(pause);
      pause = Math.min(500, pause * 2);
    }
  }

  private static String decode(String b64) {
    return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
