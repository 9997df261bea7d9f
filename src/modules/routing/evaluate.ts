import type { Plan } from '../allocation/index.js';
import { ineligibility, pickRule } from './eligibility.js';
import { rankedPlans } from './plans.js';
import { measures, type PlanOption } from './ranking.js';
import type { RoutingInput } from './routing-input.js';
import { type RoutingTrace, traceOf } from './trace.js';

/**
 * The routing evaluator: a pure function from an order's facts, the candidate locations (with the
 * stock locked for it, distances, capacity and carrier quotes) and the channel's rule set, to a plan
 * (which location ships how much of each line) and a trace that explains the decision.
 */

export interface RoutingDecision {
  plan: Plan;
  trace: RoutingTrace;
  /** Set when the cost review stops the decision: a person must look at it. */
  review?: NonNullable<RoutingTrace['review']>;
}

export function evaluateRouting(input: RoutingInput): RoutingDecision {
  const { facts, demand, candidates } = input;
  const rule = pickRule(input.ruleSet, facts);
  const traced = candidates.map((candidate) => ({
    candidate,
    reasons: ineligibility(candidate, rule.action.eligible ?? {}, facts),
  }));
  const eligible = traced.filter((t) => t.reasons.length === 0).map((t) => t.candidate);
  const { complete, partial } = rankedPlans(measures(input), demand, rule.action, eligible);
  const chosen = complete[0] ?? partial[0];
  const trace = traceOf(input, rule, traced, { complete, partial, chosen, eligible: eligible.length });
  if (!chosen) {
    return { plan: { allocations: [], unfilled: demand.map((line) => ({ ...line })) }, trace };
  }
  const review = costReview(input, rule.action.cost_review_threshold, chosen, complete);
  if (review) {
    return { plan: { allocations: [], unfilled: [] }, trace: { ...trace, review }, review };
  }
  return { plan: chosen.plan, trace };
}

/** A complete plan costing more than the threshold above the cheapest feasible one goes to a person. */
function costReview(
  input: RoutingInput,
  threshold: number | null | undefined,
  chosen: PlanOption,
  complete: PlanOption[],
): RoutingDecision['review'] {
  const cheapestCost = Math.min(...complete.map((c) => c.metrics.lowest_cost));
  const applies =
    threshold !== undefined &&
    threshold !== null &&
    !input.skipCostReview &&
    chosen.summary.complete &&
    Number.isFinite(chosen.metrics.lowest_cost) &&
    chosen.metrics.lowest_cost - cheapestCost > threshold;
  if (!applies) {
    return undefined;
  }
  return {
    reason: `the chosen plan costs ${chosen.metrics.lowest_cost}, more than ${threshold} above the cheapest feasible plan (${cheapestCost})`,
    chosen_cost: chosen.metrics.lowest_cost,
    cheapest_cost: cheapestCost,
  };
}
