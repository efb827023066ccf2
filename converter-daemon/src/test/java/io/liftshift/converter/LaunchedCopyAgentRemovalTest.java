package io.liftshift.converter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.liftshift.converter.apply.ConversionReport;
import io.liftshift.converter.apply.ConversionReport.StepOutcome;
import io.liftshift.converter.apply.PlanApplier;
import io.liftshift.converter.inspect.BlockDevice;
import io.liftshift.converter.inspect.Commands;
import io.liftshift.converter.inspect.GuestDisks;
import io.liftshift.converter.plan.ConversionPlan;
import io.liftshift.converter.plan.ConversionStep;
import io.liftshift.converter.plan.GuestDevices;
import io.liftshift.converter.plan.GuestFiles;
import io.liftshift.converter.plan.GuestTrees;
import io.liftshift.converter.plan.LinuxConversionPlanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A launched copy is the source's disk, with the liftshift agent the installer put on it. Here the
 * disk is a real partitioned image whose ext4 root (made by mkfs.ext4 from a Debian-shaped tree)
 * holds the agent laid out as agent-bundle's liftshift-agent-installer.sh leaves it; the converter
 * opens it as it opens a launch's volume, plans, applies, and the result is read back from a fresh
 * read-only mount after e2fsck finds the filesystem clean. The guest's initramfs tool is recorded
 * rather than run (the tree has no shell to run it with); the Debian launch tests run it for real.
 */
class LaunchedCopyAgentRemovalTest {
  private static final String ROOT_UUID = "5f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f";
  private static final String UNIT = "/etc/systemd/system/liftshift-agent.service";
  private static final String WANTS =
      "/etc/systemd/system/multi-user.target.wants/liftshift-agent.service";

  @TempDir Path dir;

