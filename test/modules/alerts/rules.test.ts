import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation } from '../../helpers/factories.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';
import { databaseDigest } from '../../helpers/world.js';

let t: TestApp;
let channel: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t)).code;
  location = (await makeLocation(t)).code;
});
afterAll(() => t.close());

const put = (rules: object[], key?: string | null) =>
  t.request({ method: 'PUT', url: '/v1/alerts/rules', payload: { rules }, key });
const current = async (key?: string) => {
  const res = await t.request({ method: 'GET', url: '/v1/alerts/rules', key });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('GET /v1/alerts/rules', () => {
  it('serves the default set, version 0, while none was saved', async () => {
    const set = await current();
    expect(set.version).toBe(0);
    expect(set.created_at).toBeNull();
    expect(set.rules.map((rule: { kind: string }) => rule.kind).sort()).toEqual(
      [
        'below_reorder_point',
        'connector_inbox',
        'delivery_late',
        'feed_stale',
        'hold_age',
        'order_status',
        'order_status',
        'shipment_overdue',
        'webhook_failing',
      ].sort(),
    );
    expect(set.rules.every((rule: { enabled: boolean }) => rule.enabled)).toBe(true);
  });
});

describe('PUT /v1/alerts/rules', () => {
  it('saves a new version in force, keeping only the fields given and defaulting enabled', async () => {
    const before = (await current()).version;
    const rules = [
      {
        id: 'stuck',
        kind: 'order_status',
        statuses: ['on_hold', 'backordered'],
        minutes: 90,
        channels: [channel],
        service_levels: ['express'],
        min_priority: 5,
      },
      { id: 'late', kind: 'delivery_late', hours: 0, enabled: false, description: 'Customer promise broken' },
      { id: 'overdue', kind: 'shipment_overdue', checks: ['ship_by'] },
      { id: 'reorder', kind: 'below_reorder_point', locations: [location] },
      { id: 'feeds', kind: 'feed_stale', hours: 12 },
      { id: 'hooks', kind: 'webhook_failing', minutes: 0 },
      { id: 'holds', kind: 'hold_age', hours: 2, queues: ['payments', 'fraud_review'] },
    ];
    const res = await put(rules);
    expect(res.statusCode, res.body).toBe(200);
    const saved = res.json();
    expect(saved.version).toBe(before + 1);
    expect(saved.created_at).toEqual(expect.any(String));
    expect(saved.rules[0]).toEqual({ ...rules[0], enabled: true });
    expect(saved.rules[1]).toEqual(rules[1]);
    expect(await current()).toEqual(saved);
  });

  it.each([
    [
      'a negative duration',
      { id: 'x', kind: 'order_status', statuses: ['on_hold'], minutes: -5 },
      '/rules/0/minutes',
    ],
    ['negative hours', { id: 'x', kind: 'hold_age', hours: -1 }, '/rules/0/hours'],
    [
      'an unknown status',
      { id: 'x', kind: 'order_status', statuses: ['stuck'], minutes: 5 },
      '/rules/0/statuses/0',
    ],
    ['an unknown kind', { id: 'x', kind: 'weather', hours: 1 }, '/rules/0/kind'],
    ['an unknown field', { id: 'x', kind: 'hold_age', hours: 1, colour: 'red' }, '/rules/0/colour'],
    ['a duration over a year', { id: 'x', kind: 'webhook_failing', minutes: 600_000 }, '/rules/0/minutes'],
    [
      'a parameter of another kind',
      { id: 'x', kind: 'hold_age', hours: 1, statuses: ['on_hold'] },
      '/rules/0/statuses',
    ],
    ['a missing duration', { id: 'x', kind: 'feed_stale' }, '/rules/0/hours'],
    ['missing statuses', { id: 'x', kind: 'order_status', minutes: 5 }, '/rules/0/statuses'],
    ['tracking without hours', { id: 'x', kind: 'shipment_overdue', checks: ['tracking'] }, '/rules/0/hours'],
    ['an unknown queue', { id: 'x', kind: 'hold_age', hours: 1, queues: ['nowhere'] }, '/rules/0/queues/0'],
    [
      'an unknown channel',
      { id: 'x', kind: 'hold_age', hours: 1, channels: ['no-such'] },
      '/rules/0/channels/0',
    ],
    [
      'an unknown location',
      { id: 'x', kind: 'feed_stale', hours: 1, locations: ['no-such'] },
      '/rules/0/locations/0',
    ],
    ['a bad id', { id: 'has space', kind: 'hold_age', hours: 1 }, '/rules/0/id'],
  ])('refuses %s with a 422 naming the field, and saves nothing', async (_what, rule, pointer) => {
    const before = await databaseDigest(t);
    const version = (await current()).version;
    expectInvalid(await put([rule]), [pointer]);
    expect(await databaseDigest(t)).toEqual(before);
    expect((await current()).version).toBe(version);
  });

  it('refuses a duplicate id, naming the second', async () => {
    const rule = { id: 'twice', kind: 'hold_age', hours: 1 };
    const problem = expectInvalid(await put([rule, { ...rule, hours: 2 }]), ['/rules/1/id'], 'body', {
      only: true,
    });
    expect(problem.errors?.[0]?.detail).toMatch(/rule 0/);
  });

  it('lists every bad field of every rule at once', async () => {
    const res = await put([
      { id: 'a', kind: 'hold_age', hours: 1, queues: ['nowhere'] },
      { id: 'b', kind: 'order_status', minutes: 5, queues: ['payments'] },
    ]);
    expectInvalid(res, ['/rules/0/queues/0', '/rules/1/statuses', '/rules/1/queues'], 'body', { only: true });
  });

  it('needs the admin scope to save; orders:read reads', async () => {
    const reader = await t.keyWith(['orders:read']);
    const writer = await t.keyWith(['orders:write', 'inventory:write']);
    expect((await current(reader)).version).toBeGreaterThanOrEqual(0);
    expectProblem(await put([], writer), 403, 'forbidden');
    expectProblem(await put([], reader), 403, 'forbidden');
    expectProblem(await put([], null), 401, 'unauthorized');
    expectProblem(await t.request({ method: 'GET', url: '/v1/alerts/rules', key: writer }), 403, 'forbidden');
  });

  it('accepts an empty rule set (no alerts at all)', async () => {
    const res = await put([]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().rules).toEqual([]);
  });
});
