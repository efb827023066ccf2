package io.liftshift.converter.apply;

import io.liftshift.converter.plan.ConversionPlan;
import io.liftshift.converter.plan.ConversionStep;
import io.liftshift.converter.plan.GuestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Carries out a plan on the guest's mounted root, step by step, and records each outcome. The first
 * failed step stops the conversion: the rest is reported NOT_RUN, and the launch fails with the
 * reason (the volumes are the launch's own copies; the snapshot is never touched).
 */
public final class PlanApplier {
  private static final Logger LOG = Logger.getLogger(PlanApplier.class.getName());

  /** Longest a chroot command (an initramfs rebuild) may take. */
  public static final long DEFAULT_CHROOT_TIMEOUT_SECONDS = 900;

  private final GuestFiles guest;
  private final ChrootRunner chroot;

  public PlanApplier(GuestFiles guest, ChrootRunner chroot) {
    this.guest = guest;
    this.chroot = chroot;
  }

  /** Runs commands inside the guest's root. */
  public interface ChrootRunner {
    /** Runs {@code command} in the guest; returns its output, throws with it when it fails. */
    String run(Path root, List<String> command) throws IOException;
  }

  public ConversionReport apply(ConversionPlan plan) {
    long start = System.nanoTime();
    List<ConversionReport.StepOutcome> out = new ArrayList<>();
    String failure = null;
    for (ConversionStep step : plan.steps()) {
      if (failure != null) {
        out.add(new ConversionReport.StepOutcome(step, "NOT_RUN", "an earlier step failed", 0));
        continue;
      }
      long t = System.nanoTime();
      try {
        String detail = apply(step);
        out.add(
            new ConversionReport.StepOutcome(
                step,
                step instanceof ConversionStep.Skip ? "SKIPPED" : "DONE",
                detail,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t)));
      } catch (IOException | RuntimeException e) {
        failure = step.area() + ": " + e.getMessage();
        LOG.warning("conversion step failed: " + failure);
        out.add(
            new ConversionReport.StepOutcome(
                step,
                "FAILED",
                e.getMessage(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t)));
      }
    }
    return new ConversionReport(
        failure == null ? "SUCCEEDED" : "FAILED",
        failure == null ? "" : failure,
        plan.guest(),
        out,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  private String apply(ConversionStep step) throws IOException {
    if (step instanceof ConversionStep.EditFile e) {
      Path p = guest.resolve(e.path());
      String now = Files.readString(p, StandardCharsets.ISO_8859_1);
      if (!now.equals(e.before())) {
        throw new IOException(e.path() + " changed since the plan was made");
      }
      writeAtomically(p, e.after(), null);
      return "";
    }
    if (step instanceof ConversionStep.WriteFile w) {
      Path p = guest.resolve(w.path());
      Files.createDirectories(p.getParent());
      writeAtomically(p, w.content(), w.mode());
      return "";
    }
    if (step instanceof ConversionStep.RemoveFile r) {
      int slash = r.path().lastIndexOf('/');
      Path p = guest.resolve(r.path().substring(0, slash)).resolve(r.path().substring(slash + 1));
      Files.deleteIfExists(p);
      return "";
    }
    if (step instanceof ConversionStep.RemoveTree t) {
      return removeTree(t.path());
    }
    if (step instanceof ConversionStep.Symlink l) {
      int slash = l.path().lastIndexOf('/');
      Path dir = Files.createDirectories(guest.resolve(l.path().substring(0, slash)));
      Path link = dir.resolve(l.path().substring(slash + 1));
      if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        Files.delete(link);
      }
      Files.createSymbolicLink(link, Path.of(l.target()));
      return "";
    }
    if (step instanceof ConversionStep.RunInChroot c) {
      String output = chroot.run(guest.root(), c.command());
      return output.length() > 4000 ? output.substring(output.length() - 4000) : output;
    }
    return step.why();
  }

  /**
   * The tree's last component is not followed (a symlink there is removed as a link), nor is any
   * link inside it: the walk stays in the guest's tree and never reaches this machine's files.
   */
  private String removeTree(String guestPath) throws IOException {
    int slash = guestPath.lastIndexOf('/');
    String name = guestPath.substring(slash + 1);
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw new IOException("refusing to remove '" + guestPath + "': not a named directory");
    }
    Path p = guest.resolve(guestPath.substring(0, Math.max(slash, 0))).resolve(name);
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return "absent";
    }
    long[] removed = {0};
    Files.walkFileTree(
        p,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            removed[0]++;
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(d);
            removed[0]++;
            return FileVisitResult.CONTINUE;
          }
        });
    return "removed " + removed[0] + " entries";
  }

  /** Same owner and mode as the file it replaces (or {@code mode}); renamed into place. */
  private static void writeAtomically(Path p, String content, String mode) throws IOException {
    Path tmp = p.resolveSibling("." + p.getFileName() + ".liftshift-tmp");
    Files.writeString(tmp, content, StandardCharsets.ISO_8859_1);
    if (mode != null) {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(rwx(mode)));
    } else if (Files.exists(p)) {
      Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(p));
      Files.setOwner(tmp, Files.getOwner(p));
    }
    try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String rwx(String octal) {
    String bits = octal.length() > 3 ? octal.substring(octal.length() - 3) : octal;
    StringBuilder b = new StringBuilder();
    for (char c : bits.toCharArray()) {
      int v = c - '0';
      b.append((v & 4) != 0 ? 'r' : '-')
          .append((v & 2) != 0 ? 'w' : '-')
          .append((v & 1) != 0 ? 'x' : '-');
    }
    return b.toString();
  }
}