  @BeforeEach
  void needsRoot() {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "loop devices and mounts need root (CI runs as root)");
  }

  @Test
  void theAgentInstalledOnTheSourceIsGoneFromTheLaunchedCopyAndNothingElseIs() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("sentinel"), "this machine's file\n");
    Path tree = debianTree();
    installedAgent(tree, outside);
    Path image = image(tree);

    Conversion.Outcome dry = dryRun(image);
    assertThat(dry.plan()).as(dry.report().reason()).isNotNull();
    String listing = dry.plan().describe();
    assertThat(listing)
        .contains("replication-agent remove  " + WANTS)
        .contains("replication-agent remove  " + UNIT)
        .contains("remove  /opt/liftshift-agent/ (tree)")
        .contains("remove  /var/lib/liftshift-agent/ (tree)");

    ConversionReport report = convert(image);
    assertThat(report.status()).as(report.reason()).isEqualTo("SUCCEEDED");
    List<StepOutcome> agent =
        report.steps().stream().filter(o -> o.step().area().equals("replication-agent")).toList();
    assertThat(agent).extracting(StepOutcome::outcome).containsOnly("DONE").hasSize(4);
    assertThat(agent.get(3).detail()).startsWith("removed ");

    readBack(
        image,
        root -> {
          for (String gone :
              List.of(WANTS, UNIT, "/opt/liftshift-agent", "/var/lib/liftshift-agent")) {
            assertThat(root.resolve(gone.substring(1))).as(gone).doesNotExist();
            assertThat(Files.exists(root.resolve(gone.substring(1)), LinkOption.NOFOLLOW_LINKS))
                .as(gone)
                .isFalse();
          }
          // Its neighbours stay: /opt, /var/lib, other services and the converter's own unit.
          assertThat(root.resolve("opt/other-vendor/keep")).hasContent("kept\n");
          assertThat(root.resolve("var/lib/dpkg/status")).exists();
          assertThat(
                  Files.readSymbolicLink(
                      root.resolve("etc/systemd/system/multi-user.target.wants/cron.service")))
              .hasToString("/lib/systemd/system/cron.service");
          assertThat(
                  Files.readSymbolicLink(
                      root.resolve(
                          "etc/systemd/system/multi-user.target.wants/liftshift-first-boot.service")))
              .hasToString("/etc/systemd/system/liftshift-first-boot.service");
          assertThat(root.resolve("etc/systemd/system/liftshift-first-boot.service")).exists();
        });
    // The link inside the agent's tree pointed at this machine: removed as a link, not followed.
    assertThat(outside.resolve("sentinel")).hasContent("this machine's file\n");
  }

  @Test
  void aSourceWithoutTheAgentIsReportedAndLeftAlone() throws Exception {
    Path image = image(debianTree());

    ConversionReport report = convert(image);

    assertThat(report.status()).as(report.reason()).isEqualTo("SUCCEEDED");
    assertThat(report.steps())
        .filteredOn(o -> o.step().area().equals("replication-agent"))
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.step()).isInstanceOf(ConversionStep.Skip.class);
              assertThat(o.outcome()).isEqualTo("SKIPPED");
              assertThat(o.detail()).isEqualTo("not installed on the source");
            });
  }

  /** The Debian guest the planner tests use, its fstab naming only the one disk here. */
  private Path debianTree() throws IOException {
    Path tree = GuestTrees.debian(dir.resolve("tree-" + System.nanoTime()));
    GuestTrees.write(tree, "/etc/fstab", "/dev/vda1  /  ext4  errors=remount-ro  0  1\n");
    GuestTrees.write(tree, "/opt/other-vendor/keep", "kept\n");
    GuestTrees.write(tree, "/var/lib/dpkg/status", "Package: cron\nStatus: install ok\n");
    GuestTrees.link(
        tree,
        "/etc/systemd/system/multi-user.target.wants/cron.service",
        "/lib/systemd/system/cron.service");
    return tree;
  }

  /** What liftshift-agent-installer.sh leaves on a server (its steps 4 to 7). */
  private static void installedAgent(Path tree, Path outside) throws IOException {
    String release = "/opt/liftshift-agent/releases/0.9.0";
    GuestTrees.write(tree, release + "/bin/liftshift-agent", "#!/bin/sh\nexec java ...\n");
    GuestTrees.write(tree, release + "/runtime/lib/modules", "jimage placeholder\n");
    GuestTrees.write(tree, release + "/BUNDLE_SHA256", "0".repeat(64) + "\n");
    GuestTrees.link(tree, release + "/runtime/conf/host-link", outside.toString());
    GuestTrees.link(tree, "/opt/liftshift-agent/current", "releases/0.9.0");
    GuestTrees.write(
        tree,
        "/var/lib/liftshift-agent/agent.properties",
        "endpoint=https\\://127.0.0.1\\:443\nsourceServerID=s-1234567890abcdef0\n");
    GuestTrees.write(tree, "/var/lib/liftshift-agent/install.conf", "devices=/dev/vda\n");
    GuestTrees.write(tree, "/var/lib/liftshift-agent/changes/dirty.bitmap", "\0\0\0\0");
    GuestTrees.write(
        tree,
        UNIT,
        "[Service]\nExecStart=/opt/liftshift-agent/current/bin/liftshift-agent --continuous"
            + " --disk /dev/vda\n\n[Install]\nWantedBy=multi-user.target\n");
    GuestTrees.link(tree, WANTS, UNIT);
  }

  /** A 64 MiB disk with an MBR and one ext4 partition (1 MiB to the end) made from the tree. */
  private Path image(Path tree) throws IOException {
    Path fs = dir.resolve("root-" + System.nanoTime() + ".ext4");
    Commands.run(
        120, "mkfs.ext4", "-q", "-F", "-U", ROOT_UUID, "-d", tree.toString(), fs.toString(), "63M");
    Path image = dir.resolve("disk-" + System.nanoTime() + ".img");
    Commands.run(30, "truncate", "-s", "64M", image.toString());
    Commands.run(30, "sh", "-c", "echo 'start=2048, type=83' | sfdisk -q " + image + " >/dev/null");
    Commands.run(
        60,
        "dd",
        "if=" + fs,
        "of=" + image,
        "bs=1M",
        "seek=1",
        "conv=notrunc,fsync",
        "status=none");
    Files.delete(fs);
    return image;
  }

  private Conversion.Outcome dryRun(Path image) throws IOException {
    ConversionJob job =
        new ConversionJob(
            "mgnjob-agent" + System.nanoTime(),
            "s-1",
            List.of(image.toString()),
            List.of("/dev/vda"),
            List.of());
    return new Conversion(job, Files.createDirectories(dir.resolve("work"))).run(true);
  }

  /** Opened, planned and applied as a launch's conversion does, the initramfs tool recorded. */
  private ConversionReport convert(Path image) throws Exception {
    try (GuestDisks disks = GuestDisks.open(List.of(image), false)) {
      BlockDevice root = rootPartition(disks);
      Path mnt = Files.createDirectories(dir.resolve("mnt-" + System.nanoTime()));
      disks.mount(root, mnt);
      GuestFiles guest = new GuestFiles(mnt);
      ConversionPlan plan =
          new LinuxConversionPlanner(
                  guest,
                  new GuestDevices().partition(0, 1, ROOT_UUID).alias("/dev/vda1", ROOT_UUID),
                  ROOT_UUID,
                  "mgnjob-agent",
                  List.of())
              .plan();
      List<List<String>> ran = new ArrayList<>();
      ConversionReport report =
          new PlanApplier(
                  guest,
                  (r, cmd) -> {
                    ran.add(cmd);
                    return "";
                  })
              .apply(plan);
      Commands.run(60, "sync");
      return report;
    }
  }

  interface RootCheck {
    void check(Path root) throws IOException;
  }

  /** e2fsck finds the converted filesystem clean; then a fresh read-only mount is checked. */
  private void readBack(Path image, RootCheck check) throws IOException {
    try (GuestDisks disks = GuestDisks.open(List.of(image), true)) {
      BlockDevice root = rootPartition(disks);
      Commands.run(120, "e2fsck", "-fn", root.path());
      Path mnt = Files.createDirectories(dir.resolve("check-" + System.nanoTime()));
      disks.mount(root, mnt);
      check.check(mnt);
    }
  }

  private static BlockDevice rootPartition(GuestDisks disks) throws IOException {
    return disks.devices().stream()
        .filter(b -> b.type().equals("part") && b.uuid().equals(ROOT_UUID))
        .findFirst()
        .orElseThrow(() -> new IOException("no ext4 partition " + ROOT_UUID + " on the image"));
  }
}
