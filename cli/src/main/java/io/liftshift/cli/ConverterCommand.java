package io.liftshift.cli;

import com.fasterxml.jackson.databind.ObjectWriter;
import io.liftshift.contract.ContractJson;
import io.liftshift.converter.Conversion;
import io.liftshift.converter.ConversionJob;
import io.liftshift.converter.ConverterOptions;
import io.liftshift.converter.ConverterVerticle;
import io.liftshift.converter.apply.ConversionReport;
import io.liftshift.trust.CaFingerprint;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The converter daemon, or a conversion of given volumes without a control plane. */
@Command(
    name = "converter",
    mixinStandardHelpOptions = true,
    description = {
      "Converts a launch's volumes so that the server boots natively on the target (NVMe, ENA,",
      "DHCP, serial console), then exits. On a conversion server it fetches its job from the",
      "control plane (--control-plane, --job-token); given --volume it converts those image",
      "files or block devices directly. --dry-run prints the plan and changes nothing.",
      "Needs root (loop devices, mount, chroot)."
    })
final class ConverterCommand implements Callable<Integer> {
  private static final ObjectWriter JSON = ContractJson.MAPPER.writerWithDefaultPrettyPrinter();

  @Option(names = "--control-plane", description = "Control plane endpoint (https://host:443).")
  URI controlPlane;

  @Option(names = "--job-token", description = "This conversion job's credential.")
  String jobToken;

  @Option(names = "--ca-fingerprint", description = "Installation CA (sha256:...).")
  String caFingerprint;

  @Option(
      names = "--volume",
      description = "An image file or block device, in the source's disk order (repeatable).")
  List<Path> volumes = new ArrayList<>();

  @Option(
      names = "--source-device",
      description = "The source's name for each --volume (like /dev/vda), same order.")
  List<String> sourceDevices = new ArrayList<>();

  @Option(names = "--dry-run", description = "Print the plan; change nothing.")
  boolean dryRun;

  @Option(
      names = "--windows-drivers",
      description =
          "AWS's Windows driver packages (AWSNVMe/, ENA/, EC2Launch/, SHA256SUMS) for a Windows"
              + " guest (default: /opt/liftshift/windows-drivers; see docs/windows.md).")
  Path windowsDrivers = Path.of("/opt/liftshift/windows-drivers");

  @Option(names = "--enable-rdp", description = "Open Remote Desktop on a converted Windows guest.")
  boolean enableRdp;

  @Option(names = "--report", description = "Also write the plan and report (JSON) here.")
  Path reportFile;

  @Option(
      names = "--work-dir",
      description = "Where mount points go (default: /run/liftshift-converter).")
  Path workDir = ConverterOptions.DEFAULT_WORK_DIR;

  @Override
  public Integer call() throws Exception {
    Conversion.Outcome outcome;
    if (!volumes.isEmpty()) {
      List<String> names = new ArrayList<>(sourceDevices);
      while (names.size() < volumes.size()) {
        names.add("");
      }
      ConversionJob job =
          new ConversionJob(
              "local-" + System.currentTimeMillis(),
              "",
              volumes.stream().map(Path::toString).toList(),
              names,
              List.of());
      outcome =
          new Conversion(job, Files.createDirectories(workDir), windowsDrivers, enableRdp)
              .run(dryRun);
    } else {
      if (controlPlane == null || jobToken == null || caFingerprint == null) {
        System.err.println(
            "liftshift converter: give --volume FILE..., or --control-plane, --job-token and"
                + " --ca-fingerprint");
        return 2;
      }
      Files.createDirectories(workDir);
      Vertx vertx = Vertx.vertx();
      try {
        ConverterVerticle v =
            new ConverterVerticle(
                new ConverterOptions()
                    .controlPlane(controlPlane)
                    .jobToken(jobToken)
                    .caFingerprint(CaFingerprint.parse(caFingerprint))
                    .workDir(workDir)
                    .dryRun(dryRun));
        vertx.deployVerticle(v).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        outcome = v.done().toCompletionStage().toCompletableFuture().get(2, TimeUnit.HOURS);
      } finally {
        vertx.close();
      }
    }
    if (outcome.plan() != null) {
      System.out.print(outcome.plan().describe());
    }
    ConversionReport r = outcome.report();
    if (reportFile != null) {
      Files.writeString(
          reportFile,
          JSON.writeValueAsString(
              java.util.Map.of(
                  "plan",
                  outcome.plan() == null ? java.util.Map.of() : outcome.plan(),
                  "report",
                  r)));
    }
    for (ConversionReport.StepOutcome s : r.steps()) {
      if (!s.outcome().equals("DONE") && !s.outcome().equals("SKIPPED")) {
        System.out.println(s.outcome() + " " + s.step().area() + ": " + s.detail());
      }
    }
    System.out.println(
        "conversion "
            + r.status()
            + (r.reason().isEmpty() ? "" : ": " + r.reason())
            + " ("
            + r.elapsedMillis()
            + " ms)");
    return r.status().equals("FAILED") ? 1 : 0;
  }
}
