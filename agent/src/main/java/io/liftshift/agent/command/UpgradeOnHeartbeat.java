package io.liftshift.agent.command;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Upgrades the installed agent when a heartbeat's answer names another agent version than this one:
 * the control plane's version is authoritative, so newer or older (a rollback) is installed. The
 * work is the setup script's ({@link Installation#upgrade}), the installer's own path: fetch the
 * version and SHA-256 from the pinned control plane, the bundle from where it was installed from
 * (control plane or S3), verify, unpack beside the running release, switch atomically and restart
 * the service. The change state lives in the state directory, outside the release, so the restarted
 * agent resumes without a resync.
 *
 * <p>Heartbeats come every few seconds: the upgrade runs on a thread of its own, one at a time,
 * once per offered version, and not again for an hour after it failed.
 */
final class UpgradeOnHeartbeat implements Consumer<String> {
  private static final Logger LOG = Logger.getLogger(UpgradeOnHeartbeat.class.getName());

  /** After a failed upgrade, wait this long before trying again. */
  static final long RETRY_AFTER_FAILURE_MILLIS = 3_600_000L;

  private final String running;
  private final AtomicBoolean busy = new AtomicBoolean();
  private volatile String installed = "";
  private volatile long failedAtMillis = -RETRY_AFTER_FAILURE_MILLIS;

  UpgradeOnHeartbeat(String running) {
    this.running = running;
  }

  @Override
  public void accept(String offered) {
    if (offered.isBlank() || offered.equals(running) || offered.equals(installed)) {
      return;
    }
    if (System.currentTimeMillis() - failedAtMillis < RETRY_AFTER_FAILURE_MILLIS) {
      return;
    }
    if (!busy.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(() -> upgrade(offered), "agent-upgrade");
    t.setDaemon(true);
    t.start();
  }

  private void upgrade(String offered) {
    try {
      LOG.info(
          "the control plane serves agent " + offered + " (this is " + running + "): upgrading");
      if (Installation.upgrade()) {
        // Under systemd the service restarts into it; elsewhere this process keeps running the
        // old release, and must not install the new one again at every heartbeat.
        installed = offered;
      }
    } catch (IOException e) {
      failedAtMillis = System.currentTimeMillis();
      LOG.warning("upgrade to " + offered + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      busy.set(false);
    }
  }
}
