package io.liftshift.test;

import io.liftshift.protocol.ErrorCode;
import io.liftshift.protocol.Features;
import io.liftshift.protocol.Frame;
import io.liftshift.protocol.FrameDecoder;
import io.liftshift.protocol.Message;
import io.liftshift.protocol.Opcode;
import io.liftshift.protocol.ProtocolException;
import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.TlsPolicy;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import javax.net.ssl.SSLSocket;

/** A hand-driven protocol client: sends whatever bytes a test wants and reads what comes back. */
final class RawSession implements AutoCloseable {
  final SSLSocket socket;
  private final FrameDecoder decoder = new FrameDecoder();

  RawSession(int port, CaFingerprint ca) throws IOException {
    socket = TlsPolicy.connect("127.0.0.1", port, ca, TlsPolicy.DEFAULT_CIPHER_SUITE, 5000);
    socket.setSoTimeout(15_000);
  }

  synchronized RawSession send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  RawSession send(Message m) throws IOException {
    return send(m.toFrame());
  }

  /** PINGs every 300 ms from a daemon thread, as a live agent does when idle. */
  RawSession keepAlive() {
    Thread t =
        new Thread(
            () -> {
              long n = 0;
              while (!socket.isClosed()) {
                try {
                  Thread.sleep(300);
                  synchronized (this) {
                    send(new Message.Ping(++n));
                  }
                } catch (InterruptedException | IOException e) {
                  return;
                }
              }
            });
    t.setDaemon(true);
    t.start();
    return this;
  }

  Message receive() throws IOException, ProtocolException {
    Frame f = decoder.read(socket.getInputStream());
    return Message.decode(f);
  }

  /** HELLO with the right token; returns the WELCOME. */
  Message.Welcome hello(String token) throws Exception {
    send(new Message.Hello(1, 1, Features.SUPPORTED, token, "s-raw", "raw-test"));
    return (Message.Welcome) receive();
  }

  Message.DiskReady open(int diskId, long size, String key) throws Exception {
    send(new Message.DiskOpen(diskId, size, key));
    return (Message.DiskReady) receive();
  }

  /** Reads until the replicator's ERROR frame; returns it. */
  Message.Error expectError() throws Exception {
    while (true) {
      Message m = receive();
      if (m instanceof Message.Error e) {
        return e;
      }
    }
  }

  /** True when the replicator has closed the connection. */
  boolean closedByPeer() throws IOException {
    try {
      decoder.read(socket.getInputStream());
      return false;
    } catch (EOFException | SocketException e) {
      return true;
    } catch (ProtocolException e) {
      return false;
    }
  }

  static boolean isError(Message m, ErrorCode code) {
    return m instanceof Message.Error e && e.code() == code;
  }

  static boolean is(Frame f, Opcode op) {
    return f.opcode() == op;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
