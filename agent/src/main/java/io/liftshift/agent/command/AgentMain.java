package io.liftshift.agent.command;

import picocli.CommandLine;

/**
 * Entry point of the slim agent artifact ({@code liftshift-agent.jar} in the agent bundle): the
 * {@code agent} command with its {@code install} and {@code uninstall} subcommands, nothing of the
 * control plane, replicator or AWS SDK.
 */
public final class AgentMain {
  private AgentMain() {}

  public static void main(String[] args) {
    try {
      Logging.configure();
    } catch (IllegalArgumentException e) {
      System.err.println("liftshift-agent: " + e.getMessage());
      System.exit(2);
    }
    CommandLine cl = new CommandLine(new AgentCommand());
    cl.setCommandName("liftshift-agent");
    cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          cmd.getErr().println("liftshift-agent: " + ex.getMessage());
          if (System.getenv("LIFTSHIFT_DEBUG") != null) {
            ex.printStackTrace(cmd.getErr());
          }
          return 1;
        });
    System.exit(cl.execute(args));
  }
}
