import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '../../../src/http/pagination.js';
import type { Channel, CreateChannel } from '../../../src/modules/catalog/channels.schemas.js';
import { isoTime, listAll } from '../../helpers/api.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { uniq } from '../../helpers/factories.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const rowCount = async (code: string): Promise<number> =>
  (await t.pool.query('SELECT count(*)::int AS n FROM channels WHERE code = $1', [code])).rows[0].n;

const create = (body: Record<string, unknown>, key?: string) =>
  t.request({ method: 'POST', url: '/v1/channels', payload: body, ...(key === undefined ? {} : { key }) });

async function makeChannel(overrides: Partial<CreateChannel> = {}): Promise<Channel> {
  const res = await create({ code: uniq('ch'), name: 'Channel', ...overrides });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Channel;
}

describe('POST /v1/channels', () => {
  it('creates a channel with defaults and returns the full body', async () => {
    const code = uniq('ch');
    const res = await create({ code, name: 'Web store' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json() as Channel;
    expect(body).toEqual({
      code,
      name: 'Web store',
      priority: 0,
      default_safety_stock: 0,
      allow_backorders: false,
      held_reservation_minutes: 1440,
      release_delay_minutes: 0,
      return_policy: {
        return_window_days: 30,
        non_returnable_tags: [],
        review_reasons: [],
        restocking_fee_percent: {},
        refund_shipping: 'full_return',
        exchange_release: 'on_receipt',
      },
      active: true,
      created_at: isoTime,
      updated_at: isoTime,
    });
    const { rows } = await t.pool.query('SELECT * FROM channels WHERE code = $1', [code]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'Web store', priority: 0, default_safety_stock: 0, active: true });
  });

  it('stores every field given', async () => {
    const input = {
      code: uniq('Amazon_EU.1'),
      name: 'Amazon EU',
      priority: 1000,
      default_safety_stock: 7,
      allow_backorders: true,
      held_reservation_minutes: 30,
      release_delay_minutes: 15,
      return_policy: {
        return_window_days: 60,
        non_returnable_tags: ['final_sale'],
        review_reasons: ['damaged' as const],
        restocking_fee_percent: { no_longer_needed: 15 },
        refund_shipping: 'always' as const,
        exchange_release: 'immediately' as const,
      },
      active: false,
    };
    const res = await create(input);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ ...input, created_at: isoTime, updated_at: isoTime });
    const got = await t.request({ method: 'GET', url: `/v1/channels/${input.code}` });
    expect(got.json()).toEqual(res.json());
  });

  it('accepts the boundaries of each field', async () => {
    const code = `b${'x'.repeat(63)}`;
    const res = await create({
      code,
      name: 'n'.repeat(200),
      priority: 0,
      default_safety_stock: 1_000_000_000,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ code, priority: 0, default_safety_stock: 1_000_000_000 });
    expect((await create({ code: '9', name: 'x' })).statusCode).toBe(201);
  });

  it('refuses a duplicate code with 409 and keeps the first channel', async () => {
    const first = await makeChannel({ name: 'First' });
    const res = await create({ code: first.code, name: 'Second' });
    const body = expectProblem(res, 409, 'conflict');
    expect(body.detail).toContain(first.code);
    expect(body.instance).toBe('/v1/channels');
    expect(await rowCount(first.code)).toBe(1);
    const got = await t.request({ method: 'GET', url: `/v1/channels/${first.code}` });
    expect(got.json()).toMatchObject({ name: 'First' });
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['code of the wrong type', { code: 42 }, '/code'],
    ['an empty code', { code: '' }, '/code'],
    ['a code with a space', { code: 'has space' }, '/code'],
    ['a code starting with a dash', { code: '-web' }, '/code'],
    ['a code with a slash', { code: 'a/b' }, '/code'],
    ['a code over 64 characters', { code: `c${'x'.repeat(64)}` }, '/code'],
    ['a missing name', { name: undefined }, '/name'],
    ['a name of the wrong type', { name: ['Web'] }, '/name'],
    ['an empty name', { name: '' }, '/name'],
    ['a name over 200 characters', { name: 'n'.repeat(201) }, '/name'],
    ['a priority of the wrong type', { priority: '5' }, '/priority'],
    ['a fractional priority', { priority: 1.5 }, '/priority'],
    ['a negative priority', { priority: -1 }, '/priority'],
    ['a priority over 1000', { priority: 1001 }, '/priority'],
    ['a safety stock of the wrong type', { default_safety_stock: true }, '/default_safety_stock'],
    ['a negative safety stock', { default_safety_stock: -1 }, '/default_safety_stock'],
    ['a fractional safety stock', { default_safety_stock: 0.5 }, '/default_safety_stock'],
    ['a safety stock over an integer column', { default_safety_stock: 2 ** 31 }, '/default_safety_stock'],
    ['a zero hold-reservation time', { held_reservation_minutes: 0 }, '/held_reservation_minutes'],
    ['a negative edit window', { release_delay_minutes: -1 }, '/release_delay_minutes'],
    [
      'an unknown return reason to review',
      {
        return_policy: {
          return_window_days: 30,
          non_returnable_tags: [],
          review_reasons: ['bored'],
          restocking_fee_percent: {},
          refund_shipping: 'never',
          exchange_release: 'on_receipt',
        },
      },
      '/return_policy/review_reasons/0',
    ],
    [
      'a hold-reservation time over 30 days',
      { held_reservation_minutes: 43_201 },
      '/held_reservation_minutes',
    ],
    ['allow_backorders of the wrong type', { allow_backorders: 'yes' }, '/allow_backorders'],
    ['active of the wrong type', { active: 1 }, '/active'],
    ['active null', { active: null }, '/active'],
    ['an unknown field', { colour: 'red' }, '/colour'],
    ['a read-only field', { created_at: '2026-01-01T00:00:00.000Z' }, '/created_at'],
  ];

  it.each(bad)('refuses %s with 422 and stores nothing', async (_name, patch, pointer) => {
    const code = uniq('ch');
    const payload = { code, name: 'Web', ...patch };
    const res = await create(JSON.parse(JSON.stringify(payload)));
    const body = expectInvalid(res, [pointer]);
    if (pointer === '/colour' || pointer === '/created_at') {
      expect(body.errors).toContainEqual({ in: 'body', pointer, detail: 'is not a known field' });
    }
    if (pointer === '/name' && patch.name === undefined) {
      expect(body.errors).toContainEqual({ in: 'body', pointer: '/name', detail: 'is required' });
    }
    expect(await rowCount(code)).toBe(0);
    expect(await rowCount(String(payload.code))).toBe(0);
  });

  it('lists every failing field at once', async () => {
    const res = await create({ code: '', name: 7, priority: 5000, default_safety_stock: -3, extra: 1 });
    const body = expectInvalid(res, ['/code', '/name', '/priority', '/default_safety_stock', '/extra']);
    expect(body.detail).toMatch(/body/);
  });

  it.each([
    ['an array', []],
    ['a string', 'web'],
    ['a number', 42],
  ])('refuses a body that is %s', async (_name, payload) => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/channels',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
    expect([400, 422]).toContain(res.statusCode);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('concurrent creation', () => {
  it('creates one channel when the same code is posted in parallel; the others get 409', async () => {
    const code = uniq('ch');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => create({ code, name: `Racer ${i}` })),
    );
    const statuses = results.map((res) => res.statusCode).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const res of results.filter((r) => r.statusCode === 409)) {
      expectProblem(res, 409, 'conflict');
    }
    expect(await rowCount(code)).toBe(1);
  });
});

