package io.liftshift.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the single liftshift jar. */
@Command(
    name = "liftshift",
    mixinStandardHelpOptions = true,
    versionProvider = Liftshift.Version.class,
    description = {
      "Block-level server migration: source disk -> agent -> 1500 -> replicator -> staging volume.",
      ""
    },
    subcommands = {
      QuickstartCommand.class,
      io.liftshift.agent.command.AgentCommand.class,
      ReplicatorCommand.class,
      ControlPlaneCommand.class,
      AdminCommand.class,
      StatusCommand.class,
      SnapshotsCommand.class,
      ConverterCommand.class,
      LaunchCommand.class,
      InstancesCommand.class,
      CaCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Liftshift {
  public static final String VERSION = "0.1.0-SNAPSHOT";

  /** Reports the build's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"liftshift " + VERSION, "Java " + Runtime.version()};
    }
  }

  public static void main(String[] args) {
    // --log=SPEC before the command overrides LIFTSHIFT_LOG (see Logging): it applies to every
    // role.
    try {
      if (args.length > 0 && args[0].startsWith("--log=")) {
        io.liftshift.agent.command.Logging.configure(args[0].substring("--log=".length()));
        args = java.util.Arrays.copyOfRange(args, 1, args.length);
      } else {
        io.liftshift.agent.command.Logging.configure();
      }
    } catch (IllegalArgumentException e) {
      System.err.println("liftshift: " + e.getMessage());
      System.exit(2);
    }
    CommandLine cl = new CommandLine(new Liftshift());
    cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          cmd.getErr().println("liftshift: " + ex.getMessage());
          if (System.getenv("LIFTSHIFT_DEBUG") != null) {
            ex.printStackTrace(cmd.getErr());
          }
          return 1;
        });
    System.exit(cl.execute(args));
  }
}
