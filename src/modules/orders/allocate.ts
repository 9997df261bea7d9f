import type { SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { Planner } from '../allocation/index.js';
import { type ReservedUnits, reserve } from '../allocation/index.js';
import type { NewEvent } from '../events/index.js';
import type { HoldNeed } from './checks.js';
import { rollUpKits, stockDemand } from './kit-lines.js';
import type { ChannelPolicy, LineRow } from './order-store.js';

export interface AllocationOutcome {
  lines: LineRow[];
  /** The reservations this call made. */
  reserved: ReservedUnits[];
  /** Set when the channel does not backorder and stock was short: nothing was reserved. */
  stockHold?: HoldNeed;
}

/**
 * Reserves every unallocated unit of the lines through the reservation engine. A channel that
 * allows backorders keeps what exists and marks the rest backordered; any other channel gets all
 * or nothing, and a stock hold when short. Runs under the order's lock and returns the lines with
 * their new quantities, for the caller to write (`lineQuantitiesUpdate` in order-store.ts).
 */
export async function allocateLines(
  tx: Executor,
  channel: ChannelPolicy,
  lines: LineRow[],
  expiresAt: Date | null,
  collect: { events?: NewEvent[]; writes?: SQL[]; planner?: Planner } = {},
): Promise<AllocationOutcome> {
  const demand = stockDemand(lines);
  if (demand.length === 0) {
    return { lines, reserved: [] };
  }
  const result = await reserve(tx, {
    channel,
    demand,
    allowPartial: channel.allowBackorders,
    expiresAt,
    ...collect,
  });
  if (!result.ok) {
    const skuOf = new Map(lines.map((line) => [line.id, line.sku]));
    const short = result.shortages.map((s) => ({ sku: skuOf.get(s.key) ?? '', missing: s.quantity }));
    return {
      lines,
      reserved: [],
      stockHold: {
        kind: 'stock',
        reason: `not enough stock for ${short.map((s) => `${s.missing} × ${s.sku}`).join(', ')}`,
        details: { short },
      },
    };
  }
  const got = new Map<number, number>();
  for (const reservation of result.reservations) {
    got.set(reservation.orderLineId, (got.get(reservation.orderLineId) ?? 0) + reservation.quantity);
  }
  const updated = rollUpKits(
    lines.map((line) => {
      const allocated = line.quantityAllocated + (got.get(line.id) ?? 0);
      const open = line.quantity - line.quantityCancelled - line.quantityShipped - allocated;
      return {
        ...line,
        quantityAllocated: allocated,
        quantityBackordered: channel.allowBackorders ? open : 0,
      };
    }),
  );
  return { lines: updated, reserved: result.reservations };
}
