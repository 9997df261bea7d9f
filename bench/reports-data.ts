/**
 * The reports benchmark's data, generated in SQL (generate_series) straight into a migrated database:
 * a catalog (4 channels, 12 locations of which 3 stores serve only POS, 5,000 SKUs, stock levels with
 * reorder points, feed times), then `orders` orders placed over the last 400 days (more of them lately)
 * with their lines, shipments (8% of multi-line orders split in two), shipment lines, reservations,
 * returns with receipts and refunds, and holds. Every row is one the API could have written: statuses,
 * quantities and timestamps follow the lifecycle (placed, captured, shipped, delivered, returned).
 * Events are not generated: no report reads them.
 */
import type pg from 'pg';

const locationZones = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'America/Phoenix',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'America/New_York',
];

const catalog = (now: string) => [
  `INSERT INTO channels (code, name, priority, default_safety_stock) VALUES
     ('web', 'Web store', 10, 2), ('amazon', 'Amazon', 5, 1), ('pos', 'Store POS', 3, 0), ('wholesale', 'Wholesale', 1, 0)`,
  `INSERT INTO locations (code, name, kind, address, time_zone, priority)
   SELECT 'LOC-' || lpad(g::text, 2, '0'), 'Location ' || g,
          (CASE WHEN g <= 8 THEN 'warehouse' WHEN g <= 11 THEN 'store' ELSE 'dropship' END)::location_kind,
          jsonb_build_object('line1', g || ' Dock Rd', 'city', 'Metro', 'region', 'NJ', 'postal_code', '08837', 'country', 'US'),
          (ARRAY['${locationZones.join("','")}'])[g], g
     FROM generate_series(1, 12) g`,
  // The stores sell only through POS.
  `INSERT INTO location_channels (location_id, channel_id) SELECT g, 3 FROM generate_series(9, 11) g`,
  `INSERT INTO products (sku, name, weight_grams)
   SELECT 'SKU-' || lpad(g::text, 5, '0'), 'Product ' || g, 100 + (g * 37) % 4900 FROM generate_series(1, 5000) g`,
  // About 70% of SKU-locations stocked; 4% of those at zero, 30% with a reorder point.
  `INSERT INTO inventory_levels (product_id, location_id, on_hand, reserved, reorder_point)
   SELECT p, l, on_hand, least(on_hand, floor(random() * 12)::int),
          CASE WHEN random() < 0.3 THEN 20 + floor(random() * 80)::int END
     FROM (SELECT p, l, CASE WHEN random() < 0.04 THEN 0 ELSE floor(random() * 400)::int END AS on_hand
             FROM generate_series(1, 5000) p CROSS JOIN generate_series(1, 12) l
            WHERE random() < 0.7) s`,
  `INSERT INTO location_feeds (location_id, last_feed_at, last_reference)
   SELECT g, '${now}'::timestamptz - random() * interval '72 hours', 'feed-' || g FROM generate_series(1, 11) g`,
];

/**
 * One row per order with every random choice made once: channel, currency, service level, lines,
 * locations and the lifecycle's times; the status follows from those times and `now`.
 */
