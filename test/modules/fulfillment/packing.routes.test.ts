import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factNames } from '../../../src/modules/fulfillment/packing.js';
import {
  type ReplacePackingRules,
  ReplacePackingRulesSchema,
} from '../../../src/modules/fulfillment/packing.schemas.js';
import { createPackingRuleService } from '../../../src/modules/fulfillment/packing.service.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';

// The rule set is one global resource, so each test builds on the versions the previous ones saved.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const get = (key?: string | null) => t.request({ method: 'GET', url: '/v1/rules/packing', key });
const put = (payload: object, key?: string | null) =>
  t.request({ method: 'PUT', url: '/v1/rules/packing', payload, key });

const body = (overrides: Partial<ReplacePackingRules> = {}): ReplacePackingRules => ({
  rules: [
    {
      name: 'Dry ice',
      condition: { in: ['perishable', { var: 'tags' }] },
      instructions: ['Insulated liner, dry ice on top'],
      materials: [
        {
          code: 'dry-ice',
          unit: 'kg',
          quantity: { '*': [{ var: 'units_by_tag.perishable' }, { '+': [{ var: 'transit_days' }, 1] }, 0.5] },
        },
        { code: 'liner', unit: 'each', quantity: 1 },
      ],
    },
    { name: 'Gift', condition: { var: 'gift' }, instructions: ['Gift wrap'] },
  ],
  carrier_preferences: [
    {
      name: 'electronics',
      condition: { in: ['electronics', { var: 'tags' }] },
      carrier: 'ups',
      tolerance: 300,
    },
    {
      name: 'heavy',
      condition: { '>': [{ var: 'weight_kg' }, 30] },
      carrier: 'fedex',
      service: 'freight',
      tolerance: 0,
    },
  ],
  ...overrides,
});

const storedVersions = async () =>
  (await t.pool.query('SELECT version FROM packing_rule_sets ORDER BY version')).rows.map((r) => r.version);

