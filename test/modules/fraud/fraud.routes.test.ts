import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factNames } from '../../../src/modules/fraud/evaluate.js';
import type { ReplaceFraudRules } from '../../../src/modules/fraud/fraud.schemas.js';
import { createFraudService } from '../../../src/modules/fraud/fraud.service.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';

// The rule set is one global resource, so each test builds on the versions the previous ones saved.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const get = (key?: string | null) => t.request({ method: 'GET', url: '/v1/rules/fraud', key });
const put = (payload: object, key?: string | null) =>
  t.request({ method: 'PUT', url: '/v1/rules/fraud', payload, key });

const body = (overrides: Partial<ReplaceFraudRules> = {}): ReplaceFraudRules => ({
  rules: [
    { condition: { '>': [{ var: 'total' }, 50_000] }, weight: 40, reason: 'Large order' },
    { condition: { var: 'countries_differ' }, weight: 30, reason: 'Countries differ' },
  ],
  review_threshold: 50,
  reject_threshold: 100,
  ...overrides,
});

const storedVersions = async () =>
  (await t.pool.query('SELECT version FROM fraud_rule_sets ORDER BY version')).rows.map((r) => r.version);

describe('/v1/rules/fraud', () => {
  it('serves the default rule set, version 0, before any was saved', async () => {
    const res = await get();
    expect(res.statusCode).toBe(200);
    const set = res.json();
    expect(set).toMatchObject({
      version: 0,
      rules: [],
      review_threshold: 50,
      reject_threshold: 100,
      created_at: null,
    });
    expect(set.facts.map((f: { name: string }) => f.name)).toEqual(factNames);
    expect(set.facts[0]).toEqual({ name: 'total', description: expect.any(String) });
  });

  it('saves versions 1 then 2 and serves the newest, recording who saved it', async () => {
    const first = await put(body());
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ version: 1, ...body(), created_at: expect.any(String) });

    const second = body({
      rules: [{ condition: { in: ['vip', { var: 'tags' }] }, weight: -20, reason: 'VIP' }],
      review_threshold: 10,
      reject_threshold: 10,
    });
    const res = await put(second);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ version: 2, ...second });

    const current = await get();
    expect(current.json()).toMatchObject({ version: 2, ...second, created_at: res.json().created_at });
    expect(current.json().facts).toHaveLength(factNames.length);

    const rows = await t.pool.query(
      'SELECT s.version, k.name FROM fraud_rule_sets s LEFT JOIN api_keys k ON k.id = s.created_by ORDER BY version',
    );
    expect(rows.rows).toEqual([
      { version: 1, name: expect.any(String) },
      { version: 2, name: expect.any(String) },
    ]);
    expect(rows.rows[0].name).not.toBeNull();
  });

  it('lists every invalid condition by pointer and saves nothing', async () => {
    const before = await storedVersions();
    const res = await put(
      body({
        rules: [
          { condition: { '>': [{ var: 'total' }, 1] }, weight: 1, reason: 'fine' },
          { condition: { '>': [{ var: 'credit_score' }, 1] }, weight: 1, reason: 'unknown fact' },
          { condition: { teleport: [1] }, weight: 1, reason: 'unknown operator' },
          { condition: 'total > 5', weight: 1, reason: 'not logic' },
        ],
        review_threshold: 200,
      }),
    );
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'validation_failed' });
    expect(res.json().errors).toEqual([
      { in: 'body', pointer: '/rules/1/condition', detail: expect.stringContaining('credit_score') },
      { in: 'body', pointer: '/rules/2/condition', detail: expect.stringContaining('teleport') },
      { in: 'body', pointer: '/rules/3/condition', detail: expect.stringContaining('JSONLogic') },
      { in: 'body', pointer: '/review_threshold', detail: expect.stringContaining('reject_threshold') },
    ]);
    expect(await storedVersions()).toEqual(before);
  });

  it('refuses a review threshold above the reject threshold', async () => {
    const before = await storedVersions();
    const res = await put(body({ review_threshold: 101, reject_threshold: 100 }));
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([
      expect.objectContaining({ in: 'body', pointer: '/review_threshold' }),
    ]);
    expect(await storedVersions()).toEqual(before);
  });

  it('refuses bodies that break the schema', async () => {
    const rule = { condition: true, weight: 1, reason: 'r' };
    for (const payload of [
      {},
      { ...body(), extra: 1 },
      body({ rules: [{ ...rule, weight: 1001 }] }),
      body({ rules: [{ ...rule, weight: 1.5 }] }),
      body({ rules: [{ ...rule, reason: '' }] }),
      body({ rules: [{ ...rule, reason: 'x'.repeat(201) }] }),
      body({ rules: Array.from({ length: 201 }, () => rule) }),
      body({ review_threshold: -1 }),
      { ...body(), rules: [{ condition: true, weight: 1 }] },
    ]) {
      const res = await put(payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 100)).toBe(422);
    }
  });

  it('gives concurrent saves distinct consecutive versions', async () => {
    const [latest] = await storedVersions().then((v) => v.slice(-1));
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => put(body({ review_threshold: i, reject_threshold: 100 }))),
    );
    expect(results.map((res) => res.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const expected = [1, 2, 3, 4, 5].map((n) => (latest ?? 0) + n);
    expect(results.map((res) => res.json().version).sort((a, b) => a - b)).toEqual(expected);
    expect((await storedVersions()).slice(-5)).toEqual(expected);
    const newest = results.find((res) => res.json().version === expected[4]);
    expect((await get()).json()).toMatchObject({
      version: expected[4],
      review_threshold: newest?.json().review_threshold,
    });
  });

  it('lets an orders:read key read the rules but not change them', async () => {
    const reader = await t.keyWith(['orders:read']);
    expect((await get(reader)).statusCode).toBe(200);
    const res = await put(body(), reader);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'forbidden', detail: expect.stringContaining('admin') });
    const writer = await t.keyWith(['orders:write', 'catalog:write']);
    expect((await get(writer)).statusCode).toBe(403);
    expect((await put(body(), writer)).statusCode).toBe(403);
    expect((await get(null)).statusCode).toBe(401);
    expect((await put(body(), null)).statusCode).toBe(401);
  });
});

describe('the fraud service cache', () => {
  it('serves a cached set for its window, but a save in the same process shows at once', async () => {
    const mine = createFraudService({ db: t.db, cacheMs: 60_000 });
    const other = createFraudService({ db: t.db, cacheMs: 60_000 });
    const before = await mine.current();
    expect(Object.isFrozen(before.rules)).toBe(true);

    const saved = await other.replace(body({ review_threshold: 77 }), { apiKeyId: null });
    expect(saved.version).toBe(before.version + 1);
    // Another process's save is not seen until the cache expires...
    expect((await mine.current()).version).toBe(before.version);
    // ...but the saving process sees its own save immediately.
    expect(await other.current()).toMatchObject({ version: saved.version, review_threshold: 77 });

    const fresh = createFraudService({ db: t.db, cacheMs: 0 });
    expect((await fresh.current()).version).toBe(saved.version);
  });
});
