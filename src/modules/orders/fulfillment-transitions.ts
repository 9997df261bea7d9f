import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import { shippedOnTerms } from './account-orders.js';
import type { OrderDeps } from './deps.js';
import {
  assertTransition,
  followsShipments,
  fulfillmentStatus,
  type OrderStatus,
  releasable,
} from './order-state.js';
import { loadOrders, type OrderState, quantitiesOf } from './order-store.js';
import { presentOrder } from './order-view.js';
import { settleAgain } from './resettle.js';

/** What fulfillment tells orders about an order's shipments: their statuses, whatever else they hold. */
export type ShipmentStatuses = ReadonlyArray<{ status: string }>;

const orderEvent = (state: OrderState, type: string, data: Record<string, unknown>): NewEvent => ({
  type,
  resourceType: 'order',
  resourceId: state.order.id,
  channel: state.channel,
  data,
});

/** An order that nothing stops from being released: allocated or further along, no hold, no backorder. */
const isReleasable = (state: OrderState) =>
  releasable.includes(state.order.status) &&
  !state.holds.some((hold) => hold.status === 'open') &&
  !state.lines.some((line) => line.quantityBackordered > 0);

/**
 * Claims up to `limit` orders due for release, locked with SKIP LOCKED so replicas share the queue.
 * One that cannot be released now has its due time cleared (whatever makes it allocated again sets
 * a new one) and is left out. Returns how many were claimed and the releasable ones.
 */
export async function claimDueForRelease(
  tx: Executor,
  now: Date,
  limit: number,
): Promise<{ claimed: number; releasable: OrderState[] }> {
  const due = await tx.execute<{ id: string }>(sql`
    SELECT id FROM orders WHERE release_due_at <= ${now}
     ORDER BY release_due_at LIMIT ${limit} FOR NO KEY UPDATE SKIP LOCKED`);
  const states = await loadOrders(
    tx,
    due.rows.map((row) => row.id),
  );
  const waiting = states.filter((state) => !isReleasable(state)).map((state) => state.order.id);
  if (waiting.length > 0) {
    await tx.execute(
      sql`UPDATE orders SET release_due_at = NULL WHERE id = ANY(${sql.param(waiting)}::uuid[])`,
    );
  }
  return { claimed: states.length, releasable: states.filter(isReleasable) };
}

/** An order whose units went out to its locations as the shipments `created`. */
export interface Release {
  state: OrderState;
  created: string[];
  shipments: ShipmentStatuses;
}

/**
 * Orders whose units went out as shipments: each is released, or further along when parcels already
 * left, with `order.released` (or the new status's event). Two statements however many orders.
 */
export async function recordReleased(tx: Executor, releases: Release[], now: Date): Promise<void> {
  if (releases.length === 0) {
    return;
  }
  const moves = releases.map(({ state, created, shipments }) => {
    const status: OrderStatus = fulfillmentStatus(state.lines.map(quantitiesOf), shipments) ?? 'released';
    if (status !== state.order.status) {
      assertTransition(state.order.status, status);
    }
    return { state, created, status };
  });
  await tx.execute(sql`
    UPDATE orders o SET status = v.status, release_due_at = NULL, updated_at = ${now}
      FROM unnest(${sql.param(moves.map((m) => m.state.order.id))}::uuid[],
                  ${sql.param(moves.map((m) => m.status))}::order_status[]) AS v(id, status)
     WHERE o.id = v.id`);
  await appendEvents(
    tx,
    moves
      .filter(({ state, created, status }) => created.length > 0 || status !== state.order.status)
      .map(({ state, created, status }) =>
        orderEvent(state, created.length > 0 ? 'order.released' : `order.${status}`, {
          order: presentOrder({ ...state, order: { ...state.order, status, updatedAt: now } }),
          shipments: created,
        }),
      ),
  );
}

/**
 * After parcels left or arrived: moves the order to partially_shipped, shipped or delivered from its
 * lines and shipments, with the order event. Holds and pending re-allocations keep their status.
 */
