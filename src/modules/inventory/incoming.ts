import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { Availability } from './inventory.schemas.js';

type LocationStock = Availability['data'][number]['locations'][number];

/** Units expected at a location and not yet received, from one inbound shipment. */
export interface IncomingUnits {
  productId: number;
  location: string;
  /** The channel's safety stock at the location, for a location that has no level yet. */
  safetyStock: number;
  quantity: number;
  expectedDate: string;
  inboundShipment: string;
  reference: string;
}

/**
 * What inbound shipments still expect (expected or in transit; never received or cancelled ones) of
 * these products at the active locations serving the channel, soonest first. A read of the inbound
 * module's tables: incoming units are never available, only shown beside what is.
 */
export async function incomingStock(
  tx: Executor,
  productIds: number[],
  channelCode: string,
): Promise<IncomingUnits[]> {
  if (productIds.length === 0) {
    return [];
  }
  const result = await tx.execute<{
    product_id: string;
    location: string;
    safety_stock: number;
    quantity: number;
    expected_date: string;
    inbound_shipment: string;
    reference: string;
  }>(sql`
    SELECT il.product_id, loc.code AS location, s.id AS inbound_shipment, s.reference,
           to_char(s.expected_date, 'YYYY-MM-DD') AS expected_date,
           il.quantity - il.quantity_received AS quantity,
           coalesce(o.quantity, lv.safety_stock, c.default_safety_stock) AS safety_stock
      FROM inbound_shipment_lines il
      JOIN inbound_shipments s ON s.id = il.inbound_shipment_id AND s.status IN ('expected', 'in_transit')
      JOIN locations loc ON loc.id = s.location_id AND loc.active
      JOIN channels c ON c.code = ${channelCode} AND c.active
       AND (NOT EXISTS (SELECT 1 FROM location_channels lc WHERE lc.location_id = loc.id)
            OR EXISTS (SELECT 1 FROM location_channels lc WHERE lc.location_id = loc.id AND lc.channel_id = c.id))
      LEFT JOIN inventory_levels lv ON lv.product_id = il.product_id AND lv.location_id = loc.id
      LEFT JOIN safety_stock_overrides o
        ON o.product_id = il.product_id AND o.location_id = loc.id AND o.channel_id = c.id
     WHERE il.product_id = ANY(${sql.param(productIds)}::bigint[]) AND il.quantity > il.quantity_received
     ORDER BY s.expected_date, s.number, il.line_number`);
  return result.rows.map((row) => ({
    productId: Number(row.product_id),
    location: row.location,
    safetyStock: row.safety_stock,
    quantity: row.quantity,
    expectedDate: row.expected_date,
    inboundShipment: row.inbound_shipment,
    reference: row.reference,
  }));
}

/**
 * One SKU's locations with their `incoming` units (soonest first) added; a location with incoming
 * units but no stock level yet is listed with nothing on hand. `available` never counts them.
 */
export function withIncoming(
  locations: Array<Omit<LocationStock, 'incoming'>>,
  incoming: IncomingUnits[],
): LocationStock[] {
  const at = (location: string) =>
    incoming
      .filter((units) => units.location === location)
      .map((units) => ({
        quantity: units.quantity,
        expected_date: units.expectedDate,
        inbound_shipment: units.inboundShipment,
        reference: units.reference,
      }));
  const listed = new Set(locations.map((stock) => stock.location));
  const onlyIncoming = [...new Map(incoming.map((units) => [units.location, units])).values()]
    .filter((units) => !listed.has(units.location))
    .map((units) => ({
      location: units.location,
      on_hand: 0,
      reserved: 0,
      damaged: 0,
      quality_control: 0,
      safety_stock: units.safetyStock,
      available: 0,
    }));
  return [...locations, ...onlyIncoming].map((stock) => ({ ...stock, incoming: at(stock.location) }));
}
