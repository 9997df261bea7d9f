import type { CandidateLocation, Demand, Plan, PlannedAllocation, Planner } from './plan.js';

const byPriority = (a: CandidateLocation, b: CandidateLocation) =>
  b.priority - a.priority || a.locationId - b.locationId;

function canShipAll(location: CandidateLocation, demand: Demand[]): boolean {
  const needed = new Map<number, number>();
  for (const line of demand) {
    needed.set(line.productId, (needed.get(line.productId) ?? 0) + line.quantity);
  }
  return [...needed].every(([productId, quantity]) => (location.available.get(productId) ?? 0) >= quantity);
}

/**
 * The planner used until routing rules exist: one location that can ship every line, the highest
 * priority first; otherwise fill each line from locations in priority order, splitting as needed.
 */
export const defaultPlanner: Planner = ({ demand, candidates }): Plan => {
  const ranked = [...candidates].sort(byPriority);
  const single = ranked.find((location) => canShipAll(location, demand));
  if (single) {
    return {
      allocations: demand.map((line) => ({ ...line, locationId: single.locationId })),
      unfilled: [],
    };
  }
  const left = new Map(ranked.map((location) => [location.locationId, new Map(location.available)]));
  const allocations: PlannedAllocation[] = [];
  const unfilled: Plan['unfilled'] = [];
  for (const line of demand) {
    let missing = line.quantity;
    for (const location of ranked) {
      const stock = left.get(location.locationId);
      const take = Math.min(missing, stock?.get(line.productId) ?? 0);
      if (take > 0) {
        stock?.set(line.productId, (stock.get(line.productId) ?? 0) - take);
        allocations.push({
          key: line.key,
          productId: line.productId,
          locationId: location.locationId,
          quantity: take,
        });
        missing -= take;
      }
      if (missing === 0) {
        break;
      }
    }
    if (missing > 0) {
      unfilled.push({ key: line.key, productId: line.productId, quantity: missing });
    }
  }
  return { allocations, unfilled };
};
