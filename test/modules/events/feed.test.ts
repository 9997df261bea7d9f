import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedPage } from '../../../src/modules/events/events.schemas.js';
import { createTestApp, createTestDatabase, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder } from '../../helpers/orders.js';
import { longPollProbe } from '../../helpers/queries.js';
import { settled } from '../../helpers/wait.js';

let t: TestApp;
let web: string;
let pos: string;
let sku: string;

beforeAll(async () => {
  t = await createTestApp();
  web = (await makeChannel(t)).code;
  pos = (await makeChannel(t)).code;
  const location = (await makeLocation(t)).code;
  sku = await stocked(t, { [location]: 1000 });
});
afterAll(() => t.close());

async function placeOrder(channel: string): Promise<string> {
  return (await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]))).id;
}

async function feed(query: string, key?: string): Promise<FeedPage> {
  const res = await t.request({ method: 'GET', url: `/v1/events?${query}`, key });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const head = async (): Promise<number> =>
  Number((await t.pool.query('SELECT coalesce(max(position), 0) AS head FROM events')).rows[0].head);

/** Inserts an event the way capture code does, on `client` (inside its transaction if one is open). */
const insertEvent = (client: pg.Client | pg.Pool, resourceId: string) =>
  client.query(
    `INSERT INTO events (type, resource_type, resource_id, channel, data)
     VALUES ('order.updated', 'order', $1, NULL, '{"change":"test"}') RETURNING sequence`,
    [resourceId],
  );

describe('GET /v1/events', () => {
  it('serves numbered events only, with id, type, sequence, time, resource and snapshot', async () => {
    const orderId = await placeOrder(web);
    const before = await t.pool.query('SELECT count(*)::int AS n FROM events WHERE resource_id = $1', [
      orderId,
    ]);
    expect(before.rows[0].n).toBeGreaterThan(0);
    const unnumbered = await feed('after=0&limit=500');
    expect(unnumbered.data.some((e) => e.resource_id === orderId)).toBe(false);

    expect(await t.app.services.events.sequence()).toBeGreaterThan(0);
    const page = await feed('after=0&limit=500&types=order.*');
    const created = page.data.find((e) => e.resource_id === orderId && e.type === 'order.created');
    expect(created).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sequence: expect.any(Number),
      occurred_at: expect.stringMatching(/Z$/),
      resource_type: 'order',
      channel: web,
      data: { order: { id: orderId, channel: web } },
    });
    const sequences = page.data.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(page.data.every((e) => e.type.startsWith('order.'))).toBe(true);
  });

  it('pages with after and next_after, and filters by exact type', async () => {
    await placeOrder(web);
    await t.app.services.events.sequence();
    const all = await feed('after=0&limit=500');
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = await feed(`after=${after}&limit=2`);
      seen.push(...page.data.map((e) => e.sequence));
      after = page.next_after;
      if (!page.has_more) {
        break;
      }
    }
    expect(seen).toEqual(all.data.map((e) => e.sequence));
    const only = await feed('after=0&limit=500&types=order.created');
    expect(only.data.length).toBeGreaterThan(0);
    expect(new Set(only.data.map((e) => e.type))).toEqual(new Set(['order.created']));
  });

  it('never skips an event whose transaction commits after a later one was read', async () => {
    const early = new pg.Client({ connectionString: t.url });
    await early.connect();
    try {
      await early.query('BEGIN');
      const a = await insertEvent(early, 'early');
      const b = await insertEvent(t.pool, 'late'); // commits at once, with a higher insert sequence
      expect(Number(b.rows[0].sequence)).toBeGreaterThan(Number(a.rows[0].sequence));

      await t.app.services.events.sequence();
      // The later event waits while an older transaction is open, so a consumer cannot pass the early one.
      const cursor = await head();
      const meanwhile = await feed(`after=0&limit=500`);
      expect(meanwhile.data.some((e) => e.resource_id === 'late' || e.resource_id === 'early')).toBe(false);

      await early.query('COMMIT');
      await t.app.services.events.sequence();
      const next = await feed(`after=${cursor}&limit=500`);
      const ids = next.data.map((e) => e.resource_id);
      expect(ids).toEqual(expect.arrayContaining(['early', 'late']));
      expect(ids.indexOf('early')).toBeLessThan(ids.indexOf('late'));
    } finally {
      await early.end();
    }
  });

  it('is not held back by a transaction writing in another database on the same server', async () => {
    // Another application on a shared server: its transaction is in the server's snapshot, but it cannot
    // write events here.
    const elsewhere = await createTestDatabase({ template: null });
    const other = new pg.Client({ connectionString: elsewhere.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()'); // takes an xid, as a write does
      await insertEvent(t.pool, 'beside-other-db');
      await t.app.services.events.sequence();
      const page = await feed(`after=0&limit=500`);
      expect(page.data.map((e) => e.resource_id)).toContain('beside-other-db');
      await other.query('COMMIT');
    } finally {
      await other.end();
      await elsewhere.drop();
    }
  });

  it('even when the later event is numbered first, a consumer at its cursor still gets the earlier one', async () => {
    // A consumer reads up to the newest event, then an event with a lower insert sequence commits.
    const early = new pg.Client({ connectionString: t.url });
    await early.connect();
    try {
      await early.query('BEGIN');
      await insertEvent(early, 'early-2');
      await early.query('COMMIT');
      await insertEvent(t.pool, 'late-2');
      await t.app.services.events.sequence();
      const page = await feed('after=0&limit=500');
      const cursor = page.next_after;
      await insertEvent(t.pool, 'after-cursor');
      await t.app.services.events.sequence();
      const next = await feed(`after=${cursor}&limit=500`);
      expect(next.data.map((e) => e.resource_id)).toEqual(['after-cursor']);
    } finally {
      await early.end();
    }
  });

  it('long-polls with wait until a new event exists', async () => {
    // Number what earlier setup wrote, so the only new event is the one this test adds.
    await t.app.services.events.sequence();
    const cursor = await head();
    const probe = longPollProbe(t.pool);
    try {
      const waiting = feed(`after=${cursor}&wait=10`);
      const answered = settled(waiting);
      await probe.readsFeed();
      expect(answered()).toBe(false);
      await insertEvent(t.pool, 'awaited');
      await t.app.services.events.sequence();
      // With the clock stopped the wait cannot run out: only the event can end it.
      const page = await waiting;
      expect(page.data.map((e) => e.resource_id)).toEqual(['awaited']);
    } finally {
      probe.stop();
    }
  });

  it('long-polls over a real socket until the wait is over', async () => {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const cursor = await head();
    const probe = longPollProbe(t.pool);
    try {
      const waiting = fetch(`${address}/v1/events?after=${cursor}&wait=2`, {
        headers: { authorization: `Bearer ${t.adminKey}` },
      });
      await probe.runOut(2, settled(waiting));
      const res = await waiting;
      expect(res.status).toBe(200);
      expect(((await res.json()) as FeedPage).data).toEqual([]);
    } finally {
      probe.stop();
    }
  });

  it('answers an empty page when the wait is over', async () => {
    const cursor = await head();
    const probe = longPollProbe(t.pool);
    try {
      const waiting = feed(`after=${cursor}&wait=1`);
      await probe.runOut(1, settled(waiting));
      expect(await waiting).toEqual({ data: [], next_after: cursor, has_more: false });
    } finally {
      probe.stop();
    }
  });

  it('shows a key the types its scopes read, and a channel-bound key its channel only', async () => {
    await placeOrder(pos);
    await t.app.services.events.sequence();
    const inventory = await feed('after=0&limit=500', await t.keyWith(['inventory:read']));
    expect(inventory.data.length).toBeGreaterThan(0);
    expect(inventory.data.every((e) => e.type.startsWith('inventory.'))).toBe(true);
    const orders = await feed('after=0&limit=500', await t.keyWith(['orders:read']));
    const orderFamilies = ['order.', 'shipment.', 'return.', 'refund.'];
    expect(orders.data.every((e) => orderFamilies.some((f) => e.type.startsWith(f)))).toBe(true);
    const bound = await feed('after=0&limit=500', await t.keyWith(['orders:read', 'inventory:read'], pos));
    expect(bound.data.length).toBeGreaterThan(0);
    expect(bound.data.every((e) => e.channel === pos)).toBe(true);
  });

  it('refuses keys without a feed scope, no key, unknown types and long waits', async () => {
    const forbidden = await t.request({
      method: 'GET',
      url: '/v1/events',
      key: await t.keyWith(['catalog:write']),
    });
    expect(forbidden.statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/v1/events', key: null })).statusCode).toBe(401);
    const unknown = await t.request({ method: 'GET', url: '/v1/events?types=order.shipped_to_mars' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors[0]).toMatchObject({ in: 'query', pointer: '/types' });
    const family = await t.request({ method: 'GET', url: '/v1/events?types=nothing.*' });
    expect(family.statusCode).toBe(422);
    expect((await t.request({ method: 'GET', url: '/v1/events?wait=31' })).statusCode).toBe(422);
  });
});
