import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';

/**
 * Read-only queries across the order, fulfilment and returns tables for what a customer may see. One
 * statement (one snapshot) per order; it selects only the fields the customer view shows, so nothing
 * else (street, name, email, payment, notes, tags, metadata, risk) ever leaves the database here.
 */

export type TrackedLineRow = {
  line_number: number;
  sku: string;
  name: string;
  quantity: number;
  shipped: number;
  cancelled: number;
  returned: number;
  kit: boolean;
  kit_line_number: number | null;
};

export type TrackedShipmentRow = {
  number: string;
  status: string;
  carrier: string | null;
  service: string | null;
  tracking_number: string | null;
  tracking_url: string | null;
  shipped_at: string | null;
  delivered_at: string | null;
  tracking: Array<{ status?: unknown; description?: unknown; location?: unknown; occurred_at?: unknown }>;
  items: Array<{ sku: string; name: string; quantity: number }>;
};

export type TrackedReturnRow = {
  number: string;
  status: string;
  requested_at: string;
  items: Array<{ sku: string; name: string; quantity: number; reason: string }>;
  refunds: Array<{ status: string; amount: number | string; currency: string }>;
};

export type TrackedOrderRow = {
  number: number | string;
  status: string;
  placed_at: Date | string;
  promised_delivery_date: string | null;
  city: string | null;
  region: string | null;
  postal_code: string | null;
  country: string;
  lines: TrackedLineRow[];
  shipments: TrackedShipmentRow[];
  returns: TrackedReturnRow[];
  promise_changes: Array<{ previous: string | null; promised: string | null; at: string }>;
};

/** The customer's view of one order, as rows; undefined when the order does not exist. */
export async function trackedOrderRow(tx: Executor, orderId: string): Promise<TrackedOrderRow | undefined> {
  const result = await tx.execute<TrackedOrderRow>(sql`
    SELECT o.number, o.status, o.placed_at, o.promised_delivery_date::text AS promised_delivery_date,
           o.ship_to->>'city' AS city, o.ship_to->>'region' AS region,
           o.ship_to->>'postal_code' AS postal_code, o.ship_to->>'country' AS country,
           coalesce((SELECT json_agg(json_build_object(
                        'line_number', l.line_number, 'sku', l.sku, 'name', p.name, 'quantity', l.quantity,
                        'shipped', l.quantity_shipped, 'cancelled', l.quantity_cancelled,
                        'returned', l.quantity_returned, 'kit', l.kit_split IS NOT NULL,
                        'kit_line_number', l.kit_line_number) ORDER BY l.line_number)
                       FROM order_lines l JOIN products p ON p.id = l.product_id
                      WHERE l.order_id = o.id), '[]') AS lines,
           coalesce((SELECT json_agg(json_build_object(
                        'number', s.number, 'status', s.status, 'carrier', s.carrier, 'service', s.service,
                        'tracking_number', s.tracking_number, 'tracking_url', s.tracking_url,
                        'shipped_at', s.shipped_at, 'delivered_at', s.delivered_at, 'tracking', s.tracking,
                        'items', coalesce((SELECT json_agg(json_build_object(
                                              'sku', sl.sku, 'name', sp.name, 'quantity', sl.quantity) ORDER BY sl.id)
                                             FROM shipment_lines sl JOIN products sp ON sp.id = sl.product_id
                                            WHERE sl.shipment_id = s.id), '[]')
                      ) ORDER BY s.created_at, s.number)
                       FROM shipments s WHERE s.order_id = o.id AND s.status <> 'cancelled'), '[]') AS shipments,
           coalesce((SELECT json_agg(json_build_object(
                        'number', r.number, 'status', r.status, 'requested_at', r.created_at,
                        'items', coalesce((SELECT json_agg(json_build_object(
                                              'sku', rl.sku, 'name', rp.name, 'quantity', rl.quantity,
                                              'reason', rl.reason) ORDER BY rl.id)
                                             FROM return_lines rl JOIN products rp ON rp.id = rl.product_id
                                            WHERE rl.return_id = r.id), '[]'),
                        'refunds', coalesce((SELECT json_agg(json_build_object(
                                                'status', f.status, 'amount', f.amount, 'currency', f.currency)
                                                ORDER BY f.created_at)
                                               FROM refunds f WHERE f.return_id = r.id), '[]')
                      ) ORDER BY r.created_at, r.number)
                       FROM returns r WHERE r.order_id = o.id), '[]') AS returns,
           coalesce((SELECT json_agg(json_build_object(
                        'previous', e.data->>'previous_promised_delivery_date',
                        'promised', e.data->>'promised_delivery_date', 'at', e.occurred_at) ORDER BY e.sequence)
                       FROM events e
                      WHERE e.resource_type = 'order' AND e.resource_id = o.id::text
                        AND e.type = 'order.promise_changed'), '[]') AS promise_changes
      FROM orders o
     WHERE o.id = ${orderId}::uuid`);
  return result.rows[0];
}

/** What a customer gives to find their order: its number, and their email or the delivery postal code. */
export interface LookupKey {
  number: number;
  email: string | null;
  postalCode: string | null;
}

/**
 * The id of the order with this number whose email or delivery postal code matches (spaces, dashes and
 * case ignored), or undefined. One indexed statement whether or not the number exists.
 */
export async function matchingOrder(tx: Executor, key: LookupKey): Promise<string | undefined> {
  const result = await tx.execute<{ id: string }>(sql`
    SELECT o.id FROM orders o
     WHERE o.number = ${key.number}::bigint
       AND ((${key.email}::text IS NOT NULL AND o.customer_email = ${key.email}::text)
         OR (${key.postalCode}::text IS NOT NULL AND ${key.postalCode}::text <> ''
             AND upper(regexp_replace(coalesce(o.ship_to->>'postal_code', ''), '[[:space:]-]', '', 'g'))
                 = ${key.postalCode}::text))`);
  return result.rows[0]?.id;
}