const stagingOrders = (orders: number, now: string) => `
CREATE UNLOGGED TABLE bench_orders AS
WITH base AS (
  SELECT i, random() AS r_age, random() AS r_ch, random() AS r_cur, random() AS r_sl, random() AS r_lines,
         random() AS r_capture, random() AS r_ship, random() AS r_late, random() AS r_transit,
         random() AS r_split, random() AS r_loc, random() AS r_cancel, random() AS r_reason,
         random() AS r_stuck, random() AS r_open, random() AS r_ret, random() AS r_extra
    FROM generate_series(1, ${orders}) i
), a AS (
  SELECT *, '${now}'::timestamptz - 400 * (1 - sqrt(r_age)) * interval '1 day' AS placed_at,
         CASE WHEN r_ch < 0.55 THEN 1 WHEN r_ch < 0.80 THEN 2 WHEN r_ch < 0.92 THEN 3 ELSE 4 END AS channel_id,
         CASE WHEN r_sl < 0.80 THEN 'standard' WHEN r_sl < 0.95 THEN 'express' ELSE 'same_day' END AS service_level,
         1 + floor(power(r_lines, 2) * 4)::int AS n_lines
    FROM base
), b AS (
  SELECT *,
         placed_at + r_capture * interval '120 seconds' AS created_at,
         CASE WHEN channel_id = 3 OR r_cur < 0.85 THEN 'USD' WHEN r_cur < 0.95 THEN 'EUR' ELSE 'GBP' END AS currency,
         CASE WHEN channel_id = 3 THEN 9 + floor(r_loc * 3)::int
              WHEN channel_id = 1 AND r_loc < 0.03 THEN 12
              ELSE 1 + floor(power(r_loc, 1.5) * 8)::int END AS loc1,
         n_lines > 1 AND r_split < 0.08 AS split,
         CASE WHEN service_level = 'same_day' THEN 1 + r_ship * 8 ELSE 2 + power(r_ship, 2) * 70 END
           + CASE WHEN r_late < 0.05 THEN 48 ELSE 0 END AS ship_hours,
         CASE service_level WHEN 'standard' THEN 24 * (2 + floor(r_transit * 4)) + r_transit * 10
                            WHEN 'express' THEN 24 * (1 + floor(r_transit * 2)) + r_transit * 6
                            ELSE 2 + r_transit * 8 END AS transit_hours
    FROM a
), c AS (
  SELECT b.*, CASE WHEN split THEN 1 + (loc1 % 8) END AS loc2,
         b.created_at + ship_hours * interval '1 hour' AS shipped1,
         b.created_at + (ship_hours + CASE WHEN split THEN 24 * r_extra * 3 ELSE 0 END) * interval '1 hour' AS shipped2,
         ((b.created_at AT TIME ZONE l.time_zone)::date + CASE WHEN service_level = 'same_day' THEN 0 ELSE 1 END) AS ship_by
    FROM b JOIN locations l ON l.id = b.loc1
), d AS (
  SELECT *, shipped1 + transit_hours * interval '1 hour' AS delivered1,
         shipped2 + transit_hours * interval '1 hour' AS delivered2,
         ship_by + CASE service_level WHEN 'standard' THEN 5 WHEN 'express' THEN 2 ELSE 0 END AS promised
    FROM c
)
SELECT i, md5('order-' || i)::uuid AS id, channel_id, currency, service_level, n_lines, split, loc1, loc2,
       placed_at, created_at, ship_by, promised, shipped1, shipped2, delivered1, delivered2,
       CASE WHEN r_cancel < 0.04 THEN 'cancelled'
            WHEN r_stuck < 0.003 THEN CASE WHEN r_open < 0.6 THEN 'on_hold' ELSE 'backordered' END
            WHEN shipped1 > '${now}' THEN CASE WHEN r_open < 0.05 THEN 'on_hold' WHEN r_open < 0.08 THEN 'backordered'
                                               WHEN r_open < 0.30 THEN 'allocated' ELSE 'released' END
            WHEN shipped2 > '${now}' THEN 'partially_shipped'
            WHEN delivered2 > '${now}' THEN 'shipped'
            WHEN r_ret < 0.06 AND delivered2 + interval '30 days' < '${now}'
              THEN CASE WHEN r_ret < 0.024 THEN 'returned' ELSE 'partially_returned' END
            ELSE 'delivered' END AS status,
       CASE WHEN r_cancel < 0.04 THEN (ARRAY['customer changed their mind', 'customer changed their mind',
            'out of stock', 'fraud suspected', 'duplicate order', 'address undeliverable'])[1 + floor(r_reason * 6)::int]
       END AS cancel_reason,
       r_ret, r_open
  FROM d`;

const stagingLines = `
CREATE UNLOGGED TABLE bench_lines AS
SELECT row_number() OVER () AS id, o.i, n AS line_number, 1 + floor(random() * 5000)::int AS product_id,
       1 + floor(power(random(), 3) * 3)::int AS qty, 500 + floor(random() * 15000)::int AS price,
       random() < 0.02 AS short, CASE WHEN o.split AND n % 2 = 0 THEN 2 ELSE 1 END AS k
  FROM bench_orders o CROSS JOIN LATERAL generate_series(1, o.n_lines) n`;

