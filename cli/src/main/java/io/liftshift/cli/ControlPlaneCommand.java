package io.liftshift.cli;

import io.liftshift.controlplane.ControlPlane;
import io.liftshift.controlplane.ControlPlaneVerticle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the control plane until stopped. */
@Command(
    name = "control-plane",
    mixinStandardHelpOptions = true,
    description = {
      "Run the control plane: the MGN API over HTTPS (TLS 1.3), signed with SigV4, so that the",
      "AWS CLI and SDKs work against it with --endpoint-url. Stops cleanly on SIGTERM/SIGINT."
    })
final class ControlPlaneCommand implements Callable<Integer> {
  @Option(
      names = "--listen",
      defaultValue = "0.0.0.0:" + ControlPlaneVerticle.DEFAULT_PORT,
      description = "Address and port (default: ${DEFAULT-VALUE}; port 0 = any).")
  String listen;

  @Option(names = "--data-dir", description = "State (default: $LIFTSHIFT_HOME/control-plane).")
  Path dataDir;

  @Option(names = "--ca-dir", description = "Installation CA directory (created on first use).")
  Path caDir;

  @Option(
      names = "--region",
      defaultValue = ControlPlane.DEFAULT_REGION,
      description = "Region that clients sign for (default: ${DEFAULT-VALUE}).")
  String region;

  @Option(
      names = "--san",
      description =
          "Name or IP clients use; goes into the certificate (default: localhost, 127.0.0.1).")
  List<String> names = new ArrayList<>();

  @Option(
      names = "--launch-dir",
      description =
          "Where local launches keep volumes, images and instances (default:"
              + " $LIFTSHIFT_HOME/launch).")
  Path launchDir;

  @Option(
      names = "--qemu-accel",
      description =
          "qemu accelerator for local instances: kvm, tcg or kvm:tcg (default: KVM where"
              + " /dev/kvm is writable; LIFTSHIFT_QEMU_ACCEL overrides).")
  String qemuAccel;

  @Option(
      names = "--agent-bundle-dir",
      description =
          "Where the agent installer and bundles are (default: LIFTSHIFT_AGENT_BUNDLE_DIR, else"
              + " agent-bundle/ beside the jar or the build's agent-bundle/target/dist).")
  Path agentBundleDir;

  @Option(names = "--no-launches", description = "Leave StartTest/StartCutover jobs PENDING.")
  boolean noLaunches;

  @Option(
      names = "--cloud",
      defaultValue = "local",
      description =
          "Where launches run: local (qemu on this machine) or aws (EC2; default:"
              + " ${DEFAULT-VALUE}).")
  String cloud;

  @Option(
      names = "--converter-launch-template",
      description =
          "aws: the conversion servers' launch template (the CDK's ConversionServer), which"
              + " gives their image, type, role, network and root volume; its $Latest version"
              + " is used.")
  String converterLaunchTemplate;

  @Option(
      names = "--converter-ami",
      description = "aws: the converter image (DaemonImage), without a launch template.")
  String converterAmi;

  @Option(
      names = "--staging-subnet",
      description =
          "aws: where conversion servers run; with a launch template only if it names no network"
              + " interface (EC2 refuses both).")
  String stagingSubnet;

  @Option(
      names = "--converter-security-group",
      description = "aws: security groups of conversion servers (repeatable).")
  List<String> converterSecurityGroups = new ArrayList<>();

  @Option(
      names = "--converter-instance-type",
      description =
          "aws: conversion server size (default: the launch template's, else "
              + io.liftshift.cloud.aws.AwsLaunchCloud.DEFAULT_CONVERTER_INSTANCE_TYPE
              + ").")
  String converterInstanceType;

  @Option(
      names = "--installation",
      defaultValue = "default",
      description = "aws: the installation's tag value (liftshift:installation).")
  String installation;

  // Several nodes in several zones launch alike only if they all make launch volumes where the
  // conversion servers run.
  @Option(
      names = "--launch-availability-zone",
      description =
          "aws: where launch volumes are made, the conversion servers' zone (default: this"
              + " instance's).")
  String launchAvailabilityZone;

  /** The launch backend for {@code --cloud}. */
  private io.liftshift.cloud.LaunchCloud launchCloud(ControlPlane cp) throws Exception {
    if (cloud.equals("aws")) {
      if (converterLaunchTemplate != null && converterAmi != null) {
        throw new IllegalArgumentException(
            "give --converter-launch-template or --converter-ami, not both: the template names"
                + " the converter image");
      }
      if (converterLaunchTemplate == null && (converterAmi == null || stagingSubnet == null)) {
        throw new IllegalArgumentException(
            "--cloud aws needs --converter-launch-template, or --converter-ami and"
                + " --staging-subnet, for conversion servers");
      }
      var imds =
          new io.liftshift.cloud.aws.InstanceMetadata(
              io.liftshift.cloud.aws.InstanceMetadata.DEFAULT_ENDPOINT);
      return io.liftshift.cloud.aws.AwsCloud.launchCloud(
          new io.liftshift.cloud.aws.AwsLaunchCloud.Settings(
              installation,
              launchAvailabilityZone != null ? launchAvailabilityZone : imds.availabilityZone(),
              converterLaunchTemplate,
              converterAmi,
              converterInstanceType,
              stagingSubnet,
              converterSecurityGroups,
              java.net.URI.create("https://" + imds.privateIpv4() + ":" + cp.port()),
              cp.caFingerprint(),
              5000));
    }
    if (!cloud.equals("local")) {
      throw new IllegalArgumentException("--cloud must be local or aws, not " + cloud);
    }
    return new io.liftshift.cloud.local.LocalLaunchCloud(
        launchDir != null ? launchDir : Home.dir().resolve("launch"),
        converterCommand(),
        java.net.URI.create("https://127.0.0.1:" + cp.port()),
        cp.caFingerprint(),
        qemuAccel != null
            ? qemuAccel
            : io.liftshift.cloud.local.LocalInstances.defaultAccelerator());
  }

  /** How this same build starts {@code liftshift converter} as a separate process. */
  static List<String> converterCommand() {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    return List.of(
        java, "-cp", System.getProperty("java.class.path"), Liftshift.class.getName(), "converter");
  }

  @Override
  public Integer call() throws Exception {
    int i = listen.lastIndexOf(':');
    if (i < 0) {
      throw new IllegalArgumentException("--listen must be HOST:PORT, got " + listen);
    }
    Path data = dataDir != null ? dataDir : Home.dir().resolve("control-plane");
    if (agentBundleDir != null) {
      System.setProperty(
          io.liftshift.controlplane.downloads.AgentDownloads.BUNDLE_DIR_PROPERTY,
          agentBundleDir.toAbsolutePath().toString());
    }
    ControlPlane cp =
        ControlPlane.start(
            data,
            caDir != null ? caDir : Home.caDir(),
            listen.substring(0, i),
            Integer.parseInt(listen.substring(i + 1)),
            region,
            names.isEmpty() ? List.of("localhost", "127.0.0.1") : names);
    if (!noLaunches) {
      cp.enableLaunches(launchCloud(cp));
    }
    Daemon.runUntilStopped(
        "control-plane",
        cp,
        "READY port=" + cp.port() + " ca=" + cp.caFingerprint() + " data=" + data);
    return 0;
  }
}
