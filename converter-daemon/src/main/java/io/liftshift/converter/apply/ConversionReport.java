package io.liftshift.converter.apply;

import io.liftshift.converter.plan.ConversionStep;
import io.liftshift.converter.plan.GuestFacts;
import java.util.List;

/**
 * What a conversion did: the guest it found, then every step of the plan with its outcome (DONE,
 * SKIPPED with the plan's reason, FAILED with the error, or NOT_RUN after a failure).
 *
 * @param status SUCCEEDED or FAILED
 * @param reason why it failed (the job's CONVERSION_FAIL reason), or empty
 */
public record ConversionReport(
    String status, String reason, GuestFacts guest, List<StepOutcome> steps, long elapsedMillis) {
  public ConversionReport {
    steps = List.copyOf(steps);
  }

  /** One step and what came of it. */
  public record StepOutcome(ConversionStep step, String outcome, String detail, long millis) {}

  public static ConversionReport failed(String reason, GuestFacts guest, long elapsedMillis) {
    return new ConversionReport("FAILED", reason, guest, List.of(), elapsedMillis);
  }

  public boolean succeeded() {
    return status.equals("SUCCEEDED");
  }
}
