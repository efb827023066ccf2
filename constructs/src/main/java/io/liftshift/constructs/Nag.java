package io.liftshift.constructs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnResource;
import software.constructs.IConstruct;

/**
 * cdk-nag suppressions, written as the {@code cdk_nag} metadata cdk-nag reads, so that the
 * construct library needs cdk-nag only in its tests while each suppression stays beside its cause.
 */
final class Nag {
  private Nag() {}

  /**
   * Suppresses a rule on every CloudFormation resource at or under {@code scope}.
   *
   * @param appliesTo the findings it covers (such as {@code Resource::*}); empty for all
   */
  @SuppressWarnings("unchecked")
  static void suppress(
      IConstruct scope, String ruleId, String reason, List<? extends Object> appliesTo) {
    for (IConstruct c : scope.getNode().findAll()) {
      if (c instanceof CfnResource r) {
        Object existing = r.getMetadata("cdk_nag");
        Map<String, Object> meta = new LinkedHashMap<>();
        List<Object> rules = new ArrayList<>();
        if (existing instanceof Map<?, ?> m && m.get("rules_to_suppress") instanceof List<?> l) {
          rules.addAll((List<Object>) l);
        }
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("id", ruleId);
        rule.put("reason", reason);
        if (!appliesTo.isEmpty()) {
          rule.put("applies_to", appliesTo);
        }
        rules.add(rule);
        meta.put("rules_to_suppress", rules);
        r.addMetadata("cdk_nag", meta);
      }
    }
  }

  /** A finding pattern, for findings that name generated logical ids. */
  static Map<String, String> regex(String pattern) {
    return Map.of("regex", pattern);
  }

  static void suppress(IConstruct scope, String ruleId, String reason) {
    suppress(scope, ruleId, reason, List.of());
  }
}
