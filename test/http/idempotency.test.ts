import pg from 'pg';
import { request as http } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpiredIdempotencyKeys } from '../../src/http/idempotency.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/wait.js';

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await createTestApp({ config: { statementTimeoutMs: 1500 } });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => t.close());

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

const post = (key: string, body: unknown, apiKey = t.adminKey) =>
  t.request({
    method: 'POST',
    url: '/v1/channels',
    key: apiKey,
    headers: { 'idempotency-key': key },
    payload: body as object,
  });

/** A POST over a real socket, so requests truly overlap. */
const postOverHttp = async (key: string, body: unknown) => {
  const res = await http(`${base}/v1/channels`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${t.adminKey}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.statusCode,
    headers: res.headers,
    body: (await res.body.json()) as Record<string, unknown>,
  };
};

const channelCount = async (code: string) =>
  (await t.pool.query('SELECT count(*)::int AS n FROM channels WHERE code = $1', [code])).rows[0].n as number;

describe('Idempotency-Key', () => {
  it('replays the first response with the same status and body', async () => {
    const key = unique('k');
    const body = { code: unique('web'), name: 'Web' };
    const first = await post(key, body);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post(key, body);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await channelCount(body.code)).toBe(1);
  });

  it('replays a client error too', async () => {
    const code = unique('dup');
    await post(unique('k'), { code, name: 'First' });
    const key = unique('k');
    const first = await post(key, { code, name: 'Second' });
    expect(first.statusCode).toBe(409);
    const again = await post(key, { code, name: 'Second' });
    expect(again.statusCode).toBe(409);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().detail).toBe(first.json().detail);
  });

  it('refuses the same key with a different body (422) and changes nothing', async () => {
    const key = unique('k');
    const code = unique('web');
    await post(key, { code, name: 'Web' });
    const other = await post(key, { code: unique('other'), name: 'Other' });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: 'idempotency_key_reused' });
    expect(
      (await t.pool.query('SELECT count(*)::int AS n FROM channels WHERE code LIKE $1', ['other-%'])).rows[0]
        .n,
    ).toBe(0);
  });

  it('keeps keys apart per API key', async () => {
    const key = unique('k');
    const otherApiKey = await t.keyWith(['catalog:write']);
    expect((await post(key, { code: unique('a'), name: 'A' })).statusCode).toBe(201);
    expect((await post(key, { code: unique('b'), name: 'B' }, otherApiKey)).statusCode).toBe(201);
  });

  it('validates the header', async () => {
    const res = await post('x'.repeat(256), { code: unique('h'), name: 'H' });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([
      expect.objectContaining({ in: 'headers', pointer: '/idempotency-key' }),
    ]);
  });

  it('answers 409 to a retry while the first request is still running, then replays it', async () => {
    const key = unique('k');
    const body = { code: unique('slow'), name: 'Slow' };
    // Hold the channels table so the first request stays in flight.
    const blocker = new pg.Client({ connectionString: t.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE channels IN ACCESS EXCLUSIVE MODE');
    const first = postOverHttp(key, body);
    await waitFor(
      async () => (await t.pool.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).rowCount === 1,
      { what: 'the first request to claim its idempotency key' },
    );

    const during = await postOverHttp(key, body);
    expect(during.status).toBe(409);
    expect(during.body).toMatchObject({ code: 'idempotency_key_in_use' });
    expect(during.headers['retry-after']).toBe('1');

    await blocker.query('COMMIT');
    await blocker.end();
    expect((await first).status).toBe(201);
    const after = await postOverHttp(key, body);
    expect(after.status).toBe(201);
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(await channelCount(body.code)).toBe(1);
  });

  it('lets exactly one of many simultaneous identical requests run', async () => {
    const key = unique('k');
    const body = { code: unique('burst'), name: 'Burst' };
    const results = await Promise.all(Array.from({ length: 20 }, () => postOverHttp(key, body)));
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(
      results.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined),
    ).toHaveLength(1);
    expect(await channelCount(body.code)).toBe(1);
  });

  it('frees the key when the request fails with a 5xx, so a retry runs again', async () => {
    const key = unique('k');
    const body = { code: unique('retry'), name: 'Retry' };
    const blocker = new pg.Client({ connectionString: t.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE channels IN ACCESS EXCLUSIVE MODE');
    const failed = await postOverHttp(key, body); // hits the 1.5 s statement timeout
    await blocker.query('ROLLBACK');
    await blocker.end();
    expect(failed.status).toBe(503);
    expect((await t.pool.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).rowCount).toBe(0);
    const retried = await postOverHttp(key, body);
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('takes over a claim abandoned by a crashed request', async () => {
    const key = unique('k');
    const body = { code: unique('crash'), name: 'Crash' };
    await post(key, body);
    // As if the process died after claiming: in flight, lease over, no stored response.
    await t.pool.query(
      `UPDATE idempotency_keys SET status = 'in_flight', response_status = NULL, locked_until = now() - interval '1 second'
        WHERE key = $1`,
      [key],
    );
    const retried = await post(key, body);
    expect(retried.statusCode).toBe(409); // it ran again; the channel exists, so a conflict is the honest answer
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('forgets keys after their retention and purges them', async () => {
    const key = unique('k');
    const body = { code: unique('old'), name: 'Old' };
    await post(key, body);
    await t.pool.query(
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1",
      [key],
    );
    const fresh = await post(key, { code: unique('new'), name: 'New' });
    expect(fresh.statusCode).toBe(201);
    await t.pool.query(
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1",
      [key],
    );
    expect(await purgeExpiredIdempotencyKeys(t.db)).toBeGreaterThanOrEqual(1);
    expect((await t.pool.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).rowCount).toBe(0);
  });

  it('keeps keys for 24 hours by default', async () => {
    const key = unique('k');
    await post(key, { code: unique('ttl'), name: 'TTL' });
    const { rows } = await t.pool.query(
      'SELECT extract(epoch FROM expires_at - created_at)::int AS seconds FROM idempotency_keys WHERE key = $1',
      [key],
    );
    expect(rows[0].seconds).toBe(24 * 3600);
  });

  it('ignores the header on other methods', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/v1/channels',
      headers: { 'idempotency-key': 'whatever' },
    });
    expect(res.statusCode).toBe(200);
  });
});