export async function recordShipmentProgress(
  deps: Pick<OrderDeps, 'clock'>,
  tx: Executor,
  orderId: string,
  shipments: ShipmentStatuses,
): Promise<void> {
  const [order] = await loadOrders(tx, [orderId]);
  if (!order || !followsShipments.includes(order.order.status)) {
    return;
  }
  const next = fulfillmentStatus(order.lines.map(quantitiesOf), shipments);
  if (!next || next === order.order.status || next === 'cancelled') {
    return;
  }
  assertTransition(order.order.status, next);
  const now = deps.clock.now();
  await tx.execute(sql`UPDATE orders SET status = ${next}, updated_at = ${now} WHERE id = ${orderId}`);
  const snapshot = presentOrder({ ...order, order: { ...order.order, status: next, updatedAt: now } });
  const partially = next === 'partially_shipped';
  await appendEvents(tx, [
    orderEvent(order, partially ? 'order.updated' : `order.${next}`, {
      ...(partially ? { change: 'partially_shipped' } : {}),
      order: snapshot,
    }),
  ]);
}

/**
 * Units left the building in a shipment: on each line they move from allocated to shipped, the order's
 * fulfilment facts (shipments, lines, lines shipped in full) are refreshed for the reports, then the
 * order moves on with its shipments' progress. An account's order on terms is invoiced for them.
 */
export async function recordShipped(
  deps: Pick<OrderDeps, 'clock' | 'accounts'>,
  tx: Executor,
  orderId: string,
  shipped: ReadonlyMap<number, number>,
  shipments: ShipmentStatuses,
): Promise<void> {
  const lineIds = [...shipped.keys()];
  await tx.execute(sql`
    UPDATE order_lines l
       SET quantity_allocated = l.quantity_allocated - v.units, quantity_shipped = l.quantity_shipped + v.units
      FROM unnest(${sql.param(lineIds)}::bigint[], ${sql.param(lineIds.map((id) => shipped.get(id) ?? 0))}::int[])
           AS v(id, units)
     WHERE l.id = v.id AND l.order_id = ${orderId}`);
  const refreshed = await tx.execute<{ on_terms: boolean }>(sql`
    UPDATE orders o
       SET shipment_count = ${shipments.filter((s) => s.status !== 'cancelled').length},
           line_count = l.lines, lines_filled = l.filled
      FROM (SELECT count(*)::int AS lines, count(*) FILTER (WHERE quantity_shipped >= quantity)::int AS filled
              -- The customer's lines: a kit counts once (its quantities are its whole kits), not its components.
              FROM order_lines WHERE order_id = ${orderId} AND kit_line_number IS NULL) l
     WHERE o.id = ${orderId}
    RETURNING o.account_id IS NOT NULL AND o.payment_terms <> 'prepaid' AS on_terms`);
  // An account's order on terms is invoiced for what shipped (one more query, only then).
  const onTerms =
    deps.accounts && refreshed.rows[0]?.on_terms
      ? await shippedOnTerms(tx, orderId, deps.clock.now())
      : undefined;
  if (onTerms) {
    await deps.accounts?.invoiceShipped(tx, onTerms);
  }
  await recordShipmentProgress(deps, tx, orderId, shipments);
}

export interface Reroute {
  /** Units each line's location gave back (their reservations there are already released). */
  released: ReadonlyMap<number, number>;
  from: { locationId: number; code: string };
  shipmentId: string;
  reason: string;
  actor: string | null;
}

/**
 * Units a location gave back (a rejected line, a short pick, units a WMS did not ship) go back
 * through routing without that location: reserved elsewhere, backordered, or on a stock hold.
 * Runs under the order's lock; returns the order as it settled.
 */
export function reroute(
  deps: Pick<OrderDeps, 'routing' | 'clock'>,
  tx: Executor,
  order: OrderState,
  input: Reroute,
): Promise<OrderState> {
  const lines = order.lines.map((line) => ({
    ...line,
    quantityAllocated: line.quantityAllocated - (input.released.get(line.id) ?? 0),
  }));
  return settleAgain(
    deps,
    tx,
    { ...order, lines },
    {
      routing: { excludeLocationId: input.from.locationId },
      checked: ['stock'],
      reloadReservations: true,
      needs: [],
      actor: input.actor,
      events: [
        (snapshot) =>
          orderEvent(order, 'order.updated', {
            change: 'rerouted',
            reason: input.reason,
            from_location: input.from.code,
            shipment_id: input.shipmentId,
            order: snapshot,
          }),
      ],
    },
  );
}
