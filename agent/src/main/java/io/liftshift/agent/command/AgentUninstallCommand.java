package io.liftshift.agent.command;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Removes the agent from this machine: the same path as DisconnectFromService's self-removal. */
@Command(
    name = "uninstall",
    mixinStandardHelpOptions = true,
    description = {
      "Remove the agent: stop and disable its service, delete /opt/liftshift-agent and its state",
      "(/var/lib/liftshift-agent). The source disks are never touched. The source server stays in",
      "the control plane until DisconnectFromService or MarkAsArchived."
    })
public final class AgentUninstallCommand implements Callable<Integer> {
  @Option(
      names = "--state-dir",
      description =
          "The agent's state (default: $LIFTSHIFT_AGENT_STATE_DIR or $LIFTSHIFT_HOME/agent).")
  Path stateDir;

  @Override
  public Integer call() throws Exception {
    String removed = Installation.uninstall(stateDir != null ? stateDir : AgentHome.stateDir());
    System.out.println("removed " + removed);
    return 0;
  }
}
