import type { Demand, Plan, PlannedAllocation } from './plan.js';

/** A location to fill from: what it can sell by product, and how many more units it may ship today. */
export interface FillSource {
  locationId: number;
  available: ReadonlyMap<number, number>;
  unitsLeft?: number | null;
}

/**
 * Demand in the units a location takes whole: a line alone, or the lines of one kit that ships from
 * one location (taken in whole kits).
 */
function wholes(demand: Demand[]): Array<{ lines: Demand[]; per: number[]; count: number }> {
  const kits = new Map<number, Demand[]>();
  const groups: Array<{ lines: Demand[]; per: number[]; count: number }> = [];
  for (const line of demand) {
    if (!line.kit) {
      groups.push({ lines: [line], per: [1], count: line.quantity });
    } else if (kits.has(line.kit.key)) {
      kits.get(line.kit.key)?.push(line);
    } else {
      const lines = [line];
      kits.set(line.kit.key, lines);
      groups.push({ lines, per: [], count: 0 });
    }
  }
  for (const group of groups) {
    if (group.lines[0]?.kit) {
      group.per = group.lines.map((line) => line.kit?.per ?? 1);
      group.count = Math.min(
        ...group.lines.map((line, i) => Math.floor(line.quantity / (group.per[i] ?? 1))),
      );
    }
  }
  return groups;
}

/**
 * Fills the demand from the locations in this order, within their stock and unit room: each line (or
 * whole kit) takes what the first location has, then the next. Kits sharing a component with other
 * lines draw on the same stock, so nothing is counted twice.
 */
export function fillInOrder(demand: Demand[], locations: FillSource[]): Plan {
  const stock = new Map(locations.map((l) => [l.locationId, new Map(l.available)]));
  const room = new Map(locations.map((l) => [l.locationId, l.unitsLeft ?? Number.POSITIVE_INFINITY]));
  const allocations: PlannedAllocation[] = [];
  const unfilled: Plan['unfilled'] = [];
  for (const { lines, per, count } of wholes(demand)) {
    let missing = count;
    const unitsPerWhole = per.reduce((sum, units) => sum + units, 0);
    for (const location of locations) {
      const here = stock.get(location.locationId) ?? new Map<number, number>();
      const fits = Math.min(
        missing,
        Math.floor((room.get(location.locationId) ?? 0) / unitsPerWhole),
        ...lines.map((line, i) => Math.floor((here.get(line.productId) ?? 0) / (per[i] ?? 1))),
      );
      if (fits <= 0) {
        continue;
      }
      lines.forEach((line, i) => {
        const take = fits * (per[i] ?? 1);
        here.set(line.productId, (here.get(line.productId) ?? 0) - take);
        const same = allocations.find(
          (a) => a.key === line.key && a.productId === line.productId && a.locationId === location.locationId,
        );
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
      });
      room.set(location.locationId, (room.get(location.locationId) ?? 0) - fits * unitsPerWhole);
      missing -= fits;
      if (missing === 0) {
        break;
      }
    }
    lines.forEach((line, i) => {
      const short = line.quantity - (count - missing) * (per[i] ?? 1);
      if (short > 0) {
        unfilled.push({ key: line.key, productId: line.productId, quantity: short });
      }
    });
  }
  return { allocations, unfilled };
}
