package io.liftshift.converter.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.liftshift.converter.plan.ConversionPlan;
import io.liftshift.converter.plan.GuestDevices;
import io.liftshift.converter.plan.GuestFiles;
import io.liftshift.converter.plan.GuestTrees;
import io.liftshift.converter.plan.LinuxConversionPlanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Applying a plan to a guest tree: every step's outcome is reported, files get their modes, and a
 * file changed since planning stops the conversion there (the real chroot runs in the end-to-end
 * test; here the guest's tools are recorded instead).
 */
class PlanApplierTest {
  @TempDir Path dir;

  private ConversionPlan plan(Path root) throws Exception {
    return new LinuxConversionPlanner(
            new GuestFiles(root),
            new GuestDevices().partition(0, 1, "1111-root").partition(1, 1, "3333-data"),
            "1111-root",
            "mgnjob-1",
            List.of())
        .plan();
  }

  @Test
  void everyStepIsAppliedAndReported() throws Exception {
    Path root = GuestTrees.debian(dir.resolve("debian"));
    List<List<String>> ran = new ArrayList<>();
    ConversionReport r =
        new PlanApplier(
                new GuestFiles(root),
                (guestRoot, cmd) -> {
                  ran.add(cmd);
                  return "update-initramfs: Generating /boot/initrd.img-6.1.0-37-amd64\n";
                })
            .apply(plan(root));
    assertThat(r.status()).isEqualTo("SUCCEEDED");
    assertThat(r.steps())
        .extracting(ConversionReport.StepOutcome::outcome)
        .doesNotContain("FAILED");
    assertThat(ran).containsExactly(List.of("update-initramfs", "-u", "-k", "all"));
    assertThat(Files.readString(root.resolve("etc/fstab"))).contains("UUID=1111-root");
    assertThat(root.resolve("etc/udev/rules.d/70-persistent-net.rules")).doesNotExist();
    Path script = root.resolve("usr/local/sbin/liftshift-first-boot");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(script)))
        .isEqualTo("rwxr-xr-x");
    assertThat(
            Files.readSymbolicLink(
                root.resolve(
                    "etc/systemd/system/multi-user.target.wants/liftshift-first-boot.service")))
        .hasToString("/etc/systemd/system/liftshift-first-boot.service");
  }

  @Test
  void aFileChangedSincePlanningFailsTheConversionThereAndNothingAfterRuns() throws Exception {
    Path root = GuestTrees.debian(dir.resolve("debian"));
    ConversionPlan p = plan(root);
    Files.writeString(root.resolve("etc/fstab"), "# changed behind the plan's back\n");
    List<List<String>> ran = new ArrayList<>();
    ConversionReport r =
        new PlanApplier(
                new GuestFiles(root),
                (guestRoot, cmd) -> {
                  ran.add(cmd);
                  return "";
                })
            .apply(p);
    assertThat(r.status()).isEqualTo("FAILED");
    assertThat(r.reason()).contains("fstab: /etc/fstab changed since the plan was made");
    assertThat(r.steps().get(r.steps().size() - 1).outcome()).isEqualTo("NOT_RUN");
    assertThat(ran).isEmpty();
    assertThat(Files.readString(root.resolve("etc/fstab"))).contains("changed behind");
  }
}
