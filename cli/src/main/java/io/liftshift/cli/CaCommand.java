package io.liftshift.cli;

import io.liftshift.trust.InstallationCa;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Manages the installation CA. */
@Command(
    name = "ca",
    mixinStandardHelpOptions = true,
    description = "The installation CA that signs liftshift's server certificates.",
    subcommands = {CaCommand.Init.class, CaCommand.Show.class})
final class CaCommand {

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description = "Create the installation CA (once) and print its fingerprint for agents.")
  static final class Init implements Callable<Integer> {
    @Option(
        names = "--ca-dir",
        description = "Directory of the CA (default: $LIFTSHIFT_HOME/ca or ~/.liftshift/ca).")
    Path caDir;

    @Override
    public Integer call() throws Exception {
      Path dir = caDir != null ? caDir : Home.caDir();
      boolean existed = InstallationCa.exists(dir);
      InstallationCa ca = InstallationCa.loadOrCreate(dir);
      System.out.println((existed ? "existing" : "created") + " installation CA in " + dir);
      System.out.println("fingerprint: " + ca.fingerprint());
      System.out.println("give agents: --ca-fingerprint " + ca.fingerprint());
      return 0;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Print the installation CA's subject, validity and fingerprint.")
  static final class Show implements Callable<Integer> {
    @Option(names = "--ca-dir", description = "Directory of the CA.")
    Path caDir;

    @Override
    public Integer call() throws Exception {
      InstallationCa ca = InstallationCa.load(caDir != null ? caDir : Home.caDir());
      System.out.println("subject:     " + ca.certificate().getSubjectX500Principal().getName());
      System.out.println("valid until: " + ca.certificate().getNotAfter().toInstant());
      System.out.println("fingerprint: " + ca.fingerprint());
      return 0;
    }
  }
}
