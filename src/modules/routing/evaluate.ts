import jsonLogic from 'json-logic-js';
import type { Demand, Plan, PlannedAllocation } from '../allocation/index.js';
import type { Eligibility, RoutingAction, RoutingFacts, RuleSet, Strategy } from './rules.js';

/**
 * The routing evaluator: a pure function from an order's facts, the candidate locations (with the
 * stock locked for it, distances, capacity and carrier quotes) and the channel's rule set, to a plan
 * (which location ships how much of each line) and a trace that explains the decision.
 */

export interface RoutingCandidate {
  locationId: number;
  code: string;
  kind: 'warehouse' | 'store' | 'dropship';
  tags: string[];
  priority: number;
  country: string | null;
  /** Great-circle km to the destination; null when either place is unknown. */
  distanceKm: number | null;
  /** What the channel may sell here now, by product id. */
  available: ReadonlyMap<number, number>;
  /** Room left today; null is unlimited. */
  ordersLeft: number | null;
  unitsLeft: number | null;
  /** The location's next local day, when a full location takes orders again. */
  nextDay: string;
}

export interface ShipmentQuote {
  carrier: string;
  service: string;
  price: number;
  transitDays: number;
}

export interface RoutingInput {
  facts: RoutingFacts;
  demand: Demand[];
  skus: ReadonlyMap<number, string>;
  /** Grams per unit, by product id (0 when unknown). */
  weights: ReadonlyMap<number, number>;
  candidates: RoutingCandidate[];
  /** The carrier services able to take a shipment of this weight from this candidate. */
  quotes: (candidate: RoutingCandidate, weightGrams: number) => ShipmentQuote[];
  ruleSet: RuleSet;
  /** The channel backorders: the best partial plan is reserved when nothing covers every line. */
  allowPartial: boolean;
  /** A person accepted the decision: no cost review. */
  skipCostReview?: boolean;
}

export interface PlanSummary {
  locations: string[];
  shipments: number;
  units: number;
  complete: boolean;
  distance_km: number | null;
  cost: number | null;
  transit_days: number | null;
  lowest_priority: number;
  stock: number;
}

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

export interface RoutingDecision {
  plan: Plan;
  trace: RoutingTrace;
  /** Set when the cost review stops the decision: a person must look at it. */
  review?: NonNullable<RoutingTrace['review']>;
}

interface Candidate {
  plan: Plan;
  used: RoutingCandidate[];
  summary: PlanSummary;
  metrics: Record<Strategy, number>;
}

