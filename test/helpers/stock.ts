import type pg from 'pg';
import type { TestApp } from './app.js';

/** Internal ids for driving the allocation engine directly. */
export async function idsOf(t: TestApp, refs: { channel?: string; skus?: string[]; locations?: string[] }) {
  const query = async (sql: string, keys: string[] = []) =>
    new Map((await t.pool.query(sql, [keys])).rows.map((row) => [row.key as string, Number(row.id)]));
  return {
    channels: await query(
      'SELECT code AS key, id FROM channels WHERE code = ANY($1)',
      refs.channel ? [refs.channel] : [],
    ),
    products: await query('SELECT sku AS key, id FROM products WHERE sku = ANY($1)', refs.skus ?? []),
    locations: await query(
      'SELECT code AS key, id FROM locations WHERE code = ANY($1)',
      refs.locations ?? [],
    ),
  };
}

/**
 * The engine's invariants, checked on the rows: no negative stock, reserved equals the sum of active
 * reservations, on_hand equals the sum of the ledger, and the damaged and quality-control units equal
 * the ledger's rows in those states. Returns the rows that break any of them.
 */
export async function brokenInvariants(pool: pg.Pool) {
  const { rows } = await pool.query(`
    SELECT l.product_id, l.location_id, l.on_hand, l.reserved, l.damaged, l.quality_control,
           coalesce((SELECT sum(quantity) FROM reservations r
                      WHERE r.product_id = l.product_id AND r.location_id = l.location_id AND r.status = 'active'), 0)::int AS active,
           m.ledger, m.ledger_damaged, m.ledger_quality_control
      FROM inventory_levels l
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(quantity_change), 0)::int AS ledger,
               coalesce(sum(quantity_change) FILTER (WHERE stock_state = 'damaged'), 0)::int AS ledger_damaged,
               coalesce(sum(quantity_change) FILTER (WHERE stock_state = 'quality_control'), 0)::int AS ledger_quality_control
          FROM inventory_movements m WHERE m.product_id = l.product_id AND m.location_id = l.location_id) m`);
  return rows.filter(
    (row) =>
      row.on_hand < 0 ||
      row.reserved < 0 ||
      row.reserved !== row.active ||
      row.on_hand !== row.ledger ||
      row.damaged !== row.ledger_damaged ||
      row.quality_control !== row.ledger_quality_control,
  );
}

/**
 * `count` order lines of one bare order in `channelId`, written straight to the tables, to hold the
 * reservations of tests that drive the allocation engine directly (a reservation names its order line).
 */
export async function holderLines(t: TestApp, channelId: number, count: number): Promise<number[]> {
  const { rows } = await t.pool.query(
    `WITH o AS (
       INSERT INTO orders (channel_id, external_id, status, customer, customer_email, ship_to, address_key,
                           currency, service_level, shipping_amount, discounts, subtotal, discount_total,
                           tax_total, total, payment, priority, tags, metadata, placed_at)
       VALUES ($1, gen_random_uuid()::text, 'allocated', '{"email":"engine@example.com"}', 'engine@example.com',
               '{"country":"US"}', 'engine', 'USD', 'standard', 0, '[]', 0, 0, 0, 0,
               '{"status":"captured","amount":0}', 0, '{}', '{}', now())
       RETURNING id)
     INSERT INTO order_lines (order_id, line_number, product_id, sku, quantity, unit_price)
     SELECT o.id, n, (SELECT min(id) FROM products), 'ENGINE', 1, 0 FROM o, generate_series(1, $2) AS n
     RETURNING id`,
    [channelId, count],
  );
  return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
}

/** Units reserved of a SKU, summed over its locations (`inventory_levels.reserved`). */
export const reservedOf = async (t: TestApp, sku: string): Promise<number> =>
  (
    await t.pool.query(
      'SELECT coalesce(sum(l.reserved), 0)::int AS reserved FROM inventory_levels l JOIN products p ON p.id = l.product_id WHERE p.sku = $1',
      [sku],
    )
  ).rows[0].reserved;

/** The stock level of a SKU at a location, as GET /v1/inventory/levels shows it. */
export async function levelOf(t: TestApp, sku: string, location: string) {
  const res = await t.request({ method: 'GET', url: `/v1/inventory/levels?sku=${sku}&location=${location}` });
  return res.json().data[0];
}
