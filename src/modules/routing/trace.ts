import type { FiredRule } from './eligibility.js';
import type { PlanOption, PlanSummary } from './ranking.js';
import type { RoutingCandidate, RoutingInput } from './routing-input.js';
import type { RoutingAction, Strategy } from './rules.js';

/** The trace that explains a routing decision: stored on the order and served by simulate. Pure. */

export interface CandidateTrace {
  location: string;
  eligible: boolean;
  reasons: string[];
  distance_km: number | null;
  available: Record<string, number>;
}

export interface RoutingTrace {
  rule_set: { scope: string; version: number };
  rule: { index: number | null; name: string };
  ranking: Strategy[];
  split: RoutingAction['split'];
  candidates: CandidateTrace[];
  plans: PlanSummary[];
  chosen: PlanSummary | null;
  why: string;
  review?: { reason: string; chosen_cost: number; cheapest_cost: number };
}

export function traceOf(
  input: RoutingInput,
  rule: FiredRule,
  traced: Array<{ candidate: RoutingCandidate; reasons: string[] }>,
  plans: { complete: PlanOption[]; partial: PlanOption[]; chosen: PlanOption | undefined; eligible: number },
): RoutingTrace {
  const productIds = [...new Set(input.demand.map((line) => line.productId))];
  const skuOf = (productId: number) => input.skus.get(productId) ?? String(productId);
  const { complete, partial, chosen } = plans;
  return {
    rule_set: { scope: input.ruleSet.scope, version: input.ruleSet.version },
    rule: { index: rule.index, name: rule.name },
    ranking: rule.action.ranking,
    split: rule.action.split,
    candidates: traced.map(({ candidate, reasons }) => ({
      location: candidate.code,
      eligible: reasons.length === 0,
      reasons,
      distance_km: candidate.distanceKm === null ? null : Math.round(candidate.distanceKm * 10) / 10,
      available: Object.fromEntries(productIds.map((id) => [skuOf(id), candidate.available.get(id) ?? 0])),
    })),
    plans: [...complete, ...partial].slice(0, 10).map((c) => c.summary),
    chosen: chosen?.summary ?? null,
    why: explain(chosen, complete, rule.action.ranking, plans.eligible, input.allowPartial),
  };
}

/** Why the winner won: the first ranking strategy that separates it from the runner-up. */
function explain(
  chosen: PlanOption | undefined,
  complete: PlanOption[],
  ranking: Strategy[],
  eligible: number,
  allowPartial: boolean,
): string {
  if (!chosen) {
    return eligible === 0
      ? 'no location is eligible for this order'
      : 'no eligible location has any of the stock';
  }
  const name = chosen.summary.locations.join(' + ');
  if (!chosen.summary.complete) {
    return `nothing covers every line; ${name} covers the most (${chosen.summary.units} units)${allowPartial ? '' : ', but the channel does not backorder'}`;
  }
  const runnerUp = complete[1];
  if (!runnerUp) {
    return `${name} is the only plan that ships everything`;
  }
  const describe: Record<Strategy, (c: PlanOption) => string> = {
    min_splits: (c) => `${c.summary.shipments} shipment${c.summary.shipments === 1 ? '' : 's'}`,
    nearest: (c) => `${c.summary.distance_km ?? 'unknown'} km`,
    lowest_cost: (c) => `cost ${c.summary.cost ?? 'unknown'}`,
    fastest: (c) => `${c.summary.transit_days ?? 'unknown'} transit days`,
    location_priority: (c) => `priority ${c.summary.lowest_priority}`,
    most_stock: (c) => `${c.summary.stock} units in stock`,
  };
  const decisive = ranking.find((strategy) => chosen.metrics[strategy] !== runnerUp.metrics[strategy]);
  return decisive
    ? `${name} over ${runnerUp.summary.locations.join(' + ')} by ${decisive.replace('_', ' ')}: ${describe[decisive](chosen)} against ${describe[decisive](runnerUp)}`
    : `${name} ties ${runnerUp.summary.locations.join(' + ')} on every strategy; the location code decides`;
}
