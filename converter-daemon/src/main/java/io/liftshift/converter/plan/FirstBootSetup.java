package io.liftshift.converter.plan;

import io.liftshift.converter.plan.ConversionStep.Skip;
import io.liftshift.converter.plan.ConversionStep.Symlink;
import io.liftshift.converter.plan.ConversionStep.WriteFile;
import io.liftshift.converter.plan.LinuxConversionPlanner.PostLaunchAction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The first-boot unit of a Linux conversion: a one-shot systemd service that says on the serial
 * console that the migrated server booted (the launch waits for that line) and runs the post-launch
 * actions once each. Apart from {@link LinuxConversionPlanner} because it adds to the guest rather
 * than adapting what is there.
 */
final class FirstBootSetup {
  /** The line the unit prints on the serial console; the launch watches for it. */
  static final String MARKER = "liftshift-first-boot: SUCCEEDED";

  private final GuestFiles guest;
  private final String jobId;
  private final List<PostLaunchAction> postLaunch;

  FirstBootSetup(GuestFiles guest, String jobId, List<PostLaunchAction> postLaunch) {
    this.guest = guest;
    this.jobId = jobId;
    this.postLaunch = List.copyOf(postLaunch);
  }

  static final String FIRST_BOOT_SCRIPT =
      """
      #!/bin/sh
      # Written by liftshift's converter. Runs at the migrated server's first boot on the target:
      # says on the serial console that it booted (the launch reads that line), runs each
      # post-launch action once, then disables itself. An action that reboots the server is not
      # run again; the actions after it run at the next boot.
      . /etc/liftshift/first-boot.env 2>/dev/null
      state=/var/lib/liftshift/first-boot
      mkdir -p "$state/done"
      say() {
        for c in /dev/ttyS0 /dev/console; do
          if [ -w "$c" ]; then echo "$*" > "$c"; break; fi
        done
      }
      if [ ! -e "$state/reported" ]; then
        ip=""
        i=0
        while [ "$i" -lt 90 ]; do
          ip=$(hostname -I 2>/dev/null | cut -d' ' -f1)
          [ -n "$ip" ] && break
          i=$((i + 1))
          sleep 1
        done
        say "%s job=${LIFTSHIFT_JOB_ID:-none} hostname=$(hostname) ip=${ip:-none}"
        touch "$state/reported"
      fi
      for a in /etc/liftshift/post-launch.d/*; do
        [ -x "$a" ] || continue
        id=$(basename "$a")
        [ -e "$state/done/$id" ] && continue
        touch "$state/done/$id"
        echo "== $id $(date -u +%%FT%%TZ)" >>/var/log/liftshift-post-launch.log
        t=$(cat "/etc/liftshift/post-launch.timeout/$id" 2>/dev/null || echo 600)
        # SIGTERM at the timeout, SIGKILL 30 s later for a script that ignores it.
        timeout -k 30 "$t" "$a" >>/var/log/liftshift-post-launch.log 2>&1 </dev/null
        rc=$?
        if [ "$rc" -eq 0 ]; then
          say "liftshift-post-launch: $id SUCCEEDED"
        elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
          say "liftshift-post-launch: $id TIMED_OUT"
        else
          say "liftshift-post-launch: $id FAILED exit=$rc"
        fi
      done
      rm -f /etc/systemd/system/multi-user.target.wants/liftshift-first-boot.service
      exit 0
      """
          .formatted(MARKER);

  // Type=simple: the boot does not wait for the actions (each has its own timeout), so neither
  // reaching multi-user nor systemd's start timeout depends on how long they take.
  static final String FIRST_BOOT_UNIT =
      """
      # Written by liftshift's converter: reports the first boot on the target, once.
      [Unit]
      Description=liftshift first boot on the target
      Wants=network-online.target
      After=network-online.target

      [Service]
      Type=simple
      ExecStart=/usr/local/sbin/liftshift-first-boot

      [Install]
      WantedBy=multi-user.target
      """;

  /** The unit, its script and the actions, or one skip for a guest without systemd. */
  List<ConversionStep> steps() throws IOException {
    List<ConversionStep> steps = new ArrayList<>();
    if (!guest.exists("/etc/systemd/system")) {
      steps.add(
          new Skip(
              "first-boot",
              "first-boot unit",
              "the guest has no systemd: the launch cannot see it boot (firstBoot UNKNOWN)"));
      return steps;
    }
    steps.add(
        new WriteFile(
            "first-boot",
            "/etc/liftshift/first-boot.env",
            "LIFTSHIFT_JOB_ID=" + jobId.replaceAll("[^A-Za-z0-9-]", "") + "\n",
            "0644",
            "which launch this boot reports for"));
    for (PostLaunchAction a : postLaunch) {
      // Run in the order of their ids, each under its own timeout.
      steps.add(
          new WriteFile(
              "first-boot",
              "/etc/liftshift/post-launch.d/" + a.id(),
              a.script(),
              "0755",
              "post-launch action " + a.name()));
      steps.add(
          new WriteFile(
              "first-boot",
              "/etc/liftshift/post-launch.timeout/" + a.id(),
              a.timeoutSeconds() + "\n",
              "0644",
              "post-launch action " + a.name() + " may run " + a.timeoutSeconds() + " s"));
    }
    steps.add(
        new WriteFile(
            "first-boot",
            "/usr/local/sbin/liftshift-first-boot",
            FIRST_BOOT_SCRIPT,
            "0755",
            "reports the first boot on the serial console and runs the post-launch actions"));
    steps.add(
        new WriteFile(
            "first-boot",
            "/etc/systemd/system/liftshift-first-boot.service",
            FIRST_BOOT_UNIT,
            "0644",
            "a one-shot unit after the network is online"));
    steps.add(
        new Symlink(
            "first-boot",
            "/etc/systemd/system/multi-user.target.wants/liftshift-first-boot.service",
            "/etc/systemd/system/liftshift-first-boot.service",
            "enabled as systemctl enable would, without running the guest's systemctl"));
    return steps;
  }
}
