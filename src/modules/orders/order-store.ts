import { eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { channels, holds, orderLines, orders } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { activeReservations } from '../allocation/index.js';
import { incomingOfLines, type LineIncoming } from './backorder-promise-store.js';
import type { LineQuantities } from './order-state.js';

/** Data access for orders shared by the use cases and the transitions: loading, locking, line writes. */

export type OrderRow = typeof orders.$inferSelect;
export type LineRow = typeof orderLines.$inferSelect;
export type HoldRow = typeof holds.$inferSelect;

/** A line's quantities as the order state machine reads them. */
export const quantitiesOf = (line: LineRow): LineQuantities => ({
  quantity: line.quantity,
  allocated: line.quantityAllocated,
  backordered: line.quantityBackordered,
  cancelled: line.quantityCancelled,
  shipped: line.quantityShipped,
});

export interface ReservedUnits {
  lineId: number;
  location: string;
  quantity: number;
}

export interface OrderState {
  order: OrderRow;
  channel: string;
  lines: LineRow[];
  reservations: ReservedUnits[];
  holds: HoldRow[];
  /** The incoming units backordered lines are promised (loaded only for orders with backordered units). */
  incoming?: LineIncoming[];
}

/**
 * Loads whole orders (lines, active reservations by location, holds) in four queries, however many,
 * and a fifth when a line waits for stock (the incoming units promised to it).
 * With `lock`, the order rows are locked first: every change to an order starts here. FOR NO KEY UPDATE
 * serialises the changes as FOR UPDATE would, but lets other transactions insert rows that refer to the
 * order meanwhile (a notification, an event's reader): their foreign-key check need not wait for ours.
 */
export async function loadOrders(
  tx: Executor,
  ids: string[],
  options: { lock?: boolean } = {},
): Promise<OrderState[]> {
  if (ids.length === 0) {
    return [];
  }
  const selectOrders = tx
    .select({ order: orders, channel: channels.code })
    .from(orders)
    .innerJoin(channels, eq(channels.id, orders.channelId))
    .where(inArray(orders.id, ids))
    .orderBy(orders.id);
  const orderRows = options.lock
    ? await selectOrders.for('no key update', { of: orders })
    : await selectOrders;
  // One client runs one query at a time: these go one after another.
  const lines = await tx.select().from(orderLines).where(inArray(orderLines.orderId, ids));
  const held = await activeReservations(
    tx,
    lines.map((line) => line.id),
  );
  const orderHolds = await tx.select().from(holds).where(inArray(holds.orderId, ids));
  // Only an order that waits for stock has incoming units promised: no query for any other.
  const incoming = await incomingOfLines(
    tx,
    lines.filter((line) => line.quantityBackordered > 0 && line.kitSplit === null).map((line) => line.id),
  );
  const orderOfLine = new Map(lines.map((line) => [line.id, line.orderId]));
  const reserved = held.map((r) => ({ lineId: r.orderLineId, location: r.location, quantity: r.quantity }));
  return orderRows.map(({ order, channel }) => ({
    order,
    channel,
    lines: lines.filter((line) => line.orderId === order.id),
    reservations: reserved.filter((r) => orderOfLine.get(r.lineId) === order.id),
    holds: orderHolds.filter((hold) => hold.orderId === order.id),
    incoming: incoming.filter((units) => orderOfLine.get(units.lineId) === order.id),
  }));
}

/** Finds an order by id or number, locked when asked; another channel's order does not exist. */
export async function findOrder(
  tx: Executor,
  idOrNumber: string,
  caller: Caller,
  lock = false,
): Promise<OrderState> {
  const where = /^[0-9]+$/.test(idOrNumber)
    ? eq(orders.number, Number(idOrNumber))
    : eq(orders.id, idOrNumber);
  const [row] = await tx.select({ id: orders.id }).from(orders).where(where);
  const [state] = row ? await loadOrders(tx, [row.id], { lock }) : [];
  if (!state || (caller.channel !== null && state.channel !== caller.channel)) {
    throw notFound(`Order ${idOrNumber}`);
  }
  return state;
}

/** What allocation and release need to know about the order's channel. */
export interface ChannelPolicy {
  id: number;
  code: string;
  priority: number;
  allowBackorders: boolean;
  heldReservationMinutes: number;
  /** The edit window before an allocated order's shipments are released. */
  releaseDelayMinutes: number;
}

export async function channelPolicy(tx: Executor, channelId: number): Promise<ChannelPolicy> {
  const [channel] = await tx.select().from(channels).where(eq(channels.id, channelId));
  if (!channel) {
    throw new Error(`channel ${channelId} vanished`);
  }
  return {
    id: channel.id,
    code: channel.code,
    priority: channel.priority,
    allowBackorders: channel.allowBackorders,
    heldReservationMinutes: channel.heldReservationMinutes,
    releaseDelayMinutes: channel.releaseDelayMinutes,
  };
}

/** The UPDATE writing lines' allocated, backordered, cancelled and shipped quantities. */
export function lineQuantitiesUpdate(lines: LineRow[]): SQL | undefined {
  if (lines.length === 0) {
    return undefined;
  }
  return sql`
    UPDATE order_lines l
       SET quantity_allocated = v.allocated, quantity_backordered = v.backordered, quantity_cancelled = v.cancelled,
           quantity_shipped = v.shipped
      FROM unnest(${sql.param(lines.map((l) => l.id))}::bigint[], ${sql.param(lines.map((l) => l.quantityAllocated))}::int[],
                  ${sql.param(lines.map((l) => l.quantityBackordered))}::int[],
                  ${sql.param(lines.map((l) => l.quantityCancelled))}::int[],
                  ${sql.param(lines.map((l) => l.quantityShipped))}::int[]) AS v(id, allocated, backordered, cancelled, shipped)
     WHERE l.id = v.id`;
}

export async function writeLineQuantities(tx: Executor, lines: LineRow[]): Promise<void> {
  const update = lineQuantitiesUpdate(lines);
  if (update) {
    await tx.execute(update);
  }
}
