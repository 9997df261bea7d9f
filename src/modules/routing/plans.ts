import { type Demand, fillInOrder, type Plan } from '../allocation/index.js';
import { byLocationRanking, byPlanRanking, type Measures, type PlanOption, summarize } from './ranking.js';
import type { RoutingCandidate } from './routing-input.js';
import type { RoutingAction } from './rules.js';

/** Candidates considered for splits, at most this many (the best by the ranking), to bound the search. */
const maxSplitCandidates = 10;

/** Fills the demand from these locations in order, within their stock and unit capacity. */
const fill = (demand: Demand[], locations: RoutingCandidate[]): Plan => fillInOrder(demand, locations);

function combinations<T>(items: T[], size: number): T[][] {
  if (size === 0) {
    return [[]];
  }
  return items.flatMap((item, i) =>
    combinations(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]),
  );
}

// A location that ships nothing in a plan makes it the same as a smaller plan: drop those.
const usedOnly = (plan: Plan, locations: RoutingCandidate[]) =>
  locations.filter((l) => plan.allocations.some((a) => a.locationId === l.locationId));

/**
 * Every plan the action allows from the eligible locations, best first by its ranking: the complete
 * ones, and the partial ones that ship something (most units first).
 */
export function rankedPlans(
  m: Measures,
  demand: Demand[],
  action: RoutingAction,
  eligible: RoutingCandidate[],
): { complete: PlanOption[]; partial: PlanOption[] } {
  const singles = eligible.map((location) => summarize(m, fill(demand, [location]), [location]));
  const completeSingles = singles.filter((c) => c.summary.complete);
  const maxShipments = action.split.policy === 'allowed' ? action.split.max_shipments : 1;
  const trySplits = maxShipments > 1 && (completeSingles.length === 0 || action.ranking[0] !== 'min_splits');
  const byLocation = byLocationRanking(m, action.ranking);
  const splitPool = [...eligible].sort(byLocation).slice(0, maxSplitCandidates);
  const splits = trySplits
    ? Array.from({ length: maxShipments - 1 }, (_, i) => i + 2).flatMap((size) =>
        combinations(splitPool, size).flatMap((combo) => {
          const ordered = [...combo].sort(byLocation);
          const plan = fill(demand, ordered);
          const used = usedOnly(plan, ordered);
          return used.length === size ? [summarize(m, plan, used)] : [];
        }),
      )
    : [];
  const compare = byPlanRanking(action.ranking);
  const complete = [...singles, ...splits].filter((c) => c.summary.complete).sort(compare);
  // Without a complete plan, the best partial one: the engine reserves it when the channel backorders
  // and otherwise refuses, reporting what it leaves unfilled as the shortage.
  const partial = [...singles, ...splits]
    .filter((c) => !c.summary.complete && c.summary.units > 0)
    .sort((a, b) => b.summary.units - a.summary.units || compare(a, b));
  return { complete, partial };
}
