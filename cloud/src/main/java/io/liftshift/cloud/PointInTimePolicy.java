package io.liftshift.cloud;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * When to take point-in-time snapshots and which to keep: AWS's PITPolicy (a list of PITPolicyRule:
 * units MINUTE|HOUR|DAY, interval, retentionDuration, enabled). A snapshot is kept while some
 * enabled rule still retains it: it is the newest snapshot of one of that rule's interval slots
 * within the rule's retention.
 */
public record PointInTimePolicy(List<Rule> rules) {
  /** One PITPolicyRule. */
  public record Rule(int ruleId, Unit units, int interval, int retentionDuration, boolean enabled) {
    public Rule {
      if (interval <= 0 || retentionDuration <= 0) {
        throw new IllegalArgumentException(
            "rule " + ruleId + ": interval and retentionDuration must be positive");
      }
    }

    Duration intervalDuration() {
      return units.duration.multipliedBy(interval);
    }

    Duration retention() {
      return units.duration.multipliedBy(retentionDuration);
    }
  }

  /** PITPolicyRuleUnits. */
  public enum Unit {
    MINUTE(Duration.ofMinutes(1)),
    HOUR(Duration.ofHours(1)),
    DAY(Duration.ofDays(1));

    final Duration duration;

    Unit(Duration d) {
      this.duration = d;
    }
  }

  public PointInTimePolicy {
    rules = List.copyOf(rules);
    if (rules.stream().noneMatch(Rule::enabled)) {
      throw new IllegalArgumentException("a point-in-time policy needs at least one enabled rule");
    }
  }

  /**
   * A policy from rules in AWS's PITPolicyRule shape ({@code ruleID, units, interval,
   * retentionDuration, enabled}), as parsed JSON: a list of maps from any JSON library.
   *
   * @throws IllegalArgumentException naming the rule and member that is wrong
   */
  public static PointInTimePolicy fromRules(List<?> rules) {
    if (rules.isEmpty()) {
      throw new IllegalArgumentException("pitPolicy needs at least one rule");
    }
    List<Rule> out = new java.util.ArrayList<>();
    java.util.Set<Integer> ids = new java.util.HashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      if (!(rules.get(i) instanceof java.util.Map<?, ?> m)) {
        throw new IllegalArgumentException("pitPolicy[" + i + "] must be an object");
      }
      int ruleId = number(m, "ruleID", i, ids.size() + 1);
      Object units = m.get("units");
      Unit unit;
      try {
        unit = Unit.valueOf(String.valueOf(units));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "pitPolicy[" + i + "].units must be MINUTE, HOUR or DAY, not " + units);
      }
      if (!ids.add(ruleId)) {
        throw new IllegalArgumentException(
            "pitPolicy[" + i + "].ruleID " + ruleId + " is repeated");
      }
      Object enabled = m.containsKey("enabled") ? m.get("enabled") : Boolean.TRUE;
      if (!(enabled instanceof Boolean)) {
        throw new IllegalArgumentException("pitPolicy[" + i + "].enabled must be true or false");
      }
      out.add(
          new Rule(
              ruleId,
              unit,
              number(m, "interval", i, -1),
              number(m, "retentionDuration", i, -1),
              (Boolean) enabled));
    }
    return new PointInTimePolicy(out);
  }

  private static int number(java.util.Map<?, ?> m, String name, int i, int dflt) {
    Object v = m.get(name);
    if (v == null && dflt >= 0) {
      return dflt;
    }
    if (!(v instanceof Number n) || n.longValue() <= 0 || n.longValue() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "pitPolicy[" + i + "]." + name + " must be a positive whole number, not " + v);
    }
    return n.intValue();
  }

  /** The rules in PITPolicyRule's JSON shape: the inverse of {@link #fromRules}. */
  public List<java.util.Map<String, Object>> toRules() {
    return rules.stream()
        .map(
            r ->
                java.util.Map.<String, Object>of(
                    "ruleID", r.ruleId(),
                    "units", r.units().name(),
                    "interval", r.interval(),
                    "retentionDuration", r.retentionDuration(),
                    "enabled", r.enabled()))
        .toList();
  }

  /** Every 10 minutes for the last hour, hourly for a day, daily for 7 days (AWS's default). */
  public static PointInTimePolicy defaults() {
    return new PointInTimePolicy(
        List.of(
            new Rule(1, Unit.MINUTE, 10, 60, true),
            new Rule(2, Unit.HOUR, 1, 24, true),
            new Rule(3, Unit.DAY, 1, 7, true)));
  }

  /** How often snapshots are due: the shortest enabled interval. */
  public Duration snapshotInterval() {
    return rules.stream()
        .filter(Rule::enabled)
        .map(Rule::intervalDuration)
        .min(Duration::compareTo)
        .orElseThrow();
  }

  /**
   * Which of the snapshots (their times) the rules keep at {@code now}. The newest snapshot is
   * always kept: it is the base of the next one and the freshest launch point.
   */
  public Set<Instant> keep(List<Instant> taken, Instant now) {
    Set<Instant> keep = new HashSet<>();
    if (taken.isEmpty()) {
      return keep;
    }
    List<Instant> sorted = new ArrayList<>(taken);
    sorted.sort(null);
    keep.add(sorted.get(sorted.size() - 1));
    for (Rule r : rules) {
      if (!r.enabled()) {
        continue;
      }
      long slotMillis = r.intervalDuration().toMillis();
      Instant oldest = now.minus(r.retention());
      long lastSlot = Long.MIN_VALUE;
      // Newest first: the first snapshot seen in each slot is that slot's newest.
      for (int i = sorted.size() - 1; i >= 0; i--) {
        Instant t = sorted.get(i);
        if (t.isBefore(oldest) || t.isAfter(now)) {
          continue;
        }
        long slot = Math.floorDiv(t.toEpochMilli(), slotMillis);
        if (slot != lastSlot) {
          keep.add(t);
          lastSlot = slot;
        }
      }
    }
    return keep;
  }
}
