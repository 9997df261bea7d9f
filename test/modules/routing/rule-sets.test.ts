import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../../src/http/problem.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel } from '../../helpers/factories.js';
import { expectProblem } from '../../helpers/problems.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const nearestOnly = { ranking: ['nearest'], split: { policy: 'none' } };

const body = (fields: Record<string, unknown> = {}) => ({
  rules: [
    {
      name: 'same day from stores',
      condition: { '==': [{ var: 'service_level' }, 'same_day'] },
      action: {
        eligible: { kinds: ['store'], max_distance_km: 50 },
        ranking: ['nearest'],
        split: { policy: 'none' },
      },
    },
  ],
  fallback: { ranking: ['min_splits', 'nearest'], split: { policy: 'allowed', max_shipments: 3 } },
  ...fields,
});

const get = (scope: string, key?: string) =>
  t.request({
    method: 'GET',
    url: `/v1/routing/rule-sets/${encodeURIComponent(scope)}`,
    ...(key ? { key } : {}),
  });

const put = (scope: string, payload: object, key?: string) =>
  t.request({
    method: 'PUT',
    url: `/v1/routing/rule-sets/${encodeURIComponent(scope)}`,
    payload,
    ...(key ? { key } : {}),
  });

/** The pointers a 422 names, in order. */
async function rejected(scope: string, payload: object): Promise<Problem> {
  return expectProblem(await put(scope, payload), 422);
}

const pointers = (problem: Problem) => (problem.errors ?? []).map((e) => e.pointer);

