import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFolder, runMigrations } from '../../src/db/migrate.js';
import { createTestDatabase } from '../helpers/app.js';

/** Applies the committed migrations up to and including `tag`, as a database deployed then would have. */
async function migrateUpTo(url: string, tag: string): Promise<void> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'ordo-migrations-'));
  try {
    await cp(migrationsFolder, folder, { recursive: true });
    const journalPath = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(await readFile(journalPath, 'utf8'));
    const last = journal.entries.findIndex((entry: { tag: string }) => entry.tag === tag);
    journal.entries = journal.entries.slice(0, last + 1);
    await writeFile(journalPath, JSON.stringify(journal));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await migrate(drizzle(client), { migrationsFolder: folder });
    await client.end();
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

describe('migration 0006: reservations point to their order line by a foreign key', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: pg.Client;
  beforeAll(async () => {
    database = await createTestDatabase({ template: null });
    await migrateUpTo(database.url, '0005_webhooks');
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  it('converts `order_line:<id>` holders, and drops reservations whose line is gone, giving their units back', async () => {
    const one = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows[0];
    const channel = await one(`INSERT INTO channels (code, name) VALUES ('web', 'Web') RETURNING id`);
    const product = await one(`INSERT INTO products (sku, name) VALUES ('SKU-1', 'Thing') RETURNING id`);
    const location = await one(
      `INSERT INTO locations (code, name, kind, address) VALUES ('DC', 'DC', 'warehouse', '{"country":"US"}') RETURNING id`,
    );
    // 3 units held by a live line, 4 by a line an edit deleted (a leak the old text holder allowed).
    await client.query(
      'INSERT INTO inventory_levels (product_id, location_id, on_hand, reserved) VALUES ($1, $2, 10, 7)',
      [product.id, location.id],
    );
    const order = await one(
      `INSERT INTO orders (channel_id, external_id, status, customer, customer_email, ship_to, address_key,
                           currency, service_level, shipping_amount, discounts, subtotal, discount_total,
                           tax_total, total, payment, priority, tags, metadata, placed_at)
       VALUES ($1, 'EXT-1', 'allocated', '{"email":"a@example.com"}', 'a@example.com', '{"country":"US"}', 'k',
               'USD', 'standard', 0, '[]', 0, 0, 0, 0, '{"status":"captured","amount":0}', 0, '{}', '{}', now())
       RETURNING id`,
      [channel.id],
    );
    const line = await one(
      `INSERT INTO order_lines (order_id, line_number, product_id, sku, quantity, unit_price)
       VALUES ($1, 1, $2, 'SKU-1', 5, 100) RETURNING id`,
      [order.id, product.id],
    );
    const reserve = (holder: string, quantity: number, status: string) =>
      client.query(
        `INSERT INTO reservations (holder, channel_id, product_id, location_id, quantity, status)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [holder, channel.id, product.id, location.id, quantity, status],
      );
    await reserve(`order_line:${line.id}`, 3, 'active');
    await reserve(`order_line:${line.id}`, 2, 'released');
    await reserve('order_line:999999', 4, 'active');
    await reserve('order_line:999998', 1, 'released');

    await runMigrations(database.url);

    const { rows } = await client.query(
      'SELECT order_line_id, quantity, status FROM reservations ORDER BY id',
    );
    expect(rows).toEqual([
      { order_line_id: String(line.id), quantity: 3, status: 'active' },
      { order_line_id: String(line.id), quantity: 2, status: 'released' },
    ]);
    expect(await one('SELECT on_hand, reserved FROM inventory_levels')).toEqual({ on_hand: 10, reserved: 3 });
    const holder = await client.query(
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'reservations' AND column_name = 'holder'",
    );
    expect(holder.rowCount).toBe(0);
    await expect(
      client.query(
        `INSERT INTO reservations (order_line_id, channel_id, product_id, location_id, quantity)
         VALUES (999999, $1, $2, $3, 1)`,
        [channel.id, product.id, location.id],
      ),
    ).rejects.toMatchObject({ code: '23503' });
  });
});

describe('migration 0011: report facts on shipments and orders', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: pg.Client;
  beforeAll(async () => {
    database = await createTestDatabase({ template: null });
    await migrateUpTo(database.url, '0010_shopify_fulfilments');
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  it('copies each shipment’s channel and capture time, and counts shipped orders’ shipments and filled lines', async () => {
    const one = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows[0];
    const channel = await one(`INSERT INTO channels (code, name) VALUES ('web', 'Web') RETURNING id`);
    const product = await one(`INSERT INTO products (sku, name) VALUES ('SKU-1', 'Thing') RETURNING id`);
    const location = await one(
      `INSERT INTO locations (code, name, kind, address) VALUES ('DC', 'DC', 'warehouse', '{"country":"US"}') RETURNING id`,
    );
    const order = async (external: string, status: string) =>
      one(
        `INSERT INTO orders (channel_id, external_id, status, customer, customer_email, ship_to, address_key,
                             currency, service_level, shipping_amount, discounts, subtotal, discount_total,
                             tax_total, total, payment, priority, tags, metadata, placed_at, created_at)
         VALUES ($1, $2, $3, '{"email":"a@example.com"}', 'a@example.com', '{"country":"US"}', 'k',
                 'USD', 'standard', 0, '[]', 0, 0, 0, 0, '{"status":"captured","amount":0}', 0, '{}', '{}',
                 now(), '2026-11-02T10:00:00Z')
         RETURNING id`,
        [channel.id, external, status],
      );
    const shippedOrder = await order('EXT-1', 'partially_shipped');
    const openOrder = await order('EXT-2', 'released');
    const line = (orderId: string, n: number, quantity: number, shipped: number) =>
      client.query(
        `INSERT INTO order_lines (order_id, line_number, product_id, sku, quantity, unit_price, quantity_shipped)
         VALUES ($1, $2, $3, 'SKU-1', $4, 100, $5)`,
        [orderId, n, product.id, quantity, shipped],
      );
    await line(shippedOrder.id, 1, 2, 2);
    await line(shippedOrder.id, 2, 3, 1);
    await line(openOrder.id, 1, 1, 0);
    const shipment = (orderId: string, number: string, status: string) =>
      client.query(
        `INSERT INTO shipments (number, order_id, location_id, status, service_level, ship_by)
         VALUES ($1, $2, $3, $4, 'standard', '2026-11-03')`,
        [number, orderId, location.id, status],
      );
    await shipment(shippedOrder.id, 'S-1', 'shipped');
    await shipment(shippedOrder.id, 'S-2', 'pending');
    await shipment(shippedOrder.id, 'S-3', 'cancelled');
    await shipment(openOrder.id, 'S-4', 'pending');

    await runMigrations(database.url);

    const shipments = await client.query('SELECT DISTINCT channel_id, order_created_at FROM shipments');
    expect(shipments.rows).toEqual([
      { channel_id: String(channel.id), order_created_at: new Date('2026-11-02T10:00:00Z') },
    ]);
    const facts = await client.query(
      'SELECT external_id, shipment_count, line_count, lines_filled FROM orders ORDER BY external_id',
    );
    expect(facts.rows).toEqual([
      { external_id: 'EXT-1', shipment_count: 2, line_count: 2, lines_filled: 1 },
      { external_id: 'EXT-2', shipment_count: 0, line_count: 0, lines_filled: 0 },
    ]);
  });
});

describe('migration 0013: shipments carry the end of their ship-by day, shipment lines their shipped time', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: pg.Client;
  beforeAll(async () => {
    database = await createTestDatabase({ template: null });
    await migrateUpTo(database.url, '0011_report_facts');
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  it('fills each shipment’s deadline from its location’s time zone, and each shipped line’s shipped time', async () => {
    const one = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows[0];
    const channel = await one(`INSERT INTO channels (code, name) VALUES ('web', 'Web') RETURNING id`);
    const location = async (code: string, timeZone: string) =>
      one(
        `INSERT INTO locations (code, name, kind, address, time_zone)
         VALUES ($1, $1, 'warehouse', '{"country":"US"}', $2) RETURNING id`,
        [code, timeZone],
      );
    const newYork = await location('NYC', 'America/New_York');
    const tokyo = await location('TYO', 'Asia/Tokyo');
    const order = await one(
      `INSERT INTO orders (channel_id, external_id, status, customer, customer_email, ship_to, address_key,
                           currency, service_level, shipping_amount, discounts, subtotal, discount_total,
                           tax_total, total, payment, priority, tags, metadata, placed_at, created_at)
       VALUES ($1, 'EXT-1', 'released', '{"email":"a@example.com"}', 'a@example.com', '{"country":"US"}', 'k',
               'USD', 'standard', 0, '[]', 0, 0, 0, 0, '{"status":"captured","amount":0}', 0, '{}', '{}',
               now(), now())
       RETURNING id, created_at`,
      [channel.id],
    );
    const product = await one(`INSERT INTO products (sku, name) VALUES ('SKU-1', 'Thing') RETURNING id`);
    const line = await one(
      `INSERT INTO order_lines (order_id, line_number, product_id, sku, quantity, unit_price)
       VALUES ($1, 1, $2, 'SKU-1', 2, 100) RETURNING id`,
      [order.id, product.id],
    );
    for (const [number, locationId, shippedAt] of [
      ['S-1', newYork.id, '2026-11-03T20:00:00Z'],
      ['S-2', tokyo.id, null],
    ]) {
      const shipment = await one(
        `INSERT INTO shipments (number, order_id, channel_id, order_created_at, location_id, service_level, ship_by, shipped_at)
         VALUES ($1, $2, $3, $4, $5, 'standard', '2026-11-03', $6) RETURNING id`,
        [number, order.id, channel.id, order.created_at, locationId, shippedAt],
      );
      await client.query(
        `INSERT INTO shipment_lines (shipment_id, order_line_id, product_id, sku, quantity)
         VALUES ($1, $2, $3, 'SKU-1', 1)`,
        [shipment.id, line.id, product.id],
      );
    }

    await runMigrations(database.url);

    const deadlines = await client.query('SELECT number, ship_deadline FROM shipments ORDER BY number');
    expect(deadlines.rows).toEqual([
      { number: 'S-1', ship_deadline: new Date('2026-11-04T05:00:00Z') },
      { number: 'S-2', ship_deadline: new Date('2026-11-03T15:00:00Z') },
    ]);
    const lines = await client.query(
      'SELECT s.number, sl.shipped_at FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id ORDER BY s.number',
    );
    expect(lines.rows).toEqual([
      { number: 'S-1', shipped_at: new Date('2026-11-03T20:00:00Z') },
      { number: 'S-2', shipped_at: null },
    ]);
  });
});

describe('migration 0024: events and webhook deliveries partitioned by time', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: pg.Client;
  beforeAll(async () => {
    database = await createTestDatabase({ template: null });
    await migrateUpTo(database.url, '0023_webhook_claims_index');
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  it('keeps every row in a partition of its own, and new ids continue after the old ones', async () => {
    const rows = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows;
    await client.query(
      `INSERT INTO events (type, resource_type, resource_id, data, occurred_at, position)
       SELECT 'order.updated', 'order', 'o-' || g, '{}', now() - make_interval(days => 400 - g), g
         FROM generate_series(1, 5) g`,
    );
    await client.query(
      `INSERT INTO events (type, resource_type, resource_id, data) VALUES ('order.updated', 'order', 'o-6', '{}')`,
    );
    const [subscription] = await rows(
      `INSERT INTO webhook_subscriptions (url, event_types, secret) VALUES ('https://example.com/h', '{order.*}', 'whsec_x') RETURNING id`,
    );
    await client.query(
      `INSERT INTO webhook_deliveries (subscription_id, event_sequence, status, created_at)
       SELECT $1, sequence, CASE WHEN sequence = 5 THEN 'pending' ELSE 'delivered' END, occurred_at + interval '1 second'
         FROM events WHERE position IS NOT NULL`,
      [subscription.id],
    );
    await client.query(
      `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, success)
       SELECT id, 1, created_at, 12, 200, true FROM webhook_deliveries`,
    );
    const eventsBefore = await rows(
      'SELECT sequence, id, position, occurred_at FROM events ORDER BY sequence',
    );
    const deliveriesBefore = await rows(
      'SELECT id, event_sequence, status, created_at FROM webhook_deliveries ORDER BY id',
    );
    const attemptsBefore = await rows('SELECT id, delivery_id FROM webhook_attempts ORDER BY id');

    await runMigrations(database.url);

    const kinds = await rows(
      `SELECT relname, relkind FROM pg_class WHERE relname IN ('events', 'webhook_deliveries', 'webhook_attempts') ORDER BY relname`,
    );
    expect(kinds.map((k) => k.relkind)).toEqual(['p', 'p', 'p']);
    expect(await rows('SELECT sequence, id, position, occurred_at FROM events ORDER BY sequence')).toEqual(
      eventsBefore,
    );
    expect(await rows('SELECT DISTINCT tableoid::regclass::text AS part FROM events')).toEqual([
      { part: 'events_legacy' },
    ]);
    expect(
      await rows(
        `SELECT d.id, d.event_sequence, d.status, d.created_at FROM webhook_deliveries d
          JOIN events e ON e.sequence = d.event_sequence AND e.occurred_at = d.event_occurred_at ORDER BY d.id`,
      ),
    ).toEqual(deliveriesBefore);
    expect(
      await rows(
        `SELECT a.id, a.delivery_id FROM webhook_attempts a
          JOIN webhook_deliveries d ON d.id = a.delivery_id AND d.created_at = a.delivery_created_at
          WHERE a.tableoid = 'webhook_attempts_legacy'::regclass ORDER BY a.id`,
      ),
    ).toEqual(attemptsBefore);
    // The next periods are there, and a DEFAULT partition behind them.
    const parts = await rows(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`,
    );
    expect(parts.map((p) => p.relname)).toEqual([
      'events_default',
      'events_legacy',
      expect.stringMatching(/^events_p\d{6}01$/),
      expect.stringMatching(/^events_p\d{6}01$/),
    ]);

    const [event] = await rows(
      `INSERT INTO events (type, resource_type, resource_id, data) VALUES ('order.updated', 'order', 'o-7', '{}')
       RETURNING sequence`,
    );
    expect(Number(event.sequence)).toBe(Number(eventsBefore.at(-1)?.sequence) + 1);
    const [delivery] = await rows(
      `INSERT INTO webhook_deliveries (subscription_id, event_sequence, event_occurred_at)
       SELECT $1, sequence, occurred_at FROM events WHERE sequence = $2 RETURNING id, created_at`,
      [subscription.id, event.sequence],
    );
    expect(Number(delivery.id)).toBe(Number(deliveriesBefore.at(-1)?.id) + 1);
    const [attempt] = await rows(
      `INSERT INTO webhook_attempts (delivery_id, delivery_created_at, attempt, started_at, duration_ms, success)
       SELECT id, created_at, 1, now(), 5, true FROM webhook_deliveries WHERE id = $1 RETURNING id`,
      [delivery.id],
    );
    expect(Number(attempt.id)).toBe(Number(attemptsBefore.at(-1)?.id) + 1);
  });
});
