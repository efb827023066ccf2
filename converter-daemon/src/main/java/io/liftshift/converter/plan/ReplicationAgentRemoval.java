package io.liftshift.converter.plan;

import io.liftshift.converter.plan.ConversionStep.RemoveFile;
import io.liftshift.converter.plan.ConversionStep.RemoveTree;
import io.liftshift.converter.plan.ConversionStep.Skip;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes the liftshift agent out of a launched copy. The copy is the source's disk, so it holds the
 * agent the installer put there (agent-bundle's liftshift-agent-installer.sh): left in, the
 * launched instance would boot with the agent's service enabled, present the source's registration
 * credential and replicate itself into its own source's staging volume. Removed as the installer's
 * --uninstall removes it: the service's enabling links, the unit, the program and its state.
 */
public final class ReplicationAgentRemoval {
  static final String AREA = "replication-agent";
  static final String UNIT = "liftshift-agent.service";
  static final String UNIT_DIR = "/etc/systemd/system";
  static final List<String> TREES = List.of("/opt/liftshift-agent", "/var/lib/liftshift-agent");

  private final GuestFiles guest;

  public ReplicationAgentRemoval(GuestFiles guest) {
    this.guest = guest;
  }

  /** The removals, or one skip saying no agent is installed (nothing else changes then). */
  public List<ConversionStep> steps() throws IOException {
    List<ConversionStep> steps = new ArrayList<>();
    // Every *.wants, not only multi-user.target's: an operator may have re-enabled it elsewhere.
    for (String wants : guest.list(UNIT_DIR)) {
      if (!wants.endsWith(".wants")) {
        continue;
      }
      String link = wants + "/" + UNIT;
      if (guest.linkTarget(link).isPresent() || guest.exists(link)) {
        steps.add(
            new RemoveFile(
                AREA,
                link,
                guest.linkTarget(link).orElse(""),
                "enables the source's liftshift agent: a launched copy must not replicate itself"));
      }
    }
    String unit = UNIT_DIR + "/" + UNIT;
    if (guest.linkTarget(unit).isPresent() || guest.exists(unit)) {
      steps.add(
          new RemoveFile(
              AREA,
              unit,
              guest.read(unit).orElse(guest.linkTarget(unit).orElse("")),
              "the source's liftshift agent service"));
    }
    for (String tree : TREES) {
      if (guest.linkTarget(tree).isPresent() || guest.exists(tree)) {
        steps.add(
            new RemoveTree(
                AREA,
                tree,
                tree.startsWith("/opt")
                    ? "the liftshift agent's program: the source's, not this instance's"
                    : "the liftshift agent's state: the source's registration credential and"
                        + " change tracking"));
      }
    }
    if (steps.isEmpty()) {
      steps.add(new Skip(AREA, "liftshift agent", "not installed on the source"));
    }
    return steps;
  }
}