describe('routing rule sets', () => {
  // Runs first: nothing has been saved in this file's database yet.
  it('serves the built-in rule set as version 0 until one is saved', async () => {
    const res = await get('*');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      scope: '*',
      version: 0,
      created_at: null,
      rules: [],
      fallback: {
        ranking: ['min_splits', 'location_priority', 'nearest'],
        split: { policy: 'allowed', max_shipments: 3 },
      },
    });
    const list = await t.request({ method: 'GET', url: '/v1/routing/rule-sets' });
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toEqual([expect.objectContaining({ scope: '*', version: 0 })]);
  });

  it('saves versions 1, 2… for * and for a channel, and GET returns the newest', async () => {
    const first = await put('*', body());
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ scope: '*', version: 1, ...body() });
    expect(Date.parse(first.json().created_at)).not.toBeNaN();

    const second = await put('*', body({ rules: [], fallback: nearestOnly }));
    expect(second.json()).toMatchObject({ scope: '*', version: 2, rules: [], fallback: nearestOnly });
    expect((await get('*')).json()).toMatchObject({
      scope: '*',
      version: 2,
      rules: [],
      fallback: nearestOnly,
    });

    const channel = (await makeChannel(t)).code;
    const own = await put(channel, body());
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toMatchObject({ scope: channel, version: 1 });
    expect((await put(channel, body({ rules: [] }))).json()).toMatchObject({ scope: channel, version: 2 });
    expect((await get(channel)).json()).toMatchObject({ scope: channel, version: 2, rules: [] });

    // A channel without its own set has nothing to GET (its orders use *).
    const other = (await makeChannel(t)).code;
    const missing = await get(other);
    expectProblem(missing, 404);

    const list = (await t.request({ method: 'GET', url: '/v1/routing/rule-sets' })).json().data as Array<{
      scope: string;
      version: number;
    }>;
    expect(list.find((s) => s.scope === '*')?.version).toBe(2);
    expect(list.find((s) => s.scope === channel)?.version).toBe(2);
    expect(list.some((s) => s.scope === other)).toBe(false);
    expect(list.filter((s) => s.scope === '*')).toHaveLength(1);
  });

  it('gives concurrent saves consecutive versions', async () => {
    const channel = (await makeChannel(t)).code;
    const saves = await Promise.all([1, 2, 3, 4].map(() => put(channel, body())));
    expect(saves.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(saves.map((r) => r.json().version).sort()).toEqual([1, 2, 3, 4]);
  });

  describe('rejects an invalid body with 422 naming each problem', () => {
    it('a condition over an unknown fact', async () => {
      const problem = await rejected(
        '*',
        body({
          rules: [
            {
              name: 'red things',
              condition: { '==': [{ var: 'colour' }, 'red'] },
              action: nearestOnly,
            },
          ],
        }),
      );
      expect(problem.errors).toEqual([
        expect.objectContaining({
          in: 'body',
          pointer: '/rules/0/condition',
          detail: expect.stringContaining('"colour" is not a fact'),
        }),
      ]);
    });

    it('an unknown JSONLogic operator', async () => {
      const problem = await rejected(
        '*',
        body({
          rules: [
            { name: 'fine', condition: { '>': [{ var: 'order_value' }, 100] }, action: nearestOnly },
            { name: 'eval', condition: { eval: ['process.exit()'] }, action: nearestOnly },
          ],
        }),
      );
      expect(problem.errors).toEqual([
        expect.objectContaining({ pointer: '/rules/1/condition', detail: expect.stringContaining('"eval"') }),
      ]);
    });

    it('a ranking with an unknown strategy, and an empty ranking', async () => {
      const problem = await rejected(
        '*',
        body({
          rules: [
            { name: 'cheap', condition: true, action: { ranking: ['cheapest'], split: { policy: 'none' } } },
          ],
          fallback: { ranking: [], split: { policy: 'none' } },
        }),
      );
      expect(pointers(problem)).toEqual(
        expect.arrayContaining(['/rules/0/action/ranking/0', '/fallback/ranking']),
      );
    });

    it('a split of at most one shipment', async () => {
      const problem = await rejected(
        '*',
        body({ fallback: { ranking: ['nearest'], split: { policy: 'allowed', max_shipments: 1 } } }),
      );
      expect(pointers(problem)).toContain('/fallback/split/max_shipments');
      for (const pointer of pointers(problem)) {
        expect(pointer).toMatch(/^\/fallback\/split/);
      }
    });

    it('unknown fields at every level', async () => {
      const problem = await rejected('*', {
        ...body(),
        version: 7,
        rules: [
          {
            name: 'x',
            condition: true,
            weight: 3,
            action: { ...nearestOnly, eligible: { zones: ['east'] }, mode: 'fast' },
          },
        ],
      });
      expect(pointers(problem)).toEqual(
        expect.arrayContaining([
          '/version',
          '/rules/0/weight',
          '/rules/0/action/mode',
          '/rules/0/action/eligible/zones',
        ]),
      );
      expect(problem.errors?.every((e) => e.detail === 'is not a known field')).toBe(true);
    });

    it('a missing fallback, and a negative cost review threshold', async () => {
      const problem = await rejected('*', {
        rules: [
          {
            name: 'review',
            condition: true,
            action: { ...nearestOnly, cost_review_threshold: -1 },
          },
        ],
      });
      expect(pointers(problem)).toEqual(
        expect.arrayContaining(['/fallback', '/rules/0/action/cost_review_threshold']),
      );
    });

    it('nothing is saved by a rejected body', async () => {
      const before = (await get('*')).json().version;
      await rejected('*', body({ fallback: { ranking: ['fastest', 'fastest'], split: { policy: 'none' } } }));
      expect((await get('*')).json().version).toBe(before);
    });
  });

  it('rejects a scope that is neither * nor a channel code with 422', async () => {
    const problem = await rejected('no-such-channel', body());
    expect(problem.errors).toEqual([expect.objectContaining({ in: 'params', pointer: '/scope' })]);
    const malformed = await put('not a code!', body());
    expect(malformed.statusCode).toBe(422);
    expect((await get('no-such-channel')).statusCode).toBe(404);
  });

  it('needs the admin scope to save, and orders:read to read', async () => {
    const channel = (await makeChannel(t)).code;
    const writer = await t.keyWith(['orders:write', 'orders:read', 'catalog:write']);
    const reader = await t.keyWith(['orders:read']);
    const inventory = await t.keyWith(['inventory:read']);

    const forbidden = await put(channel, body(), writer);
    expect(forbidden.statusCode, forbidden.body).toBe(403);
    expect((await get(channel)).statusCode).toBe(404); // nothing was saved

    expect(
      (
        await t.request({
          method: 'PUT',
          url: `/v1/routing/rule-sets/${channel}`,
          payload: body(),
          key: null,
        })
      ).statusCode,
    ).toBe(401);

    expect((await put(channel, body())).statusCode).toBe(200);
    const read = await get(channel, reader);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({ scope: channel, version: 1 });
    expect((await t.request({ method: 'GET', url: '/v1/routing/rule-sets', key: reader })).statusCode).toBe(
      200,
    );
    expect((await get(channel, inventory)).statusCode).toBe(403);
    expect(
      (await t.request({ method: 'GET', url: `/v1/routing/rule-sets/${channel}`, key: null })).statusCode,
    ).toBe(401);
  });
});
