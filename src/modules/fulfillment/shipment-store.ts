import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { channels, locations, orders, shipmentLines, shipments } from '../../db/schema/index.js';
import { AppError, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';

type OrderRow = typeof orders.$inferSelect;

import type { Address } from '../addresses/index.js';
import { activeReservations } from '../allocation/index.js';
import type { OrderState } from '../orders/index.js';
import type { FulfillmentDeps } from './deps.js';
import { inBuilding } from './shipment-state.js';

/** Data access for shipments shared by release, pick lists and the shipment actions. */

export type ShipmentRow = typeof shipments.$inferSelect;
export type ShipmentLineRow = typeof shipmentLines.$inferSelect;

export interface ShipFromLocation {
  id: number;
  code: string;
  fulfillment: 'ordo' | 'external_wms';
  address: Address;
  latitude: number | null;
  longitude: number | null;
  timeZone: string;
  cutoffTime: string;
  processingDays: number;
}

export interface ShipmentState {
  shipment: ShipmentRow;
  lines: ShipmentLineRow[];
  location: ShipFromLocation;
  order: {
    id: string;
    number: number;
    channel: string;
    status: string;
    shipTo: Address;
    tags: string[];
    /** Where the order ships to, as routing placed it. */
    destination: OrderRow['destination'];
  };
}

const locationColumns = {
  id: locations.id,
  code: locations.code,
  fulfillment: locations.fulfillment,
  address: locations.address,
  latitude: locations.latitude,
  longitude: locations.longitude,
  timeZone: locations.timeZone,
  cutoffTime: locations.cutoffTime,
  processingDays: locations.processingDays,
};

/**
 * Loads shipments with their lines, location and order facts. With `lock`, the shipment rows are
 * locked FOR UPDATE: callers that also change the order lock the order first, then its shipments.
 */
export async function loadShipments(
  tx: Executor,
  ids: string[],
  options: { lock?: boolean } = {},
): Promise<ShipmentState[]> {
  if (ids.length === 0) {
    return [];
  }
  const select = tx
    .select({
      shipment: shipments,
      location: locationColumns,
      order: {
        id: orders.id,
        number: orders.number,
        channel: channels.code,
        status: orders.status,
        shipTo: orders.shipTo,
        tags: orders.tags,
        destination: orders.destination,
      },
    })
    .from(shipments)
    .innerJoin(locations, eq(locations.id, shipments.locationId))
    .innerJoin(orders, eq(orders.id, shipments.orderId))
    .innerJoin(channels, eq(channels.id, orders.channelId))
    .where(inArray(shipments.id, ids))
    .orderBy(asc(shipments.id));
  const rows = options.lock ? await select.for('update', { of: shipments }) : await select;
  const lines = await tx.select().from(shipmentLines).where(inArray(shipmentLines.shipmentId, ids));
  return rows.map((row) => ({
    ...row,
    lines: lines.filter((line) => line.shipmentId === row.shipment.id),
  }));
}

/** The ids of an order's shipments, oldest first. */
export async function shipmentIdsOf(tx: Executor, orderId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: shipments.id })
    .from(shipments)
    .where(eq(shipments.orderId, orderId))
    .orderBy(asc(shipments.createdAt), asc(shipments.number));
  return rows.map((row) => row.id);
}

