import { sql } from 'drizzle-orm';
import { type CandidateLocation, candidatesFor, type Demand, type Plan } from '../allocation/index.js';
import { type Sellable, sellableSelect, toSellableRows } from '../inventory/index.js';
import type { RoutingDeps } from './deps.js';
import { openSession, type RoutedOrder, type RoutedProduct, type RoutingSession } from './session.js';
import { type UsageRow, usageSelect } from './usage-store.js';

/**
 * Routes an order that is not saved, as capture would route it now: the same sellable rows (read
 * without locks), usage, rule set, eligibility, ranking and split policy. Nothing is locked or written.
 */
export async function routeUnsaved(
  deps: RoutingDeps,
  {
    channel,
    order,
    products,
    demand,
  }: {
    channel: { id: number; allowBackorders: boolean };
    order: RoutedOrder;
    products: RoutedProduct[];
    demand: Demand[];
  },
): Promise<{ session: RoutingSession; plan: Plan; candidates: CandidateLocation[] }> {
  const { db } = deps;
  // One statement for the stock and the day's usage, as capture reads them (without its locks).
  const read = await db.execute<{ sellable: Sellable; usage: UsageRow[] }>(sql`
    SELECT s.sellable, (${usageSelect(deps.clock)}) AS usage
      FROM (${sellableSelect(
        products.map((p) => p.id),
        { lock: false },
      )}) AS s`);
  const row = read.rows[0];
  const session = await openSession(deps, order, products, row?.usage ?? [], {
    allowPartial: channel.allowBackorders,
  });
  const candidates = candidatesFor(toSellableRows(row?.sellable), channel.id);
  const planned = session.planner({ demand, candidates });
  // As at capture: a channel that does not backorder reserves nothing unless every line is covered.
  const plan =
    planned.unfilled.length > 0 && !channel.allowBackorders ? { allocations: [], unfilled: demand } : planned;
  return { session, plan, candidates };
}

/** The plan by location code and SKU, and what it leaves unfilled. */
export async function presentPlan(
  { cache }: Pick<RoutingDeps, 'cache'>,
  plan: Plan,
  products: RoutedProduct[],
) {
  const skuOf = (productId: number) => products.find((p) => p.id === productId)?.sku ?? '';
  const byLocation = new Map<number, Array<{ sku: string; quantity: number }>>();
  for (const allocation of plan.allocations) {
    byLocation.set(allocation.locationId, [
      ...(byLocation.get(allocation.locationId) ?? []),
      { sku: skuOf(allocation.productId), quantity: allocation.quantity },
    ]);
  }
  const byId = await cache.locationsById();
  return {
    locations: [...byLocation].map(([id, lines]) => ({ location: byId.get(id)?.code ?? String(id), lines })),
    unfilled: plan.unfilled.map((u) => ({ sku: skuOf(u.productId), quantity: u.quantity })),
  };
}
