package io.liftshift.test;

import io.liftshift.agent.Agent;
import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.ControlPlaneLink;
import io.liftshift.agent.HeartbeatReporter;
import io.liftshift.agent.ReplicationControl;
import io.liftshift.agent.SyncListener;
import io.liftshift.agent.SyncReport;
import io.liftshift.controlplane.ControlPlane;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A source server's agent as the end-to-end tests run it: registered with the control plane by an
 * install token, told its replication server through the control plane, then replicating one disk
 * continuously (scanning tracker, no verification pass) on a daemon thread, reporting through
 * heartbeats. Closing it (once or more) stops the agent and its heartbeats.
 */
final class ReplicatingAgent implements AutoCloseable {
  private final ControlPlaneLink.Instructions where;
  private final String sourceServerId;
  private final Agent agent;
  private final HeartbeatReporter reporter;
  private final CompletableFuture<SyncReport> run = new CompletableFuture<>();
  private final Thread thread;
  private boolean closed;

  /** Registers {@code disk} by a fresh install token; the agent's identity is kept in stateDir. */
  static ControlPlaneLink register(ControlPlane cp, Path disk, Path stateDir) throws Exception {
    return ControlPlaneLink.install(
        "https://localhost:" + cp.port(),
        cp.createInstallToken(),
        cp.caFingerprint(),
        List.of(disk),
        stateDir);
  }

  /**
   * Waits for the control plane to name a replication server, then starts replicating. {@code
   * tuning} adjusts the options (scan interval, read budget) after the defaults are set.
   */
  ReplicatingAgent(
      ControlPlaneLink link,
      Path disk,
      Path stateDir,
      SyncListener listener,
      Consumer<AgentOptions> tuning)
      throws Exception {
    where = link.awaitReplicationServer(20_000, 200);
    sourceServerId = link.identity().sourceServerId();
    ReplicationControl control = new ReplicationControl();
    control.apply(where);
    AgentOptions options =
        new AgentOptions()
            .replicator(where.replicationServerHost(), where.replicationServerPort())
            .token(link.identity().agentToken())
            .caFingerprint(link.identity().ca())
            .sourceServerId(sourceServerId)
            .addDisk(disk)
            .stateDir(stateDir)
            .continuous(true)
            .tracker(AgentOptions.TrackerMode.SCANNING)
            .verify(false);
    tuning.accept(options);
    reporter = new HeartbeatReporter(link, listener, 500, control);
    agent = new Agent(options, reporter, control);
    thread =
        new Thread(
            () -> {
              try {
                run.complete(agent.run());
              } catch (Throwable e) {
                run.completeExceptionally(e);
              }
            },
            "replicating-agent-" + sourceServerId);
    thread.setDaemon(true);
    thread.start();
  }

  /** What the control plane told the agent: its replication server and settings. */
  ControlPlaneLink.Instructions instructions() {
    return where;
  }

  String sourceServerId() {
    return sourceServerId;
  }

  /** Completes with the agent's report once it stops, or with what ended it. */
  CompletableFuture<SyncReport> run() {
    return run;
  }

  @Override
  public void close() throws Exception {
    if (closed) {
      return;
    }
    closed = true;
    agent.stop();
    try {
      thread.join(30_000);
    } finally {
      reporter.close();
    }
  }
}
