package io.liftshift.cli;

import io.liftshift.agent.Agent;
import io.liftshift.agent.AgentOptions;
import io.liftshift.agent.HeartbeatReporter;
import io.liftshift.agent.SyncReport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The agent in continuous replication inside the quickstart's process, reporting to the control
 * plane: only where no agent bundle is built, so that the installer cannot run (the quickstart says
 * so).
 */
final class InProcessAgent implements RunningAgent {
  private final Agent agent;
  private final HeartbeatReporter heartbeats;
  private final CompletableFuture<SyncReport> run;
  private boolean closed;

  private InProcessAgent(Agent agent, HeartbeatReporter heartbeats) {
    this.agent = agent;
    this.heartbeats = heartbeats;
    this.run =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return agent.run();
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            });
  }

  static InProcessAgent start(AgentOptions ao, HeartbeatReporter heartbeats) {
    ao.continuous(true).verify(false).scanPassIntervalMillis(500).scanReadBudgetMBps(0);
    return new InProcessAgent(new Agent(ao, heartbeats), heartbeats);
  }

  @Override
  public boolean ended() {
    return run.isDone();
  }

  @Override
  public String tracker() {
    return String.valueOf(agent.tracking().kind());
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    agent.stop();
    try {
      run.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      // reported above if it mattered
    } finally {
      heartbeats.close();
    }
  }
}
