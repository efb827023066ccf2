package io.liftshift.cli;

import java.util.concurrent.CountDownLatch;

/** Runs a server until SIGTERM/SIGINT, closing it cleanly, after announcing it is ready. */
final class Daemon {
  private Daemon() {}

  /**
   * Prints {@code readyLine} (scripts wait for its {@code READY} prefix), then blocks until the JVM
   * is asked to stop and {@code server} has closed.
   */
  static void runUntilStopped(String role, AutoCloseable server, String readyLine)
      throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.close();
                  } catch (Exception e) {
                    System.err.println("liftshift " + role + ": shutdown: " + e.getMessage());
                  }
                  stopped.countDown();
                }));
    System.out.println(readyLine);
    System.out.flush();
    stopped.await();
  }
}
