import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addPeriods, periodStart } from '../../src/db/partitions.js';
import type { FeedPage } from '../../src/modules/events/events.schemas.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testClock } from '../helpers/clock.js';
import { sequenceAll } from '../helpers/sequencer.js';

const dayMs = 86_400_000;

interface Bounds {
  name: string;
  from: Date | null;
  to: Date | null;
}

/** The table's partitions with their bounds, DEFAULT last (null bounds), from the catalog. */
async function partitions(t: TestApp, table: string): Promise<Bounds[]> {
  const { rows } = await t.pool.query<Bounds>(
    `SELECT c.relname AS name,
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']*)''\\)'))[1]::timestamptz AS "from",
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']*)''\\)'))[1]::timestamptz AS "to"
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass
      ORDER BY 3 NULLS LAST`,
    [table],
  );
  return rows;
}

/** Whether a table of that name exists at all (a dropped partition does not; an emptied one would). */
async function exists(t: TestApp, name: string): Promise<boolean> {
  const { rows } = await t.pool.query('SELECT to_regclass($1) IS NOT NULL AS found', [name]);
  return rows[0].found;
}

/** The first partition migration 0024 made: the rows from before it (and the tests'), from MINVALUE. */
async function legacy(t: TestApp, table: string): Promise<Bounds & { to: Date }> {
  const first = (await partitions(t, table))[0];
  if (!first?.to || first.from !== null) {
    throw new Error(`${table} has no partition from MINVALUE`);
  }
  return { ...first, to: first.to };
}

/** Inserts a numbered-to-be event that occurred at `at` (the database's clock writes it otherwise). */
async function insertEvent(t: TestApp, at: Date, resourceId = 'partition-test'): Promise<number> {
  const { rows } = await t.pool.query(
    `INSERT INTO events (type, resource_type, resource_id, data, occurred_at)
     VALUES ('order.updated', 'order', $1, '{}', $2) RETURNING sequence`,
    [resourceId, at],
  );
  return Number(rows[0].sequence);
}

/** Where the event is: its feed position and the partition that holds it (undefined: it is gone). */
async function eventAt(
  t: TestApp,
  sequence: number,
): Promise<{ position: number; part: string } | undefined> {
  const { rows } = await t.pool.query(
    'SELECT position, tableoid::regclass::text AS part FROM events WHERE sequence = $1',
    [sequence],
  );
  return rows[0] && { position: Number(rows[0].position), part: rows[0].part };
}

async function positionOf(t: TestApp, sequence: number): Promise<number> {
  const event = await eventAt(t, sequence);
  if (!event) {
    throw new Error(`event ${sequence} is not there`);
  }
  return event.position;
}

const monthPartition = (at: Date) =>
  `events_p${periodStart(at, 'month').toISOString().slice(0, 10).replaceAll('-', '')}`;

async function feed(t: TestApp, after: number): Promise<FeedPage> {
  const res = await t.request({ method: 'GET', url: `/v1/events?after=${after}&limit=100` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('the event feed across partitions', () => {
  const clock = testClock();
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ clock, config: { eventRetentionDays: 30, webhookRetentionDays: 30 } });
  });
  afterAll(() => t.close());

  it('continues a cursor taken before a month boundary into the next month, and past a dropped month', async () => {
    const { name: oldMonth, to: boundary } = await legacy(t, 'events');
    const before = [
      await insertEvent(t, new Date(boundary.getTime() - 2000)),
      await insertEvent(t, new Date(boundary.getTime() - 1000)),
    ];
    const after = [
      await insertEvent(t, new Date(boundary.getTime() + 1000)),
      await insertEvent(t, new Date(boundary.getTime() + 2000)),
    ];
    await sequenceAll(t);
    const parts = await Promise.all([...before, ...after].map(async (s) => (await eventAt(t, s))?.part));
    expect(parts).toEqual([oldMonth, oldMonth, monthPartition(boundary), monthPartition(boundary)]);

    // A consumer that read up to the last event of the old month gets the new month's events next.
    const cursor = await positionOf(t, before[1] ?? 0);
    const next = await feed(t, cursor);
    const newMonth = await Promise.all(after.map((s) => positionOf(t, s)));
    expect(next.data.map((e) => e.sequence)).toEqual(newMonth);

    // The old month passes the retention: dropped whole, and the same cursor (now pointing into a
    // month that is gone) continues from the oldest event left.
    clock.set(boundary.getTime() + 31 * dayMs);
    const result = await t.app.services.events.maintainPartitions();
    expect(result.dropped).toEqual([oldMonth]);
    expect(await exists(t, oldMonth)).toBe(false);
    expect(await eventAt(t, before[0] ?? 0)).toBeUndefined();
    const resumed = await feed(t, cursor);
    expect(resumed.data.map((e) => e.sequence)).toEqual(next.data.map((e) => e.sequence));
    expect((await feed(t, 0)).data[0]?.sequence).toBe(next.data[0]?.sequence);
  });
});