const shippedStatuses = `('shipped', 'delivered', 'returned', 'partially_returned')`;
const withShipments = `('released', 'partially_shipped', 'shipped', 'delivered', 'returned', 'partially_returned')`;

const orderRows = (orders: number) => [
  `INSERT INTO orders (id, number, channel_id, external_id, status, customer, customer_email, ship_to, address_key,
                       currency, service_level, shipping_amount, discounts, subtotal, discount_total, tax_total, total,
                       payment, risk, destination, routing, promised_delivery_date, priority, tags, metadata,
                       placed_at, cancel_reason, created_at, updated_at)
   SELECT o.id, 100000 + o.i, o.channel_id, 'EXT-' || o.i, o.status::order_status,
          jsonb_build_object('email', 'c' || (o.i % 200000) || '@example.com', 'name', 'Customer ' || (o.i % 200000)),
          'c' || (o.i % 200000) || '@example.com',
          jsonb_build_object('name', 'Customer ' || (o.i % 200000), 'line1', (o.i % 997) || ' Main St',
                             'city', 'Springfield', 'region', 'IL', 'postal_code', '62701', 'country', 'US'),
          'US|62701|' || (o.i % 997) || ' MAIN ST', o.currency, o.service_level::service_level, 500, '[]'::jsonb,
          l.subtotal, 0, round(l.subtotal * 0.08), l.subtotal + 500 + round(l.subtotal * 0.08),
          jsonb_build_object('status', 'captured', 'amount', l.subtotal + 500 + round(l.subtotal * 0.08), 'method', 'card'),
          jsonb_build_object('score', 10, 'version', 1, 'decision', 'accept', 'reasons', '[]'::jsonb),
          jsonb_build_object('latitude', 39.8, 'longitude', -89.6, 'source', 'postal_code'),
          jsonb_build_object('rule_set_version', 1, 'rule', 'default', 'locations', jsonb_build_array('LOC-' || lpad(o.loc1::text, 2, '0')),
                             'why', 'nearest location with stock for every line'),
          o.promised, CASE o.service_level WHEN 'standard' THEN 0 ELSE 10 END, '{}', '{}'::jsonb,
          o.placed_at, o.cancel_reason, o.created_at, o.created_at
     FROM bench_orders o
     JOIN (SELECT i, sum(qty * price) AS subtotal FROM bench_lines GROUP BY i) l USING (i)`,
  `SELECT setval('order_number_seq', ${100001 + orders})`,
  `INSERT INTO order_lines (id, order_id, line_number, product_id, sku, quantity, unit_price, quantity_allocated,
                            quantity_backordered, quantity_cancelled, quantity_shipped, quantity_returned, quantity_refunded)
   OVERRIDING SYSTEM VALUE
   SELECT l.id, o.id, l.line_number, l.product_id, 'SKU-' || lpad(l.product_id::text, 5, '0'), l.qty, l.price,
          CASE WHEN o.status IN ('allocated', 'released') OR (o.status = 'partially_shipped' AND l.k = 2) THEN l.qty ELSE 0 END,
          CASE WHEN o.status = 'backordered' THEN l.qty ELSE 0 END,
          CASE WHEN o.status = 'cancelled' THEN l.qty WHEN o.status IN ${shippedStatuses} AND l.short AND l.qty > 1 THEN 1 ELSE 0 END,
          CASE WHEN o.status IN ${shippedStatuses} OR (o.status = 'partially_shipped' AND l.k = 1)
               THEN l.qty - CASE WHEN l.short AND l.qty > 1 THEN 1 ELSE 0 END ELSE 0 END,
          CASE WHEN o.status = 'returned' THEN l.qty - CASE WHEN l.short AND l.qty > 1 THEN 1 ELSE 0 END
               WHEN o.status = 'partially_returned' AND l.line_number = 1 THEN 1 ELSE 0 END,
          0
     FROM bench_lines l JOIN bench_orders o USING (i)`,
  `SELECT setval(pg_get_serial_sequence('order_lines', 'id'), (SELECT max(id) FROM order_lines))`,
];

