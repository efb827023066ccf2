package io.liftshift.cli;

import io.liftshift.controlplane.ControlPlane;
import io.liftshift.controlplane.InstallTokenRole;
import io.liftshift.controlplane.auth.AccessKeys;
import io.liftshift.controlplane.store.ControlPlaneStore;
import io.liftshift.controlplane.store.SqliteStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Operator administration of the control plane. */
@Command(
    name = "admin",
    mixinStandardHelpOptions = true,
    description =
        "Administer the control plane: operator access keys, install tokens, the replication fleet.",
    subcommands = {
      AdminCommand.CreateAccessKey.class,
      AdminCommand.RevokeAccessKey.class,
      AdminCommand.CreateInstallToken.class,
      AdminCommand.RevokeInstallToken.class,
      AdminCommand.Fleet.class
    })
final class AdminCommand {
  /** Work on the control plane's database and data directory. */
  @FunctionalInterface
  interface DatabaseWork {
    int run(ControlPlaneStore db, Path dataDir) throws Exception;
  }

  static int withDatabase(Path given, DatabaseWork work) throws Exception {
    Path data = given != null ? given : Home.dir().resolve("control-plane");
    try (ControlPlaneStore db = SqliteStore.open(data.resolve("control-plane.db"))) {
      return work.run(db, data);
    }
  }

  @Command(
      name = "create-access-key",
      mixinStandardHelpOptions = true,
      description = "Issue an access key for the MGN API; the secret is shown once.")
  static final class CreateAccessKey implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Control plane state directory.")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
      return withDatabase(
          dataDir,
          (db, data) -> {
            AccessKeys.NewKey k = ControlPlane.accessKeys(db, data).create();
            System.out.println("AWS_ACCESS_KEY_ID=" + k.accessKeyId());
            System.out.println("AWS_SECRET_ACCESS_KEY=" + k.secretAccessKey());
            return 0;
          });
    }
  }

  @Command(
      name = "revoke-access-key",
      mixinStandardHelpOptions = true,
      description = "Revoke an access key; requests signed with it are refused from now on.")
  static final class RevokeAccessKey implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Control plane state directory.")
    Path dataDir;

    @Parameters(index = "0", description = "The access key id.")
    String accessKeyId;

    @Override
    public Integer call() throws Exception {
      return withDatabase(
          dataDir,
          (db, data) -> {
            if (!ControlPlane.accessKeys(db, data).revoke(accessKeyId)) {
              System.err.println("liftshift admin: no access key " + accessKeyId);
              return 1;
            }
            System.out.println("revoked " + accessKeyId);
            return 0;
          });
    }
  }

  @Command(
      name = "create-install-token",
      mixinStandardHelpOptions = true,
      description =
          "Issue a token that agents (or, with --for replication-servers, replication servers)"
              + " register with; shown once, kept only as a digest.")
  static final class CreateInstallToken implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Control plane state directory.")
    Path dataDir;

    // One token per role: agents' tokens go to every source server, so they must not also admit
    // replication servers, which receive other servers' disks.
    @Option(
        names = "--for",
        paramLabel = "agents|replication-servers",
        defaultValue = "agents",
        converter = Holders.class,
        description = "Who the token admits: agents (default) or replication-servers.")
    InstallTokenRole role;

    /** Reads {@code --for} by the holders' names, so a wrong one is a usage error. */
    static final class Holders implements CommandLine.ITypeConverter<InstallTokenRole> {
      @Override
      public InstallTokenRole convert(String value) {
        try {
          return InstallTokenRole.forHolders(value);
        } catch (IllegalArgumentException e) {
          throw new CommandLine.TypeConversionException(e.getMessage());
        }
      }
    }

    @Override
    public Integer call() throws Exception {
      return withDatabase(
          dataDir,
          (db, data) -> {
            System.out.println(ControlPlane.createInstallToken(db, role));
            return 0;
          });
    }
  }

  @Command(
      name = "revoke-install-token",
      mixinStandardHelpOptions = true,
      description = {
        "Revoke an install token (a leaked one): it admits no one from now on. Agents and",
        "replication servers already registered keep their own credentials."
      })
  static final class RevokeInstallToken implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Control plane state directory.")
    Path dataDir;

    @Parameters(index = "0", paramLabel = "TOKEN", description = "The token (lsit-...).")
    String token;

    @Override
    public Integer call() throws Exception {
      return withDatabase(
          dataDir,
          (db, data) -> {
            if (!ControlPlane.revokeInstallToken(db, token)) {
              System.err.println("liftshift admin: that is no install token of this control plane");
              return 1;
            }
            System.out.println("revoked");
            return 0;
          });
    }
  }

  @Command(
      name = "fleet",
      mixinStandardHelpOptions = true,
      description =
          "Show the replication fleet's need as JSON: tracked disks, live replicators, desired count.")
  static final class Fleet implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Control plane state directory.")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
      return withDatabase(
          dataDir,
          (db, data) -> {
            System.out.println(ControlPlane.fleetNeed(db));
            return 0;
          });
    }
  }
}