describe('partition maintenance', () => {
  const clock = testClock();
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ clock, config: { eventRetentionDays: 60, webhookRetentionDays: 14 } });
  });
  afterAll(() => t.close());
  afterEach(() => clock.reset());

  it('gives up on a lock it would wait long for, and leaves the period to the next run', async () => {
    const deliveries = await legacy(t, 'webhook_deliveries');
    const reader = await t.pool.connect();
    try {
      // A long read of the deliveries: dropping would queue every writer behind it.
      await reader.query('BEGIN');
      await reader.query('LOCK TABLE webhook_deliveries IN ACCESS SHARE MODE');
      clock.set(deliveries.to.getTime() + 15 * dayMs);
      const result = await t.app.services.webhooks.maintainPartitions();
      expect(result.waiting).toContainEqual({
        partitions: expect.arrayContaining([deliveries.name]),
        reason: expect.stringMatching(/lock was not granted within 500 ms/),
      });
      expect(result.dropped).toEqual([]);
      expect(await exists(t, deliveries.name)).toBe(true);
    } finally {
      await reader.query('ROLLBACK');
      reader.release();
    }
  });

  it('drops whole periods past the retention: the partitions are gone, not emptied', async () => {
    const deliveries = await legacy(t, 'webhook_deliveries');
    const attempts = await legacy(t, 'webhook_attempts');
    clock.set(deliveries.to.getTime() + 15 * dayMs);
    const result = await t.app.services.webhooks.maintainPartitions();
    expect(result.dropped).toEqual(expect.arrayContaining([deliveries.name, attempts.name]));
    expect(await exists(t, deliveries.name)).toBe(false);
    expect(await exists(t, attempts.name)).toBe(false);
    const left = await partitions(t, 'webhook_deliveries');
    expect(left.every((p) => p.to === null || p.to.getTime() > clock.now().getTime() - 14 * dayMs)).toBe(
      true,
    );
  });

  it('creates the periods ahead of the clock, and a second run finds nothing to do', async () => {
    const far = new Date(Date.now() + 120 * dayMs);
    clock.set(far);
    const result = await t.app.services.events.maintainPartitions();
    const month = periodStart(far, 'month');
    const expected = [0, 1, 2].map((i) => addPeriods(month, 'month', i));
    const made = await partitions(t, 'events');
    for (const from of expected) {
      expect(made.find((p) => p.from?.getTime() === from.getTime())).toMatchObject({
        to: addPeriods(from, 'month', 1),
      });
    }
    expect(result.created.length).toBeGreaterThan(0);
    expect(await t.app.services.events.maintainPartitions()).toMatchObject({ created: [], dropped: [] });

    const webhooks = await t.app.services.webhooks.maintainPartitions();
    const week = periodStart(far, 'week');
    expect(week.getUTCDay()).toBe(1);
    for (const table of ['webhook_deliveries', 'webhook_attempts']) {
      const weeks = await partitions(t, table);
      for (const from of [0, 1, 2].map((i) => addPeriods(week, 'week', i))) {
        expect(weeks.some((p) => p.from?.getTime() === from.getTime())).toBe(true);
      }
    }
    expect(webhooks.created.filter((name) => name.startsWith('webhook_attempts_p'))).toHaveLength(
      webhooks.created.filter((name) => name.startsWith('webhook_deliveries_p')).length,
    );
  });

  it('moves rows that fell into DEFAULT into the partition it creates for them, keeping their position', async () => {
    // Beyond every partition made so far: a capture never fails for want of one.
    const stray = new Date(Date.now() + 400 * dayMs);
    const sequence = await insertEvent(t, stray, 'stray');
    await sequenceAll(t);
    const position = await positionOf(t, sequence);
    const where = async () =>
      (
        await t.pool.query('SELECT tableoid::regclass::text AS part FROM events WHERE sequence = $1', [
          sequence,
        ])
      ).rows[0]?.part;
    expect(await where()).toBe('events_default');

    const result = await t.app.services.events.maintainPartitions();
    const home = monthPartition(stray);
    expect(result.created).toContain(home);
    expect(await where()).toBe(home);
    expect(await positionOf(t, sequence)).toBe(position);
    expect((await t.pool.query('SELECT count(*)::int AS n FROM events_default')).rows[0].n).toBe(0);
  });

  it('runs once when two processes start it at the same time', async () => {
    const other = await createTestApp({
      clock,
      config: { eventRetentionDays: 60, webhookRetentionDays: 14 },
      database: { url: t.url, drop: async () => undefined },
    });
    try {
      const far = new Date(Date.now() + 800 * dayMs);
      clock.set(far);
      const runs = await Promise.all([
        t.app.services.events.maintainPartitions(),
        other.app.services.events.maintainPartitions(),
        t.app.services.webhooks.maintainPartitions(),
        other.app.services.webhooks.maintainPartitions(),
      ]);
      const created = runs.flatMap((run) => run.created);
      expect(new Set(created).size).toBe(created.length);
      const month = periodStart(far, 'month');
      const events = await partitions(t, 'events');
      for (const from of [0, 1, 2].map((i) => addPeriods(month, 'month', i))) {
        expect(events.filter((p) => p.from?.getTime() === from.getTime())).toHaveLength(1);
      }
      const dropped = runs.flatMap((run) => run.dropped);
      expect(new Set(dropped).size).toBe(dropped.length);
      expect(await t.app.services.webhooks.maintainPartitions()).toMatchObject({ created: [], dropped: [] });
    } finally {
      await other.close();
    }
  });
});