const shipmentRows = (now: string) => [
  `INSERT INTO shipments (id, number, order_id, channel_id, order_created_at, location_id, status, service_level,
                          ship_by, ship_deadline, promised_delivery_date, carrier, service, tracking_number, cost,
                          weight_grams, created_at, updated_at, shipped_at, delivered_at)
   SELECT md5('shipment-' || o.i || '-' || k)::uuid, (100000 + o.i) || '-' || k, o.id, o.channel_id, o.created_at,
          s.location_id,
          (CASE WHEN s.shipped > '${now}' THEN (ARRAY['pending', 'pending', 'picking', 'packed'])[1 + floor(o.r_open * 4)::int]
                WHEN s.delivered > '${now}' THEN 'in_transit' ELSE 'delivered' END)::shipment_status,
          o.service_level::service_level, o.ship_by,
          ((o.ship_by + 1)::timestamp AT TIME ZONE (SELECT l.time_zone FROM locations l WHERE l.id = s.location_id)),
          o.promised,
          CASE WHEN s.shipped <= '${now}' THEN 'parcelco' END, CASE WHEN s.shipped <= '${now}' THEN 'ground' END,
          CASE WHEN s.shipped <= '${now}' THEN '1Z' || lpad((o.i * 2 + k)::text, 12, '0') END,
          CASE WHEN s.shipped <= '${now}' THEN 700 + o.i % 900 END, 500,
          o.created_at, o.created_at,
          CASE WHEN s.shipped <= '${now}' THEN s.shipped END,
          CASE WHEN s.delivered <= '${now}' THEN s.delivered END
     FROM bench_orders o
     CROSS JOIN LATERAL generate_series(1, CASE WHEN o.split THEN 2 ELSE 1 END) k
     CROSS JOIN LATERAL (SELECT CASE WHEN k = 1 THEN o.loc1 ELSE o.loc2 END AS location_id,
                                CASE WHEN k = 1 THEN o.shipped1 ELSE o.shipped2 END AS shipped,
                                CASE WHEN k = 1 THEN o.delivered1 ELSE o.delivered2 END AS delivered) s
    WHERE o.status IN ${withShipments}`,
  `INSERT INTO shipment_lines (shipment_id, order_line_id, product_id, sku, quantity, quantity_scanned, shipped_at)
   SELECT md5('shipment-' || o.i || '-' || l.k)::uuid, l.id, l.product_id, 'SKU-' || lpad(l.product_id::text, 5, '0'),
          l.qty - CASE WHEN l.short AND l.qty > 1 AND o.status IN ${shippedStatuses} THEN 1 ELSE 0 END, 0,
          CASE WHEN s.shipped <= '${now}' THEN s.shipped END
     FROM bench_lines l JOIN bench_orders o USING (i)
     CROSS JOIN LATERAL (SELECT CASE WHEN l.k = 1 THEN o.shipped1 ELSE o.shipped2 END AS shipped) s
    WHERE o.status IN ${withShipments}`,
  // The fulfilment facts the orders module keeps on each order that shipped something.
  `UPDATE orders o SET shipment_count = f.shipments, line_count = f.lines, lines_filled = f.filled
     FROM (SELECT l.order_id, count(*)::int AS lines,
                  count(*) FILTER (WHERE l.quantity_shipped >= l.quantity)::int AS filled,
                  max(CASE WHEN b.split THEN 2 ELSE 1 END) AS shipments
             FROM order_lines l JOIN bench_orders b ON b.id = l.order_id
            WHERE b.status IN ('partially_shipped', 'shipped', 'delivered', 'returned', 'partially_returned')
            GROUP BY l.order_id) f
    WHERE o.id = f.order_id`,
  // Units still held for open orders are active reservations; shipped units consumed theirs.
  `INSERT INTO reservations (order_line_id, channel_id, product_id, location_id, quantity, status, created_at, closed_at)
   SELECT l.id, o.channel_id, l.product_id, CASE WHEN l.k = 1 THEN o.loc1 ELSE coalesce(o.loc2, o.loc1) END, l.qty,
          (CASE WHEN o.status IN ('allocated', 'released') OR (o.status = 'partially_shipped' AND l.k = 2)
                THEN 'active' ELSE 'consumed' END)::reservation_status,
          o.created_at,
          CASE WHEN o.status IN ('allocated', 'released') OR (o.status = 'partially_shipped' AND l.k = 2) THEN NULL
               WHEN l.k = 1 THEN o.shipped1 ELSE o.shipped2 END
     FROM bench_lines l JOIN bench_orders o USING (i)
    WHERE o.status IN ('allocated', 'partially_shipped') OR o.status IN ${withShipments}`,
];

