package io.liftshift.cli;

import io.liftshift.cloud.Instances;
import io.liftshift.cloud.local.LocalImages;
import io.liftshift.cloud.local.LocalInstances;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The local cloud's launched instances (qemu virtual machines). */
@Command(
    name = "instances",
    mixinStandardHelpOptions = true,
    description = "List launched instances, read their serial console, terminate them.",
    subcommands = {
      InstancesCommand.ListInstances.class,
      InstancesCommand.Console.class,
      InstancesCommand.Terminate.class
    })
final class InstancesCommand {
  static LocalInstances open(Path launchDir) throws Exception {
    Path home = launchDir != null ? launchDir : Home.dir().resolve("launch");
    return new LocalInstances(home.resolve("instances"), new LocalImages(home.resolve("images")));
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "One line per instance.")
  static final class ListInstances implements Callable<Integer> {
    @Option(names = "--launch-dir", description = "Default: $LIFTSHIFT_HOME/launch.")
    Path launchDir;

    @Override
    public Integer call() throws Exception {
      System.out.printf(
          "%-19s %-11s %-10s %-20s %-32s %s%n",
          "INSTANCE", "STATE", "TYPE", "SOURCE SERVER", "JOB", "LAUNCHED");
      for (Instances.Instance i : open(launchDir).list(Map.of())) {
        System.out.printf(
            "%-19s %-11s %-10s %-20s %-32s %s%n",
            i.instanceId(),
            i.state(),
            i.instanceType(),
            i.tags().getOrDefault("liftshift:source-server", "-"),
            i.tags().getOrDefault("liftshift:job", "-"),
            i.launchedAt());
      }
      return 0;
    }
  }

  @Command(
      name = "console",
      mixinStandardHelpOptions = true,
      description = "Serial console output.")
  static final class Console implements Callable<Integer> {
    @Option(names = "--launch-dir", description = "Default: $LIFTSHIFT_HOME/launch.")
    Path launchDir;

    @Parameters(index = "0", paramLabel = "INSTANCE")
    String instanceId;

    @Override
    public Integer call() throws Exception {
      System.out.print(open(launchDir).consoleOutput(instanceId).replace("\r", ""));
      return 0;
    }
  }

  @Command(name = "terminate", mixinStandardHelpOptions = true, description = "Stop it for good.")
  static final class Terminate implements Callable<Integer> {
    @Option(names = "--launch-dir", description = "Default: $LIFTSHIFT_HOME/launch.")
    Path launchDir;

    @Parameters(index = "0", paramLabel = "INSTANCE")
    String instanceId;

    @Override
    public Integer call() throws Exception {
      open(launchDir).terminate(instanceId);
      System.out.println(instanceId + " terminated");
      return 0;
    }
  }
}