describe('GET /v1/channels/:code', () => {
  it('returns the channel', async () => {
    const channel = await makeChannel({ priority: 3 });
    const res = await t.request({ method: 'GET', url: `/v1/channels/${channel.code}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(channel);
  });

  it('answers an unknown code with a 404 problem', async () => {
    const res = await t.request({ method: 'GET', url: '/v1/channels/no-such-channel' });
    const body = expectProblem(res, 404, 'not_found');
    expect(body.instance).toBe('/v1/channels/no-such-channel');
    expect(body.detail).toContain('no-such-channel');
  });

  it('answers a code over 64 characters with a 422 naming the parameter', async () => {
    const res = await t.request({ method: 'GET', url: `/v1/channels/${'x'.repeat(65)}` });
    expectInvalid(res, ['/code'], 'params');
  });
});

describe('GET /v1/channels', () => {
  it('filters by active', async () => {
    const on = await makeChannel();
    const off = await makeChannel({ active: false });
    const active = (await listAll<Channel>(t, '/v1/channels', 'active=true')).map((c) => c.code);
    const inactive = (await listAll<Channel>(t, '/v1/channels', 'active=false')).map((c) => c.code);
    const all = (await listAll<Channel>(t, '/v1/channels', '')).map((c) => c.code);
    expect(active).toContain(on.code);
    expect(active).not.toContain(off.code);
    expect(inactive).toContain(off.code);
    expect(inactive).not.toContain(on.code);
    expect(all).toEqual(expect.arrayContaining([on.code, off.code]));
    expect(new Set([...active, ...inactive])).toEqual(new Set(all));
    for (const c of await listAll<Channel>(t, '/v1/channels', 'active=true')) {
      expect(c.active).toBe(true);
    }
  });

  it('pages with limit and next_cursor, in creation order, without gaps or repeats', async () => {
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      made.push((await makeChannel()).code);
    }
    const first = await t.request({ method: 'GET', url: '/v1/channels?limit=2' });
    expect(first.statusCode).toBe(200);
    const page = first.json() as Page<Channel>;
    expect(page.data).toHaveLength(2);
    expect(page.next_cursor).toEqual(expect.any(String));

    const all = await listAll<Channel>(t, '/v1/channels', '', 2);
    const codes = all.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    const { rows } = await t.pool.query('SELECT code FROM channels ORDER BY id');
    expect(codes).toEqual(rows.map((r: { code: string }) => r.code));
    const positions = made.map((code) => codes.indexOf(code));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(positions.every((p) => p >= 0)).toBe(true);

    const last = await t.request({ method: 'GET', url: `/v1/channels?limit=${codes.length}` });
    expect((last.json() as Page<Channel>).next_cursor).toBeNull();
  });

  it('defaults to 50 items per page', async () => {
    while ((await t.pool.query('SELECT count(*)::int AS n FROM channels')).rows[0].n <= 50) {
      await makeChannel();
    }
    const page = (await t.request({ method: 'GET', url: '/v1/channels' })).json() as Page<Channel>;
    expect(page.data).toHaveLength(50);
    expect(page.next_cursor).not.toBeNull();
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['a cursor of another shape', Buffer.from(JSON.stringify(['a', 1])).toString('base64url')],
    ['a string position', Buffer.from(JSON.stringify(['1'])).toString('base64url')],
    ['an object', Buffer.from(JSON.stringify({ id: 1 })).toString('base64url')],
  ])('refuses a tampered cursor (%s) with 422', async (_name, cursor) => {
    const res = await t.request({ method: 'GET', url: `/v1/channels?cursor=${cursor}` });
    expect(expectInvalid(res, ['/cursor'], 'query').errors).toHaveLength(1);
  });

  it('refuses a real cursor that was edited', async () => {
    await makeChannel();
    await makeChannel();
    const page = (await t.request({ method: 'GET', url: '/v1/channels?limit=1' })).json() as Page<Channel>;
    expect(page.next_cursor).not.toBeNull();
    const position = Buffer.from(String(page.next_cursor), 'base64url').toString('utf8');
    for (const edited of [position.replace(']', ''), position.replace(/\d+/, '"$&"'), `${position}1`]) {
      const tampered = Buffer.from(edited).toString('base64url');
      const res = await t.request({ method: 'GET', url: `/v1/channels?cursor=${tampered}` });
      expectInvalid(res, ['/cursor'], 'query');
    }
  });

  it('answers a cursor holding an absurd position with a 4xx problem, never a 500', async () => {
    for (const position of ['[1e300]', '[1.5]', '[-1e30]']) {
      const cursor = Buffer.from(position).toString('base64url');
      const res = await t.request({ method: 'GET', url: `/v1/channels?cursor=${cursor}` });
      expect(res.statusCode, position).toBeLessThan(500);
      if (res.statusCode >= 400) {
        expectProblem(res, 422, 'validation_failed');
      }
    }
  });

  it.each([
    ['limit=0', '/limit'],
    ['limit=501', '/limit'],
    ['limit=abc', '/limit'],
    ['limit=1.5', '/limit'],
    ['active=maybe', '/active'],
    [`cursor=${'a'.repeat(513)}`, '/cursor'],
  ])('refuses the query %s with 422', async (query, pointer) => {
    const res = await t.request({ method: 'GET', url: `/v1/channels?${query}` });
    expectInvalid(res, [pointer], 'query');
  });
});

describe('PATCH /v1/channels/:code', () => {
  it('changes only the fields given', async () => {
    const channel = await makeChannel({ name: 'Before', priority: 5, default_safety_stock: 2 });
    const res = await t.request({
      method: 'PATCH',
      url: `/v1/channels/${channel.code}`,
      payload: { priority: 20, allow_backorders: true },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as Channel;
    expect(body).toEqual({
      ...channel,
      priority: 20,
      allow_backorders: true,
      updated_at: isoTime,
    });
    expect(Date.parse(body.updated_at)).toBeGreaterThanOrEqual(Date.parse(channel.updated_at));
    expect(body.created_at).toBe(channel.created_at);
    const stored = await t.request({ method: 'GET', url: `/v1/channels/${channel.code}` });
    expect(stored.json()).toEqual(body);
  });

  it('changes every field at once', async () => {
    const channel = await makeChannel();
    const changes = {
      name: 'Renamed',
      priority: 1000,
      default_safety_stock: 0,
      allow_backorders: true,
      active: false,
    };
    const res = await t.request({ method: 'PATCH', url: `/v1/channels/${channel.code}`, payload: changes });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ code: channel.code, ...changes });
  });

  it('refuses an empty body with 422', async () => {
    const channel = await makeChannel();
    const res = await t.request({ method: 'PATCH', url: `/v1/channels/${channel.code}`, payload: {} });
    expectInvalid(res, ['/']);
  });

  it('refuses to change the code (it is immutable)', async () => {
    const channel = await makeChannel();
    const res = await t.request({
      method: 'PATCH',
      url: `/v1/channels/${channel.code}`,
      payload: { code: 'other' },
    });
    expectInvalid(res, ['/code']);
    expect(await rowCount(channel.code)).toBe(1);
  });

  it.each([
    [{ name: '' }, '/name'],
    [{ name: 'n'.repeat(201) }, '/name'],
    [{ name: null }, '/name'],
    [{ priority: -1 }, '/priority'],
    [{ priority: 1001 }, '/priority'],
    [{ priority: 'high' }, '/priority'],
    [{ default_safety_stock: -1 }, '/default_safety_stock'],
    [{ default_safety_stock: 1.25 }, '/default_safety_stock'],
    [{ allow_backorders: 'true' }, '/allow_backorders'],
    [{ active: 'false' }, '/active'],
    [{ priority: 1, colour: 'red' }, '/colour'],
  ])('refuses %j with 422 and changes nothing', async (payload, pointer) => {
    const channel = await makeChannel({ name: 'Kept', priority: 4 });
    const res = await t.request({ method: 'PATCH', url: `/v1/channels/${channel.code}`, payload });
    expectInvalid(res, [pointer]);
    const stored = await t.request({ method: 'GET', url: `/v1/channels/${channel.code}` });
    expect(stored.json()).toEqual(channel);
  });

  it('answers an unknown code with 404', async () => {
    const res = await t.request({ method: 'PATCH', url: '/v1/channels/nope-nope', payload: { priority: 1 } });
    expectProblem(res, 404, 'not_found');
  });
});

describe('deactivation', () => {
  it('deactivates with POST .../deactivate and reactivates with PATCH active: true', async () => {
    const channel = await makeChannel();
    const off = await t.request({ method: 'POST', url: `/v1/channels/${channel.code}/deactivate` });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toEqual({ ...channel, active: false, updated_at: isoTime });
    expect(
      (await t.pool.query('SELECT active FROM channels WHERE code = $1', [channel.code])).rows[0].active,
    ).toBe(false);
    expect((await listAll<Channel>(t, '/v1/channels', 'active=false')).map((c) => c.code)).toContain(
      channel.code,
    );

    const again = await t.request({ method: 'POST', url: `/v1/channels/${channel.code}/deactivate` });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ active: false });

    const on = await t.request({
      method: 'PATCH',
      url: `/v1/channels/${channel.code}`,
      payload: { active: true },
    });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toEqual({ ...channel, active: true, updated_at: isoTime });
    expect((await listAll<Channel>(t, '/v1/channels', 'active=true')).map((c) => c.code)).toContain(
      channel.code,
    );
  });

  it('answers an unknown code with 404', async () => {
    const res = await t.request({ method: 'POST', url: '/v1/channels/ghost/deactivate' });
    expectProblem(res, 404, 'not_found');
  });
});

describe('access', () => {
  it('lets a key without catalog:write read but not write', async () => {
    const channel = await makeChannel();
    const reader = await t.keyWith(['orders:read']);
    expect((await t.request({ method: 'GET', url: '/v1/channels', key: reader })).statusCode).toBe(200);
    expect(
      (await t.request({ method: 'GET', url: `/v1/channels/${channel.code}`, key: reader })).statusCode,
    ).toBe(200);

    const code = uniq('ch');
    const body = expectProblem(await create({ code, name: 'X' }, reader), 403, 'forbidden');
    expect(body.detail).toContain('catalog:write');
    expect(await rowCount(code)).toBe(0);
    expectProblem(
      await t.request({
        method: 'PATCH',
        url: `/v1/channels/${channel.code}`,
        payload: { priority: 9 },
        key: reader,
      }),
      403,
      'forbidden',
    );
    expectProblem(
      await t.request({ method: 'POST', url: `/v1/channels/${channel.code}/deactivate`, key: reader }),
      403,
      'forbidden',
    );
    const stored = await t.request({ method: 'GET', url: `/v1/channels/${channel.code}` });
    expect(stored.json()).toEqual(channel);
  });

  it('lets a catalog:write key write', async () => {
    const writer = await t.keyWith(['catalog:write']);
    const res = await create({ code: uniq('ch'), name: 'By writer' }, writer);
    expect(res.statusCode).toBe(201);
  });

  it('lets a channel-bound key see and change only its own channel, and create none', async () => {
    const own = await makeChannel();
    const other = await makeChannel({ priority: 3 });
    const bound = await t.keyWith(['catalog:write'], own.code);
    const list = await t.request({ method: 'GET', url: '/v1/channels?limit=500', key: bound });
    expect(list.json().data.map((c: Channel) => c.code)).toEqual([own.code]);
    expect((await t.request({ method: 'GET', url: `/v1/channels/${own.code}`, key: bound })).statusCode).toBe(
      200,
    );
    const patched = await t.request({
      method: 'PATCH',
      url: `/v1/channels/${own.code}`,
      key: bound,
      payload: { priority: 7 },
    });
    expect(patched.json()).toMatchObject({ code: own.code, priority: 7 });
    for (const req of [
      { method: 'GET' as const, url: `/v1/channels/${other.code}` },
      { method: 'PATCH' as const, url: `/v1/channels/${other.code}`, payload: { priority: 99 } },
      { method: 'POST' as const, url: `/v1/channels/${other.code}/deactivate` },
    ]) {
      expectProblem(await t.request({ ...req, key: bound }), 404, 'not_found');
    }
    const stored = await t.request({ method: 'GET', url: `/v1/channels/${other.code}` });
    expect(stored.json()).toMatchObject({ priority: 3, active: true });
    const code = uniq('ch');
    expectProblem(await create({ code, name: 'Sneaky' }, bound), 403, 'forbidden');
    expect(await rowCount(code)).toBe(0);
  });

  it('refuses requests without a key with 401', async () => {
    const code = uniq('ch');
    for (const req of [
      { method: 'GET' as const, url: '/v1/channels' },
      { method: 'GET' as const, url: `/v1/channels/${code}` },
      { method: 'POST' as const, url: '/v1/channels', payload: { code, name: 'X' } },
      { method: 'PATCH' as const, url: `/v1/channels/${code}`, payload: { priority: 1 } },
      { method: 'POST' as const, url: `/v1/channels/${code}/deactivate` },
    ]) {
      const res = await t.request({ ...req, key: null });
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="ordo"');
    }
    expect(await rowCount(code)).toBe(0);
  });
});