const returnRows = (now: string) => [
  `CREATE UNLOGGED TABLE bench_returns AS
   SELECT o.i, o.id AS order_id, o.currency, o.loc1, md5('return-' || o.i)::uuid AS id,
          o.delivered2 + (2 + o.r_open * 18) * interval '1 day' AS created_at, o.r_ret < 0.054 AS refunded
     FROM bench_orders o WHERE o.status IN ('returned', 'partially_returned')`,
  `INSERT INTO returns (id, number, order_id, status, initiated_by, created_at, updated_at)
   SELECT id, 'R' || (100000 + i) || '-1', order_id, (CASE WHEN refunded THEN 'refunded' ELSE 'received' END)::return_status,
          'customer', created_at, created_at
     FROM bench_returns`,
  `CREATE UNLOGGED TABLE bench_return_lines AS
   SELECT row_number() OVER () AS id, r.id AS return_id, r.created_at, r.loc1, l.id AS order_line_id, l.product_id,
          CASE WHEN o.status = 'returned' THEN l.qty - CASE WHEN l.short AND l.qty > 1 THEN 1 ELSE 0 END ELSE 1 END AS quantity,
          (ARRAY['size_or_fit', 'size_or_fit', 'size_or_fit', 'no_longer_needed', 'no_longer_needed', 'damaged',
                 'defective', 'wrong_item', 'not_as_described', 'arrived_late', 'other'])[1 + floor(random() * 11)::int] AS reason,
          l.price
     FROM bench_returns r JOIN bench_orders o USING (i) JOIN bench_lines l USING (i)
    WHERE o.status = 'returned' OR l.line_number = 1`,
  `INSERT INTO return_lines (id, return_id, order_line_id, product_id, sku, quantity, reason, quantity_restocked,
                             quantity_unsellable, quantity_refunded)
   OVERRIDING SYSTEM VALUE
   SELECT id, return_id, order_line_id, product_id, 'SKU-' || lpad(product_id::text, 5, '0'), quantity,
          reason::return_reason, CASE WHEN reason IN ('damaged', 'defective') THEN 0 ELSE quantity END,
          CASE WHEN reason IN ('damaged', 'defective') THEN quantity ELSE 0 END, 0
     FROM bench_return_lines`,
  `SELECT setval(pg_get_serial_sequence('return_lines', 'id'), (SELECT max(id) FROM return_lines))`,
  `INSERT INTO return_receipts (return_line_id, location_id, quantity, condition, received_at)
   SELECT id, loc1, quantity, CASE WHEN reason IN ('damaged', 'defective') THEN 'damaged' ELSE 'sellable' END,
          created_at + (3 + random() * 4) * interval '1 day'
     FROM bench_return_lines`,
  `INSERT INTO refunds (return_id, order_id, status, amount, currency, breakdown, created_at, confirmed_at)
   SELECT r.id, r.order_id, CASE WHEN r.refunded THEN 'completed' ELSE 'requested' END, t.amount, r.currency,
          '{"lines": [], "shipping": 0, "restocking_fee": 0}'::jsonb,
          r.created_at + interval '8 days', CASE WHEN r.refunded THEN r.created_at + interval '9 days' END
     FROM bench_returns r
     JOIN (SELECT return_id, sum(quantity * price) AS amount FROM bench_return_lines GROUP BY return_id) t ON t.return_id = r.id
    WHERE r.created_at + interval '8 days' < '${now}'`,
];