export async function shipFromLocations(tx: Executor, ids: number[]): Promise<Map<number, ShipFromLocation>> {
  if (ids.length === 0) {
    return new Map();
  }
  const rows = await tx.select(locationColumns).from(locations).where(inArray(locations.id, ids));
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * Units of order lines in shipments still in the building (pending, picking, packed), per line and
 * location (`lineId:locationId`): what their reservations already back.
 */
export async function unitsInBuilding(tx: Executor, lineIds: number[]): Promise<Map<string, number>> {
  if (lineIds.length === 0) {
    return new Map();
  }
  const rows = await tx.execute<{ line_id: string; location_id: string; quantity: number }>(sql`
    SELECT sl.order_line_id AS line_id, s.location_id, sum(sl.quantity)::int AS quantity
      FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
     WHERE sl.order_line_id = ANY(${sql.param(lineIds)}::bigint[])
       AND s.status = ANY(${sql.param([...inBuilding])}::shipment_status[])
     GROUP BY 1, 2`);
  return new Map(rows.rows.map((row) => [`${row.line_id}:${row.location_id}`, row.quantity]));
}

/** Units each line holds at each location that no shipment in the building carries yet, by location. */
export async function unshippedReservations(
  tx: Executor,
  lineIds: number[],
): Promise<Map<number, Array<{ lineId: number; quantity: number }>>> {
  const held = await activeReservations(tx, lineIds);
  const carried = await unitsInBuilding(tx, lineIds);
  const reserved = new Map<string, { lineId: number; locationId: number; quantity: number }>();
  for (const r of held) {
    const key = `${r.orderLineId}:${r.locationId}`;
    const entry = reserved.get(key) ?? { lineId: r.orderLineId, locationId: r.locationId, quantity: 0 };
    entry.quantity += r.quantity;
    reserved.set(key, entry);
  }
  const byLocation = new Map<number, Array<{ lineId: number; quantity: number }>>();
  const ordered = [...reserved].sort(([, a], [, b]) => a.locationId - b.locationId || a.lineId - b.lineId);
  for (const [key, entry] of ordered) {
    const quantity = entry.quantity - (carried.get(key) ?? 0);
    if (quantity > 0) {
      byLocation.set(entry.locationId, [
        ...(byLocation.get(entry.locationId) ?? []),
        { lineId: entry.lineId, quantity },
      ]);
    }
  }
  return byLocation;
}

/** A shipment the caller may see, locked when asked: another channel's does not exist for a bound key. */
export async function findShipment(
  tx: Executor,
  id: string,
  caller: Caller,
  lock = false,
): Promise<ShipmentState> {
  const [state] = await loadShipments(tx, [id], { lock });
  if (!state || (caller.channel !== null && state.order.channel !== caller.channel)) {
    throw notFound(`Shipment ${id}`);
  }
  return state;
}

/** The shipment as it is now, within the transaction that changed it. */
export async function reloadShipment(tx: Executor, id: string): Promise<ShipmentState> {
  const [state] = await loadShipments(tx, [id]);
  if (!state) {
    throw notFound(`Shipment ${id}`);
  }
  return state;
}

/** Locks the shipment's order, then the shipment: the order every path that changes both uses. */
export async function lockWithOrder(
  deps: Pick<FulfillmentDeps, 'orders'>,
  tx: Executor,
  id: string,
  caller: Caller,
): Promise<{ order: OrderState; shipment: ShipmentState }> {
  const peek = await findShipment(tx, id, caller);
  const [order] = await deps.orders.lock(tx, [peek.shipment.orderId]);
  const shipment = await findShipment(tx, id, caller, true);
  if (!order) {
    throw notFound(`Shipment ${id}`);
  }
  return { order, shipment };
}

/** The statuses of each order's shipments, by order id: what an order's own status follows. */
export async function shipmentStatusesByOrder(
  tx: Executor,
  orderIds: string[],
): Promise<Map<string, Array<{ status: string }>>> {
  const rows = await tx
    .select({ orderId: shipments.orderId, status: shipments.status })
    .from(shipments)
    .where(inArray(shipments.orderId, orderIds));
  const byOrder = new Map<string, Array<{ status: string }>>();
  for (const { orderId, status } of rows) {
    byOrder.set(orderId, [...(byOrder.get(orderId) ?? []), { status }]);
  }
  return byOrder;
}

/** The statuses of an order's shipments. */
export async function shipmentStatusesOf(tx: Executor, orderId: string): Promise<Array<{ status: string }>> {
  return (await shipmentStatusesByOrder(tx, [orderId])).get(orderId) ?? [];
}

/** How many shipments each order has had, by order id: the counter in a new shipment's number. */
export async function shipmentCounts(tx: Executor, orderIds: string[]): Promise<Map<string, number>> {
  const rows = await tx.execute<{ order_id: string; n: number }>(sql`
    SELECT order_id, count(*)::int AS n FROM shipments WHERE order_id = ANY(${sql.param(orderIds)}::uuid[])
     GROUP BY order_id`);
  return new Map(rows.rows.map((row) => [row.order_id, row.n]));
}

/** A location whose shipments an external WMS confirms cannot scan, pack or ship them through Ordo. */
export function assertOwnFlow(state: ShipmentState, action: string): void {
  if (state.location.fulfillment === 'external_wms') {
    throw new AppError(
      'conflict',
      `${state.location.code} is run by an external WMS: it cannot ${action} through Ordo; the WMS confirms with POST /v1/shipments/{id}/confirm`,
    );
  }
}
