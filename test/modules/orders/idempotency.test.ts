import { request as http } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../../src/http/caller.js';
import type { CreateOrder } from '../../../src/modules/orders/orders.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked, uniq } from '../../helpers/factories.js';
import { postOrder } from '../../helpers/orders.js';
import { brokenInvariants } from '../../helpers/stock.js';

let t: TestApp;
let base: string;
let channel: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp({ poolSize: 20 });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  channel = (await makeChannel(t, { release_delay_minutes: 60 })).code;
  location = (await makeLocation(t)).code;
});
afterAll(() => t.close());

/** A POST over a real socket, so the copies truly overlap. */
async function captureOverHttp(body: object, headers: Record<string, string> = {}) {
  const res = await http(`${base}/v1/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.statusCode,
    headers: res.headers,
    body: (await res.body.json()) as Record<string, unknown>,
  };
}

/** Orders, active reservations and reserved units for one external id. */
async function footprint(externalId: string, sku: string) {
  const orders = await t.pool.query('SELECT id FROM orders WHERE external_id = $1', [externalId]);
  const reservations = await t.pool.query(
    `SELECT r.quantity FROM reservations r JOIN order_lines ol ON r.order_line_id = ol.id
       JOIN orders o ON o.id = ol.order_id WHERE o.external_id = $1 AND r.status = 'active'`,
    [externalId],
  );
  const reserved = await t.pool.query(
    'SELECT coalesce(sum(l.reserved), 0)::int AS reserved FROM inventory_levels l JOIN products p ON p.id = l.product_id WHERE p.sku = $1',
    [sku],
  );
  const created = await t.pool.query(
    "SELECT count(*)::int AS n FROM events e JOIN orders o ON e.resource_id = o.id::text WHERE o.external_id = $1 AND e.type = 'order.created'",
    [externalId],
  );
  return {
    orders: orders.rowCount,
    reservations: reservations.rows.map((r) => r.quantity),
    reserved: reserved.rows[0].reserved,
    created: created.rows[0].n,
  };
}

describe('one order per (channel, external_id)', () => {
  it('returns the existing order with 200 on a repeat, reserving nothing more', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const body = orderBody(channel, [{ sku, quantity: 3 }]);
    const first = await postOrder(t, body);
    expect(first.statusCode, first.body).toBe(201);
    const again = await postOrder(t, body);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await footprint(body.external_id, sku)).toEqual({
      orders: 1,
      reservations: [3],
      reserved: 3,
      created: 1,
    });
  });

  it('returns the existing order unchanged when a repeat carries other content', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const body = orderBody(channel, [{ sku, quantity: 2 }]);
    const first = await postOrder(t, body);
    expect(first.statusCode, first.body).toBe(201);
    const changed = await postOrder(t, { ...body, lines: [{ sku, quantity: 7, unit_price: 1 }] });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      id: first.json().id,
      lines: [{ sku, quantity: 2, allocated: 2 }],
    });
    expect(await footprint(body.external_id, sku)).toEqual({
      orders: 1,
      reservations: [2],
      reserved: 2,
      created: 1,
    });
  });

  it('treats the same external_id in another channel as another order', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const other = (await makeChannel(t, { release_delay_minutes: 60 })).code;
    const body = orderBody(channel, [{ sku, quantity: 1 }]);
    const first = await postOrder(t, body);
    const second = await postOrder(t, { ...body, channel: other });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json().id).not.toBe(first.json().id);
    expect(second.json().channel).toBe(other);
  });

  it('makes exactly one order when 50 copies arrive at once', async () => {
    const sku = await stocked(t, { [location]: 20 });
    const body = orderBody(channel, [{ sku, quantity: 4 }]);
    const results = await Promise.all(Array.from({ length: 50 }, () => captureOverHttp(body)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.every((r) => r.body.status === 'allocated')).toBe(true);
    expect(await footprint(body.external_id, sku)).toEqual({
      orders: 1,
      reservations: [4],
      reserved: 4,
      created: 1,
    });
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('answers a retry with the order when the first response was lost after commit', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const body = orderBody(channel, [{ sku, quantity: 2 }]);
    // The first attempt commits, but its caller never sees the answer (the process died).
    const [admin] = (await t.pool.query("SELECT id FROM api_keys WHERE 'admin' = ANY(scopes) LIMIT 1")).rows;
    const caller: Caller = {
      keyId: admin.id,
      keyName: 'admin',
      scopes: ['admin'],
      channel: null,
      rateLimit: null,
    };
    const lost = await t.app.services.orders.capture(body as CreateOrder, caller);
    expect(lost.created).toBe(true);

    const retry = await postOrder(t, body);
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toMatchObject({ id: lost.order.id, number: lost.order.number, status: 'allocated' });
    expect(await footprint(body.external_id, sku)).toEqual({
      orders: 1,
      reservations: [2],
      reserved: 2,
      created: 1,
    });
  });

  it('answers a retry with the same Idempotency-Key after a crash that left the key unanswered', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const body = orderBody(channel, [{ sku, quantity: 1 }]);
    const key = uniq('idem');
    const first = await postOrder(t, body, { headers: { 'idempotency-key': key } });
    expect(first.statusCode, first.body).toBe(201);
    // What a crash between commit and storing the response leaves behind: an in-flight claim, lease over.
    await t.pool.query(
      `UPDATE idempotency_keys SET status = 'in_flight', response_status = NULL, response_body = NULL,
              locked_until = now() - interval '1 second' WHERE key = $1`,
      [key],
    );
    const retry = await postOrder(t, body, { headers: { 'idempotency-key': key } });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json().id).toBe(first.json().id);
    expect(await footprint(body.external_id, sku)).toEqual({
      orders: 1,
      reservations: [1],
      reserved: 1,
      created: 1,
    });
    // The retry's answer is now the one replayed.
    const replay = await postOrder(t, body, { headers: { 'idempotency-key': key } });
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });
});

describe('Idempotency-Key on POST /v1/orders', () => {
  it('replays the first response for the same key and body', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const body = orderBody(channel, [{ sku, quantity: 2 }]);
    const key = uniq('idem');
    const first = await postOrder(t, body, { headers: { 'idempotency-key': key } });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const replay = await postOrder(t, body, { headers: { 'idempotency-key': key } });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    expect(await footprint(body.external_id, sku)).toEqual({
      orders: 1,
      reservations: [2],
      reserved: 2,
      created: 1,
    });
  });

  it('refuses the same key with another body with a 422, creating nothing', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const key = uniq('idem');
    const body = orderBody(channel, [{ sku, quantity: 1 }]);
    expect((await postOrder(t, body, { headers: { 'idempotency-key': key } })).statusCode).toBe(201);
    const other = orderBody(channel, [{ sku, quantity: 1 }]);
    const res = await postOrder(t, other, { headers: { 'idempotency-key': key } });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('idempotency_key_reused');
    expect(
      (await t.pool.query('SELECT 1 FROM orders WHERE external_id = $1', [other.external_id])).rowCount,
    ).toBe(0);
  });

  it('replays a 422 for the same key, and a new key for a fixed body creates the order', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const key = uniq('idem');
    const bad = orderBody(channel, [{ sku: uniq('NOPE'), quantity: 1 }]);
    const first = await postOrder(t, bad, { headers: { 'idempotency-key': key } });
    expect(first.statusCode).toBe(422);
    const replay = await postOrder(t, bad, { headers: { 'idempotency-key': key } });
    expect(replay.statusCode).toBe(422);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const fixed = await postOrder(
      t,
      { ...bad, lines: [{ sku, quantity: 1, unit_price: 1000 }] },
      {
        headers: {
          'idempotency-key': uniq('idem'),
        },
      },
    );
    expect(fixed.statusCode, fixed.body).toBe(201);
  });

  it('lets exactly one of concurrent copies with one key run', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const body = orderBody(channel, [{ sku, quantity: 1 }]);
    const key = uniq('idem');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => captureOverHttp(body, { 'idempotency-key': key })),
    );
    const ran = results.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined);
    expect(ran).toHaveLength(1);
    for (const r of results) {
      expect([201, 409]).toContain(r.status);
    }
    expect(await footprint(body.external_id, sku)).toEqual({
      orders: 1,
      reservations: [1],
      reserved: 1,
      created: 1,
    });
  });

  it('refuses a malformed key', async () => {
    const sku = await stocked(t, { [location]: 1 });
    const body = orderBody(channel, [{ sku, quantity: 1 }]);
    const res = await postOrder(t, body, { headers: { 'idempotency-key': 'bad key with spaces' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].pointer).toBe('/idempotency-key');
    expect(
      (await t.pool.query('SELECT 1 FROM orders WHERE external_id = $1', [body.external_id])).rowCount,
    ).toBe(0);
  });
});