describe('pending webhook deliveries and retention', () => {
  const clock = testClock();
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ clock, config: { eventRetentionDays: 30, webhookRetentionDays: 30 } });
  });
  afterAll(() => t.close());

  it('keeps a week with a pending delivery, and the month of its event, until it is no longer pending', async () => {
    // Port 9 on loopback: nothing listens, and no dispatcher runs here; the delivery stays pending.
    const res = await t.request({
      method: 'POST',
      url: '/v1/webhooks',
      payload: { url: 'http://127.0.0.1:9/hooks', event_types: ['order.*'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const subscription = res.json().id;
    const sequence = await insertEvent(t, new Date());
    await sequenceAll(t);
    const { rows } = await t.pool.query(
      'SELECT id, created_at, tableoid::regclass::text AS part FROM webhook_deliveries WHERE event_sequence = $1',
      [sequence],
    );
    expect(rows).toHaveLength(1);
    await t.pool.query(
      `INSERT INTO webhook_attempts (delivery_id, delivery_created_at, attempt, started_at, duration_ms, error, success)
       SELECT id, created_at, 1, now(), 3, 'connection refused', false FROM webhook_deliveries WHERE id = $1`,
      [rows[0].id],
    );
    const week = await legacy(t, 'webhook_deliveries');
    const month = await legacy(t, 'events');
    expect(rows[0].part).toBe(week.name);

    clock.set(Math.max(week.to.getTime(), month.to.getTime()) + 31 * dayMs);
    const webhooks = await t.app.services.webhooks.maintainPartitions();
    expect(webhooks.waiting).toContainEqual({
      partitions: expect.arrayContaining([week.name, 'webhook_attempts_legacy']),
      reason: '1 pending webhook deliveries were created in it',
    });
    expect(webhooks.dropped).not.toContain(week.name);
    const events = await t.app.services.events.maintainPartitions();
    expect(events.waiting).toContainEqual({
      partitions: [month.name],
      reason: '1 pending webhook deliveries send events of it',
    });
    expect(await exists(t, week.name)).toBe(true);
    expect(await exists(t, month.name)).toBe(true);
    expect(
      (
        await t.request({ method: 'GET', url: `/v1/webhooks/${subscription}/deliveries?status=pending` })
      ).json().data,
    ).toHaveLength(1);

    // The metrics show the wait: the oldest week ended longer ago than the retention.
    const metrics = await t.request({ method: 'GET', url: '/metrics', key: null });
    const age = metrics.body.match(
      /^ordo_partition_oldest_end_age_seconds\{table="webhook_deliveries"\} (\S+)$/m,
    );
    expect(Number(age?.[1])).toBeGreaterThan(30 * 86_400);

    await t.pool.query(`UPDATE webhook_deliveries SET status = 'exhausted' WHERE id = $1`, [rows[0].id]);
    const again = await t.app.services.webhooks.maintainPartitions();
    expect(again.dropped).toEqual(expect.arrayContaining([week.name, 'webhook_attempts_legacy']));
    expect(await exists(t, 'webhook_attempts_legacy')).toBe(false);
    expect((await t.app.services.events.maintainPartitions()).dropped).toContain(month.name);
    expect(await exists(t, month.name)).toBe(false);
  });

  it('deletes a removed subscription’s attempts with its deliveries', async () => {
    clock.reset();
    const res = await t.request({
      method: 'POST',
      url: '/v1/webhooks',
      payload: { url: 'http://127.0.0.1:9/hooks', event_types: ['order.*'] },
    });
    const subscription = res.json().id;
    await insertEvent(t, new Date());
    await sequenceAll(t);
    const { rows } = await t.pool.query(
      'SELECT id, created_at FROM webhook_deliveries WHERE subscription_id = $1',
      [subscription],
    );
    expect(rows).toHaveLength(1);
    await t.pool.query(
      `INSERT INTO webhook_attempts (delivery_id, delivery_created_at, attempt, started_at, duration_ms, status, success)
       SELECT id, created_at, 1, now(), 3, 500, false FROM webhook_deliveries WHERE id = $1`,
      [rows[0].id],
    );
    expect((await t.request({ method: 'DELETE', url: `/v1/webhooks/${subscription}` })).statusCode).toBe(204);
    const left = await t.pool.query(
      'SELECT count(*)::int AS n FROM webhook_attempts WHERE delivery_id = $1',
      [rows[0].id],
    );
    expect(left.rows[0].n).toBe(0);
  });
});