describe('/v1/rules/packing', () => {
  it('serves the default rule set, version 0, before any was saved', async () => {
    const res = await get();
    expect(res.statusCode, res.body).toBe(200);
    const set = res.json();
    expect(set).toMatchObject({ version: 0, rules: [], carrier_preferences: [], created_at: null });
    expect(set.facts.map((f: { name: string }) => f.name)).toEqual(factNames);
    expect(set.facts.find((f: { name: string }) => f.name === 'units_by_tag')).toEqual({
      name: 'units_by_tag',
      description: expect.stringContaining('units_by_tag.perishable'),
    });
  });

  it('saves versions 1 then 2 and serves the newest, recording who saved it', async () => {
    const first = await put(body());
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({
      version: 1,
      ...body(),
      created_at: expect.any(String),
      facts: expect.any(Array),
    });

    const second = body({ rules: [], carrier_preferences: [] });
    const res = await put(second);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ version: 2, rules: [], carrier_preferences: [] });
    expect((await get()).json()).toMatchObject({ version: 2, created_at: res.json().created_at });

    const rows = await t.pool.query(
      'SELECT s.version, s.body, k.name FROM packing_rule_sets s LEFT JOIN api_keys k ON k.id = s.created_by ORDER BY version',
    );
    expect(rows.rows.map((r) => r.version)).toEqual([1, 2]);
    expect(rows.rows[0].body).toEqual(body());
    expect(rows.rows[0].name).not.toBeNull();
  });

  it('accepts the example documented in the schema', async () => {
    const [example] = (ReplacePackingRulesSchema as { examples?: object[] }).examples ?? [];
    const res = await put(example ?? {});
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject(example ?? {});
  });

  it('lists every problem by pointer and saves nothing', async () => {
    const before = await storedVersions();
    const res = await put(
      body({
        rules: [
          { name: 'fine', condition: true, instructions: ['x'] },
          { name: 'unknown fact', condition: { '>': [{ var: 'colour' }, 1] } },
          {
            name: 'bad quantity',
            condition: true,
            materials: [{ code: 'ice', unit: 'kg', quantity: { '/': [1, { var: 'units' }] } }],
          },
          { name: 'fine', condition: { teleport: [1] } },
        ],
        carrier_preferences: [{ name: 'p', condition: 'weight > 5', carrier: 'ups', tolerance: 0 }],
      }),
    );
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'validation_failed' });
    expect(res.json().errors).toEqual([
      { in: 'body', pointer: '/rules/3/name', detail: expect.stringContaining('"fine"') },
      { in: 'body', pointer: '/rules/1/condition', detail: expect.stringContaining('colour') },
      {
        in: 'body',
        pointer: '/rules/2/materials/0/quantity',
        detail: expect.stringContaining('finite number'),
      },
      { in: 'body', pointer: '/rules/3/condition', detail: expect.stringContaining('teleport') },
      {
        in: 'body',
        pointer: '/carrier_preferences/0/condition',
        detail: expect.stringContaining('JSONLogic'),
      },
    ]);
    expect(await storedVersions()).toEqual(before);
  });

  it('refuses bodies that break the schema', async () => {
    const rule = { name: 'r', condition: true };
    const preference = { name: 'p', condition: true, carrier: 'ups', tolerance: 0 };
    const material = { code: 'ice', unit: 'kg', quantity: 1 };
    for (const payload of [
      {},
      { rules: [] },
      { ...body(), extra: 1 },
      body({ rules: [{ ...rule, name: '' }] }),
      body({ rules: [{ ...rule, extra: true } as typeof rule] }),
      body({ rules: Array.from({ length: 201 }, (_, i) => ({ ...rule, name: `r${i}` })) }),
      body({ rules: [{ ...rule, instructions: [''] }] }),
      body({ rules: [{ ...rule, materials: [{ ...material, quantity: -1 }] }] }),
      body({ rules: [{ ...rule, materials: [{ ...material, quantity: '2' as unknown as number }] }] }),
      body({ rules: [{ ...rule, materials: [{ ...material, code: 'has space' }] }] }),
      body({ carrier_preferences: [{ ...preference, tolerance: 1.5 }] }),
      body({ carrier_preferences: [{ ...preference, tolerance: -1 }] }),
      body({ carrier_preferences: [{ ...preference, carrier: '' }] }),
    ]) {
      const res = await put(payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 120)).toBe(422);
    }
  });

  it('gives concurrent saves distinct consecutive versions', async () => {
    const [latest] = (await storedVersions()).slice(-1);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        put(body({ rules: [{ name: `r${i}`, condition: true, instructions: [`${i}`] }] })),
      ),
    );
    expect(results.map((res) => res.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const expected = [1, 2, 3, 4, 5].map((n) => (latest ?? 0) + n);
    expect(results.map((res) => res.json().version).sort((a, b) => a - b)).toEqual(expected);
    const newest = results.find((res) => res.json().version === expected[4]);
    expect((await get()).json()).toMatchObject({ version: expected[4], rules: newest?.json().rules });
  });

  it('lets an orders:read key read the rules but only an admin key change them', async () => {
    const reader = await t.keyWith(['orders:read']);
    expect((await get(reader)).statusCode).toBe(200);
    const res = await put(body(), reader);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'forbidden', detail: expect.stringContaining('admin') });
    const fulfillment = await t.keyWith(['fulfillment:write', 'catalog:write']);
    expect((await get(fulfillment)).statusCode).toBe(403);
    expect((await put(body(), fulfillment)).statusCode).toBe(403);
    expect((await get(null)).statusCode).toBe(401);
    expect((await put(body(), null)).statusCode).toBe(401);
  });
});

describe('the packing rule service cache', () => {
  it('serves a cached set for its window, but a save in the same process shows at once', async () => {
    const mine = createPackingRuleService({ db: t.db, cacheMs: 60_000 });
    const other = createPackingRuleService({ db: t.db, cacheMs: 60_000 });
    const before = await mine.current();
    expect(Object.isFrozen(before.body.rules)).toBe(true);

    const saved = await other.replace(body(), { apiKeyId: null });
    expect(saved.version).toBe(before.version + 1);
    expect((await mine.current()).version).toBe(before.version);
    expect(await other.current()).toMatchObject({ version: saved.version, body: body() });
    expect((await createPackingRuleService({ db: t.db, cacheMs: 0 }).current()).version).toBe(saved.version);
  });
});
