import { and, desc, eq, lte, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { channels, locations, orders, shipments } from '../../db/schema/index.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import type { ShipmentStatus } from './shipment-state.js';
import { findShipment, loadShipments, type ShipmentState } from './shipment-store.js';
import { presentShipment } from './shipment-view.js';
import type { ShipmentView } from './shipments.schemas.js';

export interface ShipmentListQuery {
  order_id?: string;
  location?: string;
  status?: ShipmentStatus;
  carrier?: string;
  service_level?: string;
  ship_by_to?: string;
  limit: number;
  cursor?: string;
}

export async function getShipment(db: Db, id: string, caller: Caller): Promise<ShipmentView> {
  return presentShipment(await findShipment(db, id, caller));
}

/** Shipments newest first, by the query's filters; a channel-bound key sees only its channel's. */
export async function listShipments(
  db: Db,
  query: ShipmentListQuery,
  caller: Caller,
): Promise<Page<ShipmentView>> {
  const after = decodeCursor(query.cursor, ['string', 'string']);
  const filters: SQL[] = [];
  if (query.order_id) {
    filters.push(eq(shipments.orderId, query.order_id));
  }
  if (query.location) {
    filters.push(eq(locations.code, query.location));
  }
  if (query.status) {
    filters.push(eq(shipments.status, query.status));
  }
  if (query.carrier) {
    filters.push(eq(shipments.carrier, query.carrier));
  }
  if (query.service_level) {
    filters.push(sql`${shipments.serviceLevel} = ${query.service_level}`);
  }
  if (query.ship_by_to) {
    filters.push(lte(shipments.shipBy, query.ship_by_to));
  }
  if (caller.channel !== null) {
    filters.push(eq(channels.code, caller.channel));
  }
  if (after) {
    filters.push(
      sql`(${shipments.createdAt}, ${shipments.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`,
    );
  }
  const rows = await db
    .select({ id: shipments.id, createdAt: shipments.createdAt })
    .from(shipments)
    .innerJoin(locations, eq(locations.id, shipments.locationId))
    .innerJoin(orders, eq(orders.id, shipments.orderId))
    .innerJoin(channels, eq(channels.id, orders.channelId))
    .where(and(...filters))
    .orderBy(desc(shipments.createdAt), desc(shipments.id))
    .limit(query.limit + 1);
  const states = new Map(
    (
      await loadShipments(
        db,
        rows.map((row) => row.id),
      )
    ).map((state) => [state.shipment.id, state]),
  );
  return toPage(
    rows.filter((row) => states.has(row.id)),
    query.limit,
    (row) => [row.createdAt.toISOString(), row.id],
    (row) => presentShipment(states.get(row.id) as ShipmentState),
  );
}
