import type { Plan } from '../allocation/index.js';
import type { RoutingCandidate, RoutingInput } from './routing-input.js';
import type { Strategy } from './rules.js';

/** How plans and locations compare under a rule's ranking strategies. Pure. */

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

/** A plan with what the trace shows of it and its score under each strategy (lower is better). */
export interface PlanOption {
  plan: Plan;
  used: RoutingCandidate[];
  summary: PlanSummary;
  metrics: Record<Strategy, number>;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** What the strategies measure of a location for this order: its cheapest and fastest quote, its stock. */
export function measures(input: RoutingInput) {
  const productIds = [...new Set(input.demand.map((line) => line.productId))];
  const cheapest = (candidate: RoutingCandidate, grams: number) => {
    const quotes = input.quotes(candidate, grams);
    return {
      price: quotes.length ? Math.min(...quotes.map((q) => q.price)) : Number.POSITIVE_INFINITY,
      days: quotes.length ? Math.min(...quotes.map((q) => q.transitDays)) : Number.POSITIVE_INFINITY,
    };
  };
  const demandWeight = sum(
    input.demand.map((line) => line.quantity * (input.weights.get(line.productId) ?? 0)),
  );
  const stockFor = (candidate: RoutingCandidate) =>
    sum(productIds.map((id) => candidate.available.get(id) ?? 0));
  return { weights: input.weights, cheapest, demandWeight, stockFor };
}

export type Measures = ReturnType<typeof measures>;

/** How one location compares with another under a strategy, to order the fill within a split. */
function locationMetric(m: Measures, candidate: RoutingCandidate, strategy: Strategy): number {
  switch (strategy) {
    case 'nearest':
      return candidate.distanceKm ?? Number.POSITIVE_INFINITY;
    case 'lowest_cost':
      return m.cheapest(candidate, m.demandWeight).price;
    case 'fastest':
      return m.cheapest(candidate, m.demandWeight).days;
    case 'location_priority':
      return -candidate.priority;
    case 'most_stock':
      return -m.stockFor(candidate);
    case 'min_splits':
      return 0;
  }
}

/** Orders locations by the ranking, then by code. */
export const byLocationRanking =
  (m: Measures, ranking: Strategy[]) =>
  (a: RoutingCandidate, b: RoutingCandidate): number => {
    for (const strategy of ranking) {
      const difference = locationMetric(m, a, strategy) - locationMetric(m, b, strategy);
      if (difference !== 0 && !Number.isNaN(difference)) {
        return difference;
      }
    }
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  };

/** Orders plans by the ranking, then by their location codes. */
export const byPlanRanking =
  (ranking: Strategy[]) =>
  (a: PlanOption, b: PlanOption): number => {
    for (const strategy of ranking) {
      const difference = a.metrics[strategy] - b.metrics[strategy];
      if (difference !== 0 && !Number.isNaN(difference)) {
        return difference;
      }
    }
    const codes = (c: PlanOption) => c.summary.locations.join(',');
    return codes(a) < codes(b) ? -1 : codes(a) > codes(b) ? 1 : 0;
  };

/** A plan's summary and scores: one shipment per location used, each at its cheapest quote. */
export function summarize(m: Measures, plan: Plan, used: RoutingCandidate[]): PlanOption {
  const shipments = used.map((location) => {
    const grams = sum(
      plan.allocations
        .filter((a) => a.locationId === location.locationId)
        .map((a) => a.quantity * (m.weights.get(a.productId) ?? 0)),
    );
    return { location, ...m.cheapest(location, grams) };
  });
  const distance = sum(used.map((l) => l.distanceKm ?? Number.POSITIVE_INFINITY));
  const cost = sum(shipments.map((s) => s.price));
  const days = Math.max(...shipments.map((s) => s.days));
  const lowestPriority = Math.min(...used.map((l) => l.priority));
  const stock = sum(used.map(m.stockFor));
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
}