const holdRows = () => [
  // Open holds on held orders; resolved ones in the history of 2% of the others.
  `INSERT INTO holds (order_id, kind, queue, status, reason, created_at, resolved_at)
   SELECT o.id, (ARRAY['payment', 'payment', 'address', 'fraud', 'stock', 'manual', 'routing_review'])[k]::hold_kind,
          (ARRAY['payments', 'payments', 'address_review', 'fraud_review', 'inventory', 'customer_service', 'routing_review'])[k],
          'open', 'bench', o.created_at + interval '1 minute', NULL
     FROM bench_orders o CROSS JOIN LATERAL (SELECT 1 + floor(o.r_ret * 7)::int AS k) p
    WHERE o.status = 'on_hold'`,
  `INSERT INTO holds (order_id, kind, queue, status, reason, created_at, resolved_at)
   SELECT o.id, 'payment', 'payments', 'released', 'bench', o.created_at + interval '1 minute', o.created_at + interval '2 hours'
     FROM bench_orders o WHERE o.r_open < 0.02 AND o.status IN ${shippedStatuses}`,
];

export interface GenerateOptions {
  orders: number;
  log: (line: string) => void;
}

const loadedTables = [
  'orders',
  'order_lines',
  'shipments',
  'shipment_lines',
  'reservations',
  'returns',
  'return_lines',
  'return_receipts',
  'refunds',
  'holds',
];

/**
 * Bulk-load mode: the loaded tables' secondary indexes are dropped (and built again afterwards, which
 * is much faster than maintaining them row by row) and, where the role may, foreign-key triggers are
 * skipped (the generated rows are consistent by construction). Constraint indexes stay.
 */
async function bulkLoad(client: pg.Client, log: (line: string) => void, load: () => Promise<void>) {
  const { rows } = await client.query<{ name: string; definition: string }>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
      WHERE schemaname = 'public' AND tablename = ANY($1)
        AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
    [loadedTables],
  );
  for (const index of rows) {
    await client.query(`DROP INDEX "${index.name}"`);
  }
  const skipTriggers = await client
    .query('SET session_replication_role = replica')
    .then(() => true)
    .catch(() => false);
  await load();
  if (skipTriggers) {
    await client.query('SET session_replication_role = DEFAULT');
  }
  const started = Date.now();
  await client.query("SET maintenance_work_mem = '256MB'");
  for (const index of rows) {
    await client.query(index.definition);
  }
  log(`  ${rows.length} indexes built again: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Fills the migrated database behind `client` (which must be empty); returns the row counts. */
export async function generateReportData(client: pg.Client, { orders, log }: GenerateOptions) {
  const now = ((await client.query('SELECT now()::text AS now')).rows[0] as { now: string }).now;
  const steps = [
    ...catalog(now),
    stagingOrders(orders, now),
    stagingLines,
    ...orderRows(orders),
    ...shipmentRows(now),
    ...returnRows(now),
    ...holdRows(),
    'DROP TABLE bench_orders, bench_lines, bench_returns, bench_return_lines',
  ];
  await bulkLoad(client, log, async () => {
    for (const step of steps) {
      const started = Date.now();
      const result = await client.query(step);
      const what = step.trim().split(/\s+/).slice(0, 3).join(' ');
      log(`  ${what}: ${result.rowCount ?? 0} rows, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  });
  const started = Date.now();
  // A database that has been running a while: tables vacuumed and analysed, the load's dirty pages
  // written out now rather than by the checkpointer while the reports are timed.
  await client.query('VACUUM (ANALYZE)');
  await client.query('CHECKPOINT');
  log(`  VACUUM (ANALYZE), CHECKPOINT: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const counts = await client.query<{ table: string; rows: string }>(`
    SELECT 'orders' AS table, count(*) AS rows FROM orders UNION ALL SELECT 'order_lines', count(*) FROM order_lines
    UNION ALL SELECT 'shipments', count(*) FROM shipments UNION ALL SELECT 'shipment_lines', count(*) FROM shipment_lines
    UNION ALL SELECT 'reservations', count(*) FROM reservations UNION ALL SELECT 'returns', count(*) FROM returns
    UNION ALL SELECT 'return_lines', count(*) FROM return_lines UNION ALL SELECT 'refunds', count(*) FROM refunds
    UNION ALL SELECT 'holds', count(*) FROM holds UNION ALL SELECT 'inventory_levels', count(*) FROM inventory_levels`);
  return Object.fromEntries(counts.rows.map((row) => [row.table, Number(row.rows)]));
}
