package io.liftshift.controlplane;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What an install token admits. Agents' tokens are handed to every source server, so they must not
 * also admit replication servers: one that registers receives other servers' placements (and their
 * disks), and gets a certificate that agents trust.
 */
public enum InstallTokenRole {
  /** Admits source servers' agents ({@code /agent/v1/register}) only. */
  AGENT("agents"),
  /** Admits replication servers ({@code /replicator/v1/register} and {@code certificate}) only. */
  REPLICATION_SERVER("replication-servers");

  private final String holders;

  InstallTokenRole(String holders) {
    this.holders = holders;
  }

  /** Who holds such a token, as {@code create-install-token --for} names them. */
  public String holders() {
    return holders;
  }

  /** Who holds such a token, in prose. */
  String described() {
    return holders.replace('-', ' ');
  }

  /** Parses {@code --for agents|replication-servers}. */
  public static InstallTokenRole forHolders(String holders) {
    return Arrays.stream(values())
        .filter(r -> r.holders.equals(holders))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "--for must be one of "
                        + Arrays.stream(values())
                            .map(InstallTokenRole::holders)
                            .collect(Collectors.joining(", "))
                        + ", got '"
                        + holders
                        + "'"));
  }

  /** The command that makes a token for this role, for error messages that name the fix. */
  String command() {
    return this == AGENT
        ? "`liftshift admin create-install-token`"
        : "`liftshift admin create-install-token --for " + holders + "`";
  }
}
