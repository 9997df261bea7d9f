import { fillInOrder } from './fill.js';
import type { CandidateLocation, Demand, Plan, Planner } from './plan.js';

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
  return fillInOrder(demand, ranked);
};
