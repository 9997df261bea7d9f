import jsonLogic from 'json-logic-js';
import type { RoutingCandidate } from './routing-input.js';
import type { Eligibility, RoutingAction, RoutingFacts, RuleSet } from './rules.js';

export interface FiredRule {
  /** Null for the fallback. */
  index: number | null;
  name: string;
  action: RoutingAction;
}

/** The rule that fires: the first whose condition holds, else the fallback. */
export function pickRule(ruleSet: RuleSet, facts: RoutingFacts): FiredRule {
  const index = ruleSet.body.rules.findIndex((rule) => {
    try {
      return Boolean(jsonLogic.apply(rule.condition as jsonLogic.RulesLogic, facts));
    } catch {
      return false;
    }
  });
  const rule = ruleSet.body.rules[index];
  return rule
    ? { index, name: rule.name, action: rule.action }
    : { index: null, name: 'fallback', action: ruleSet.body.fallback };
}

/** Why a candidate may not ship this order; empty when it may. */
export function ineligibility(
  candidate: RoutingCandidate,
  rules: Eligibility,
  facts: RoutingFacts,
): string[] {
  const reasons: string[] = [];
  if (rules.kinds && !rules.kinds.includes(candidate.kind)) {
    reasons.push(`kind ${candidate.kind} is not one of ${rules.kinds.join(', ')}`);
  }
  const missing = (rules.tags ?? []).filter((tag) => !candidate.tags.includes(tag));
  if (missing.length > 0) {
    reasons.push(`lacks tag ${missing.join(', ')}`);
  }
  if (rules.include && !rules.include.includes(candidate.code)) {
    reasons.push('not among the included locations');
  }
  if (rules.exclude?.includes(candidate.code)) {
    reasons.push('excluded by the rule');
  }
  if (rules.max_distance_km !== undefined) {
    if (candidate.distanceKm === null) {
      reasons.push('distance to the destination is unknown');
    } else if (candidate.distanceKm > rules.max_distance_km) {
      reasons.push(`${Math.round(candidate.distanceKm)} km away, beyond ${rules.max_distance_km} km`);
    }
  }
  if (rules.same_country && candidate.country !== facts.destination_country) {
    reasons.push(`in ${candidate.country ?? 'an unknown country'}, not ${facts.destination_country}`);
  }
  if (candidate.staleFeed !== null) {
    reasons.push(candidate.staleFeed);
  }
  if (candidate.ordersLeft !== null && candidate.ordersLeft <= 0) {
    reasons.push(`at its daily order capacity until ${candidate.nextDay}`);
  } else if (candidate.unitsLeft !== null && candidate.unitsLeft <= 0) {
    reasons.push(`at its daily unit capacity until ${candidate.nextDay}`);
  }
  return reasons;
}
