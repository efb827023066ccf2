package io.liftshift.agent.command;

import io.liftshift.agent.ControlPlaneLink;
import io.liftshift.trust.CaFingerprint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Registers this machine as a source server, without a reboot. */
@Command(
    name = "install",
    mixinStandardHelpOptions = true,
    description = {
      "Register this machine with the control plane as a source server: reports its disks, CPUs,",
      "RAM, OS and network interfaces, and keeps its identity so that a restart (or a new network",
      "card) re-registers the same server. Needs no reboot, kernel module or compiler."
    })
public final class AgentInstallCommand implements Callable<Integer> {
  @Option(
      names = "--endpoint",
      required = true,
      description = "The control plane, https://HOST:443.")
  String endpoint;

  @Option(
      names = "--install-token",
      required = true,
      description = "From 'liftshift admin create-install-token'.")
  String installToken;

  @Option(
      names = "--ca-fingerprint",
      required = true,
      description = "The installation CA to trust (sha256:HEX).")
  String caFingerprint;

  @Option(names = "--disk", description = "A disk to report (repeatable).")
  List<Path> disks = new ArrayList<>();

  @Option(
      names = "--tag",
      description =
          "A tag KEY=VALUE for the source server (repeatable), as MGN's installer's --tags.")
  java.util.Map<String, String> tags = new java.util.LinkedHashMap<>();

  @Option(
      names = "--state-dir",
      description = "Where the identity is kept (default: $LIFTSHIFT_HOME/agent).")
  Path stateDir;

  @Override
  public Integer call() throws Exception {
    ControlPlaneLink link =
        ControlPlaneLink.install(
            endpoint,
            installToken,
            CaFingerprint.parse(caFingerprint),
            disks,
            tags,
            stateDir != null ? stateDir : AgentHome.stateDir());
    System.out.println("registered as source server " + link.identity().sourceServerId());
    return 0;
  }
}