/** The rule that fires: the first whose condition holds, else the fallback. */
function pickRule(
  ruleSet: RuleSet,
  facts: RoutingFacts,
): { index: number | null; name: string; action: RoutingAction } {
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
function ineligibility(candidate: RoutingCandidate, rules: Eligibility, facts: RoutingFacts): string[] {
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
  if (candidate.ordersLeft !== null && candidate.ordersLeft <= 0) {
    reasons.push(`at its daily order capacity until ${candidate.nextDay}`);
  } else if (candidate.unitsLeft !== null && candidate.unitsLeft <= 0) {
    reasons.push(`at its daily unit capacity until ${candidate.nextDay}`);
  }
  return reasons;
}

/** Fills the demand from these locations in order, within their stock and unit capacity. */
function fill(demand: Demand[], locations: RoutingCandidate[]): Plan {
  const stock = new Map(locations.map((l) => [l.locationId, new Map(l.available)]));
  const room = new Map(locations.map((l) => [l.locationId, l.unitsLeft ?? Number.POSITIVE_INFINITY]));
  const allocations: PlannedAllocation[] = [];
  const unfilled: Plan['unfilled'] = [];
  for (const line of demand) {
    let missing = line.quantity;
    for (const location of locations) {
      const here = stock.get(location.locationId);
      const take = Math.min(missing, here?.get(line.productId) ?? 0, room.get(location.locationId) ?? 0);
      if (take > 0) {
        here?.set(line.productId, (here.get(line.productId) ?? 0) - take);
        room.set(location.locationId, (room.get(location.locationId) ?? 0) - take);
        const same = allocations.find((a) => a.key === line.key && a.locationId === location.locationId);
        if (same) {
          same.quantity += take;
        } else {
          allocations.push({
            key: line.key,
            productId: line.productId,
            locationId: location.locationId,
            quantity: take,
          });
        }
        missing -= take;
      }
    }
    if (missing > 0) {
      unfilled.push({ key: line.key, productId: line.productId, quantity: missing });
    }
  }
  return { allocations, unfilled };
}

function combinations<T>(items: T[], size: number): T[][] {
  if (size === 0) {
    return [[]];
  }
  return items.flatMap((item, i) =>
    combinations(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]),
  );
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Candidates considered for splits, at most this many (the best by the ranking), to bound the search. */
const maxSplitCandidates = 10;

export function evaluateRouting(input: RoutingInput): RoutingDecision {
  const { facts, demand, candidates, ruleSet } = input;
  const rule = pickRule(ruleSet, facts);
  const { action } = rule;
  const productIds = [...new Set(demand.map((line) => line.productId))];
  const skuOf = (productId: number) => input.skus.get(productId) ?? String(productId);

  const traced = candidates.map((candidate) => ({
    candidate,
    reasons: ineligibility(candidate, action.eligible ?? {}, facts),
  }));
  const eligible = traced.filter((t) => t.reasons.length === 0).map((t) => t.candidate);

  const cheapest = (candidate: RoutingCandidate, grams: number) => {
    const quotes = input.quotes(candidate, grams);
    return {
      price: quotes.length ? Math.min(...quotes.map((q) => q.price)) : Number.POSITIVE_INFINITY,
      days: quotes.length ? Math.min(...quotes.map((q) => q.transitDays)) : Number.POSITIVE_INFINITY,
    };
  };
  const demandWeight = sum(demand.map((line) => line.quantity * (input.weights.get(line.productId) ?? 0)));
  const stockFor = (candidate: RoutingCandidate) =>
    sum(productIds.map((id) => candidate.available.get(id) ?? 0));

  // How one location compares with another under the ranking, to order the fill within a split.
  const locationMetric = (candidate: RoutingCandidate, strategy: Strategy): number => {
    switch (strategy) {
      case 'nearest':
        return candidate.distanceKm ?? Number.POSITIVE_INFINITY;
      case 'lowest_cost':
        return cheapest(candidate, demandWeight).price;
      case 'fastest':
        return cheapest(candidate, demandWeight).days;
      case 'location_priority':
        return -candidate.priority;
      case 'most_stock':
        return -stockFor(candidate);
      case 'min_splits':
        return 0;
    }
  };
  const byLocationRanking = (a: RoutingCandidate, b: RoutingCandidate) => {
    for (const strategy of action.ranking) {
      const difference = locationMetric(a, strategy) - locationMetric(b, strategy);
      if (difference !== 0 && !Number.isNaN(difference)) {
        return difference;
      }
    }
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  };

  const summarize = (plan: Plan, used: RoutingCandidate[]): Candidate => {
    const shipments = used.map((location) => {
      const grams = sum(
        plan.allocations
          .filter((a) => a.locationId === location.locationId)
          .map((a) => a.quantity * (input.weights.get(a.productId) ?? 0)),
      );
      return { location, ...cheapest(location, grams) };
    });
    const distance = sum(used.map((l) => l.distanceKm ?? Number.POSITIVE_INFINITY));
    const cost = sum(shipments.map((s) => s.price));
    const days = Math.max(...shipments.map((s) => s.days));
    const lowestPriority = Math.min(...used.map((l) => l.priority));
    const stock = sum(used.map(stockFor));
    const units = sum(plan.allocations.map((a) => a.quantity));
    const finite = (value: number) => (Number.isFinite(value) ? value : null);
    return {
      plan,
      used,
      summary: {
        locations: used.map((l) => l.code),
        shipments: used.length,
        units,
        complete: plan.unfilled.length === 0,
        distance_km: finite(Math.round(distance * 10) / 10),
        cost: finite(cost),
        transit_days: finite(days),
        lowest_priority: lowestPriority,
        stock,
      },
      metrics: {
        min_splits: used.length,
        nearest: distance,
        lowest_cost: cost,
        fastest: days,
        location_priority: -lowestPriority,
        most_stock: -stock,
      },
    };
  };

  // A location that ships nothing in a plan makes it the same as a smaller plan: drop those.
  const usedOnly = (plan: Plan, locations: RoutingCandidate[]) =>
    locations.filter((l) => plan.allocations.some((a) => a.locationId === l.locationId));

  const singles = eligible.map((location) => summarize(fill(demand, [location]), [location]));
  const completeSingles = singles.filter((c) => c.summary.complete);
  const maxShipments = action.split.policy === 'allowed' ? action.split.max_shipments : 1;
  const trySplits = maxShipments > 1 && (completeSingles.length === 0 || action.ranking[0] !== 'min_splits');
  const splitPool = [...eligible].sort(byLocationRanking).slice(0, maxSplitCandidates);
  const splits = trySplits
    ? Array.from({ length: maxShipments - 1 }, (_, i) => i + 2).flatMap((size) =>
        combinations(splitPool, size).flatMap((combo) => {
          const ordered = [...combo].sort(byLocationRanking);
          const plan = fill(demand, ordered);
          const used = usedOnly(plan, ordered);
          return used.length === size ? [summarize(plan, used)] : [];
        }),
      )
    : [];

  const compare = (a: Candidate, b: Candidate) => {
    for (const strategy of action.ranking) {
      const difference = a.metrics[strategy] - b.metrics[strategy];
      if (difference !== 0 && !Number.isNaN(difference)) {
        return difference;
      }
    }
    const codes = (c: Candidate) => c.summary.locations.join(',');
    return codes(a) < codes(b) ? -1 : codes(a) > codes(b) ? 1 : 0;
  };
  const complete = [...singles, ...splits].filter((c) => c.summary.complete).sort(compare);
  // Without a complete plan, the best partial one: the engine reserves it when the channel backorders
  // and otherwise refuses, reporting what it leaves unfilled as the shortage.
  const partial = [...singles, ...splits]
    .filter((c) => !c.summary.complete && c.summary.units > 0)
    .sort((a, b) => b.summary.units - a.summary.units || compare(a, b));
  const chosen = complete[0] ?? partial[0];

  const trace: RoutingTrace = {
    rule_set: { scope: ruleSet.scope, version: ruleSet.version },
    rule: { index: rule.index, name: rule.name },
    ranking: action.ranking,
    split: action.split,
    candidates: traced.map(({ candidate, reasons }) => ({
      location: candidate.code,
      eligible: reasons.length === 0,
      reasons,
      distance_km: candidate.distanceKm === null ? null : Math.round(candidate.distanceKm * 10) / 10,
      available: Object.fromEntries(productIds.map((id) => [skuOf(id), candidate.available.get(id) ?? 0])),
    })),
    plans: [...complete, ...partial].slice(0, 10).map((c) => c.summary),
    chosen: chosen?.summary ?? null,
    why: explain(chosen, complete, action.ranking, eligible.length, input.allowPartial),
  };
  if (!chosen) {
    return { plan: { allocations: [], unfilled: demand.map((line) => ({ ...line })) }, trace };
  }

  const threshold = action.cost_review_threshold;
  const cheapestCost = Math.min(...complete.map((c) => c.metrics.lowest_cost));
  if (
    threshold !== undefined &&
    threshold !== null &&
    !input.skipCostReview &&
    chosen.summary.complete &&
    Number.isFinite(chosen.metrics.lowest_cost) &&
    chosen.metrics.lowest_cost - cheapestCost > threshold
  ) {
    const review = {
      reason: `the chosen plan costs ${chosen.metrics.lowest_cost}, more than ${threshold} above the cheapest feasible plan (${cheapestCost})`,
      chosen_cost: chosen.metrics.lowest_cost,
      cheapest_cost: cheapestCost,
    };
    return { plan: { allocations: [], unfilled: [] }, trace: { ...trace, review }, review };
  }
  return { plan: chosen.plan, trace };
}

/** Why the winner won: the first ranking strategy that separates it from the runner-up. */
function explain(
  chosen: Candidate | undefined,
  complete: Candidate[],
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
  const describe: Record<Strategy, (c: Candidate) => string> = {
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
