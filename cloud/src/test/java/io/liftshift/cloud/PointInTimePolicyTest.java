package io.liftshift.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A retention walk under a simulated clock keeps exactly what the rules name. */
class PointInTimePolicyTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  @Test
  void defaultRulesAreAwsPitDefaults() {
    PointInTimePolicy p = PointInTimePolicy.defaults();
    assertThat(p.snapshotInterval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(p.rules())
        .extracting(r -> r.units() + "/" + r.interval() + "/" + r.retentionDuration())
        .containsExactly("MINUTE/10/60", "HOUR/1/24", "DAY/1/7");
  }

  @Test
  void aTenDayWalkKeepsTheLastHourEveryTenMinutesTheDayHourlyAndTheWeekDaily() {
    PointInTimePolicy p = PointInTimePolicy.defaults();
    List<Instant> kept = new ArrayList<>();
    Instant now = T0;
    // A snapshot every 10 minutes for 10 days; after each, prune as the replicator does.
    for (int i = 0; i < 6 * 24 * 10; i++) {
      now = T0.plus(Duration.ofMinutes(10L * i));
      kept.add(now);
      Set<Instant> keep = p.keep(kept, now);
      kept.removeIf(t -> !keep.contains(t));
    }
    TreeSet<Instant> expected = new TreeSet<>();
    Instant end = now;
    // Last hour: every 10-minute slot within 60 minutes.
    for (int m = 0; m <= 50; m += 10) {
      expected.add(end.minus(Duration.ofMinutes(m)));
    }
    // Last day: the newest snapshot of each hour slot (xx:50) within 24 h.
    for (int h = 0; h < 24; h++) {
      Instant slotEnd =
          end.truncatedTo(java.time.temporal.ChronoUnit.HOURS).minus(Duration.ofHours(h));
      Instant newest = slotEnd.plus(Duration.ofMinutes(50));
      if (!newest.isAfter(end) && !newest.isBefore(end.minus(Duration.ofHours(24)))) {
        expected.add(newest);
      }
    }
    // Last week: the newest of each day slot (23:50) within 7 days.
    for (int d = 0; d < 8; d++) {
      Instant newest =
          end.truncatedTo(java.time.temporal.ChronoUnit.DAYS)
              .minus(Duration.ofDays(d))
              .plus(Duration.ofHours(23))
              .plus(Duration.ofMinutes(50));
      if (!newest.isAfter(end) && !newest.isBefore(end.minus(Duration.ofDays(7)))) {
        expected.add(newest);
      }
    }
    assertThat(new TreeSet<>(kept)).isEqualTo(expected);
  }

  @Test
  void theNewestSnapshotIsAlwaysKeptAndDisabledRulesKeepNothing() {
    PointInTimePolicy p =
        new PointInTimePolicy(
            List.of(
                new PointInTimePolicy.Rule(1, PointInTimePolicy.Unit.MINUTE, 5, 10, true),
                new PointInTimePolicy.Rule(2, PointInTimePolicy.Unit.DAY, 1, 30, false)));
    Instant old = T0.minus(Duration.ofDays(3));
    assertThat(p.keep(List.of(old), T0)).containsExactly(old);
    assertThat(p.keep(List.of(old, T0.minus(Duration.ofDays(2))), T0))
        .containsExactly(T0.minus(Duration.ofDays(2)));
  }
}
