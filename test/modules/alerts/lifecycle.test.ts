import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/modules/alerts/alerts.schemas.js';
import { createAlertService } from '../../../src/modules/alerts/index.js';
import {
  alertFeed,
  alertOf,
  alertsAbout,
  evaluateAlerts,
  evaluateTimes,
  eventsOfAlert,
  expectRaisedThenResolved,
  listAlerts,
  putAlertRules,
  unresolvedAlert,
} from '../../helpers/alerts.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, makeProduct, orderBody, stocked, uniq } from '../../helpers/factories.js';
import { captureOrder, orderOf } from '../../helpers/orders.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';
import { databaseDigest } from '../../helpers/world.js';

// The alert lifecycle (open -> acknowledged -> resolved), the list and its filters, what a
// channel-bound key sees, rules removed or changed, and the bounded passes.
let t: TestApp;
let location: string;
let sku: string;
const channels = { a: '', b: '' };
/** Keys bound to each channel (orders:read and orders:write), with their ids. */
const keys = { a: { id: '', secret: '' }, b: { id: '', secret: '' } };

beforeAll(async () => {
  t = await createTestApp();
  location = (await makeLocation(t)).code;
  sku = await stocked(t, { [location]: 10_000 });
  for (const side of ['a', 'b'] as const) {
    channels[side] = (await makeChannel(t)).code;
    const res = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      payload: { name: `ops ${side}`, scopes: ['orders:read', 'orders:write'], channel: channels[side] },
    });
    expect(res.statusCode, res.body).toBe(201);
    keys[side] = { id: res.json().id, secret: res.json().secret };
  }
});
afterAll(() => t.close());

const acknowledge = (id: number | string, key?: string | null) =>
  t.request({ method: 'POST', url: `/v1/alerts/${id}/acknowledge`, key });

/** An order of the channel waiting for its payment: its hold is the subject of `hold_age` alerts. */
async function heldOrder(channel: string) {
  const order = await captureOrder(
    t,
    orderBody(channel, [{ sku, quantity: 1 }], {
      payment: { status: 'pending', amount: 1500, method: 'card' },
    }),
  );
  const hold = (await orderOf(t, order.id)).holds[0];
  return { order, hold: String(hold.id), holdId: hold.id as number };
}

const releaseHold = async (id: number) => {
  const res = await t.request({ method: 'POST', url: `/v1/holds/${id}/release`, payload: {} });
  expect(res.statusCode, res.body).toBe(200);
};

/** A SKU at `location` with `onHand` units and a reorder point above them: a below_reorder_point subject. */
async function shortSku(onHand: number, point: number) {
  const short = await stocked(t, onHand > 0 ? { [location]: onHand } : {});
  const res = await t.request({
    method: 'PUT',
    url: '/v1/inventory/reorder-points',
    payload: { items: [{ sku: short, location, reorder_point: point }] },
  });
  expect(res.statusCode, res.body).toBe(200);
  return { sku: short, subject: `${short}@${location}` };
}

describe('acknowledging an alert', () => {
  it('open -> acknowledged (idempotent, by a key of its channel) -> resolved when the condition clears; then 409', async () => {
    await putAlertRules(t, [{ id: 'holds', kind: 'hold_age', hours: 0, channels: [channels.a, channels.b] }]);
    const held = await heldOrder(channels.a);
    await evaluateAlerts(t);
    const raised = (await unresolvedAlert(t, 'holds', held.hold)) as Alert;
    expect(raised).toMatchObject({ status: 'open', channel: channels.a });

    const first = await acknowledge(raised.id, keys.a.secret);
    expect(first.statusCode, first.body).toBe(200);
    const acknowledged = first.json() as Alert;
    expect(acknowledged).toEqual({
      ...raised,
      status: 'acknowledged',
      acknowledged_at: expect.any(String),
      acknowledged_by: keys.a.id,
    });
    // Again: the same answer, nothing changes, no second event.
    const again = await acknowledge(raised.id, keys.a.secret);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(acknowledged);

    // Acknowledged is not resolved: the passes keep it, and raise no second alert for the hold.
    await evaluateTimes(t, 2);
    expect(await alertsAbout(t, 'holds', held.hold)).toEqual([
      { ...acknowledged, seen_at: expect.any(String) },
    ]);

    await releaseHold(held.holdId);
    await evaluateAlerts(t);
    await expectRaisedThenResolved(t, raised, { acknowledged: true });
    const [, ackEvent] = await eventsOfAlert(t, raised.id);
    expect(ackEvent?.actor).toEqual({
      type: 'api_key',
      id: keys.a.id,
      name: 'ops a',
      request_id: first.headers['x-request-id'],
    });
    expect(ackEvent?.channel).toBe(channels.a);

    const late = await acknowledge(raised.id, keys.a.secret);
    expectProblem(late, 409, 'conflict');
    expect((await alertOf(t, raised.id)).status).toBe('resolved');
  });

  it('is 404 for an unknown alert and for another channel’s, 403 without orders:write, 401 without a key', async () => {
    await putAlertRules(t, [{ id: 'holds', kind: 'hold_age', hours: 0, channels: [channels.a, channels.b] }]);
    const held = await heldOrder(channels.b);
    await evaluateAlerts(t);
    const alert = (await unresolvedAlert(t, 'holds', held.hold)) as Alert;
    const reader = await t.keyWith(['orders:read']);
    const before = await databaseDigest(t);
    expectProblem(await acknowledge(alert.id, keys.a.secret), 404, 'not_found');
    expectProblem(await acknowledge(999_999_999), 404, 'not_found');
    expectProblem(await acknowledge(alert.id, reader), 403, 'forbidden');
    expectProblem(await acknowledge(alert.id, null), 401, 'unauthorized');
    expectInvalid(await acknowledge('abc'), ['/id'], 'params');
    expect(await databaseDigest(t)).toEqual(before);
    expect((await alertOf(t, alert.id)).status).toBe('open');
    expect((await acknowledge(alert.id, keys.b.secret)).statusCode).toBe(200);
    await releaseHold(held.holdId);
    await evaluateAlerts(t);
  });
});

describe('GET /v1/alerts', () => {
  it('filters by rule, kind, status, subject and channel, newest first, page by page', async () => {
    await putAlertRules(t, [
      { id: 'holds', kind: 'hold_age', hours: 0, channels: [channels.a, channels.b] },
      { id: 'reorder', kind: 'below_reorder_point', locations: [location] },
    ]);
    const [heldA, heldB] = [await heldOrder(channels.a), await heldOrder(channels.b)];
    const short = await shortSku(2, 10);
    await evaluateAlerts(t);
    const alertA = (await unresolvedAlert(t, 'holds', heldA.hold)) as Alert;
    const alertB = (await unresolvedAlert(t, 'holds', heldB.hold)) as Alert;
    const reorder = (await unresolvedAlert(t, 'reorder', short.subject)) as Alert;
    expect((await acknowledge(alertB.id)).statusCode).toBe(200);

    const ids = async (query: string) => (await listAlerts(t, query)).map((alert) => alert.id);
    const ours = [alertA.id, alertB.id, reorder.id];
    const oursIn = async (query: string) => (await ids(query)).filter((id) => ours.includes(id));
    /** Ids as the list orders them: newest (highest) first. */
    const newestFirst = (...list: number[]) => list.sort((x, y) => y - x);
    expect(await oursIn('')).toEqual(newestFirst(reorder.id, alertB.id, alertA.id));
    expect(await oursIn('rule=reorder')).toEqual([reorder.id]);
    expect(await oursIn('kind=hold_age')).toEqual(newestFirst(alertB.id, alertA.id));
    expect(await oursIn('status=open')).toEqual(newestFirst(reorder.id, alertA.id));
    expect(await oursIn('status=acknowledged')).toEqual([alertB.id]);
    expect(await ids(`subject_type=hold&subject_id=${heldA.hold}`)).toEqual([alertA.id]);
    expect(await ids(`subject_id=${encodeURIComponent(short.subject)}`)).toEqual([reorder.id]);
    expect(await oursIn(`channel=${channels.b}`)).toEqual([alertB.id]);
    expect(await ids(`rule=reorder&subject_id=${heldA.hold}`)).toEqual([]);

    // One at a time: every alert once, newest first.
    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.request({
        method: 'GET',
        url: `/v1/alerts?limit=1&kind=hold_age${cursor ? `&cursor=${cursor}` : ''}`,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().data.length).toBeLessThanOrEqual(1);
      paged.push(...res.json().data.map((alert: Alert) => alert.id));
      cursor = res.json().next_cursor;
    } while (cursor);
    expect(paged).toEqual(await ids('kind=hold_age'));

    await releaseHold(heldA.holdId);
    await releaseHold(heldB.holdId);
    await evaluateAlerts(t);
    expect(await oursIn('status=resolved')).toEqual(newestFirst(alertB.id, alertA.id));
  });

  it('shows a channel-bound key only its channel’s alerts, in the list, by id and in the feed', async () => {
    await putAlertRules(t, [
      { id: 'holds', kind: 'hold_age', hours: 0, channels: [channels.a, channels.b] },
      { id: 'reorder', kind: 'below_reorder_point', locations: [location] },
    ]);
    const [heldA, heldB] = [await heldOrder(channels.a), await heldOrder(channels.b)];
    const short = await shortSku(0, 3);
    await evaluateAlerts(t);
    const alertA = (await unresolvedAlert(t, 'holds', heldA.hold)) as Alert;
    const alertB = (await unresolvedAlert(t, 'holds', heldB.hold)) as Alert;
    const reorder = (await unresolvedAlert(t, 'reorder', short.subject)) as Alert;

    const seenByA = await listAlerts(t, '', keys.a.secret);
    expect(seenByA.length).toBeGreaterThan(0);
    expect(seenByA.every((alert) => alert.channel === channels.a)).toBe(true);
    expect(seenByA.map((alert) => alert.id)).toContain(alertA.id);
    expect(await listAlerts(t, `channel=${channels.b}`, keys.a.secret)).toEqual([]);
    expect(await listAlerts(t, `rule=reorder`, keys.a.secret)).toEqual([]);
    expect((await alertOf(t, alertA.id, keys.a.secret)).id).toBe(alertA.id);
    for (const hidden of [alertB.id, reorder.id]) {
      expectProblem(
        await t.request({ method: 'GET', url: `/v1/alerts/${hidden}`, key: keys.a.secret }),
        404,
        'not_found',
      );
    }
    // The feed hides the same: alert events carry their subject's channel, and none for stock.
    const feedOfA = await alertFeed(t, keys.a.secret);
    expect(feedOfA.length).toBeGreaterThan(0);
    expect(feedOfA.every((event) => event.channel === channels.a)).toBe(true);
    expect((await alertFeed(t)).some((event) => event.id === reorder.id && event.channel === null)).toBe(
      true,
    );

    const stockOnly = await t.keyWith(['inventory:read']);
    expectProblem(await t.request({ method: 'GET', url: '/v1/alerts', key: stockOnly }), 403, 'forbidden');
    await releaseHold(heldA.holdId);
    await releaseHold(heldB.holdId);
  });

  it.each([
    ['an unknown status', 'status=stuck', '/status'],
    ['an unknown kind', 'kind=weather', '/kind'],
    ['an unknown subject type', 'subject_type=planet', '/subject_type'],
    ['a limit over the maximum', 'limit=100000', '/limit'],
  ])('refuses %s with a 422 naming the parameter', async (_what, query, pointer) => {
    expectInvalid(await t.request({ method: 'GET', url: `/v1/alerts?${query}` }), [pointer], 'query');
  });
});

describe('rules removed, disabled or changed', () => {
  it('resolves the alerts of a rule removed, of a rule disabled, and of a rule given another kind', async () => {
    const shorts = [await shortSku(1, 5), await shortSku(1, 5), await shortSku(1, 5)];
    await putAlertRules(t, [
      { id: 'removed', kind: 'below_reorder_point', locations: [location] },
      { id: 'disabled', kind: 'below_reorder_point', locations: [location] },
      { id: 'rekinded', kind: 'below_reorder_point', locations: [location] },
    ]);
    await evaluateAlerts(t);
    const subject = shorts[0]?.subject as string;
    const before = {
      removed: (await unresolvedAlert(t, 'removed', subject)) as Alert,
      disabled: (await unresolvedAlert(t, 'disabled', subject)) as Alert,
      rekinded: (await unresolvedAlert(t, 'rekinded', subject)) as Alert,
    };
    expect((await acknowledge(before.removed.id)).statusCode).toBe(200);

    const { version } = await putAlertRules(t, [
      { id: 'disabled', kind: 'below_reorder_point', locations: [location], enabled: false },
      { id: 'rekinded', kind: 'feed_stale', hours: 0, locations: [location] },
    ]);
    const result = await evaluateAlerts(t);
    expect(result.version).toBe(version);
    await expectRaisedThenResolved(t, before.removed, { acknowledged: true });
    await expectRaisedThenResolved(t, before.disabled);
    await expectRaisedThenResolved(t, before.rekinded);
    for (const { subject: other } of shorts) {
      for (const rule of ['removed', 'disabled', 'rekinded']) {
        expect(await unresolvedAlert(t, rule, other)).toBeUndefined();
      }
    }
    // The rule's new kind raises its own alerts, under the new version.
    expect(await unresolvedAlert(t, 'rekinded', location)).toMatchObject({
      kind: 'feed_stale',
      rule_version: version,
      status: 'open',
    });
  });

  it('re-checks open alerts against the rule’s new parameters', async () => {
    const short = await shortSku(1, 5);
    await putAlertRules(t, [{ id: 'reorder', kind: 'below_reorder_point', locations: [location] }]);
    await evaluateAlerts(t);
    const alert = (await unresolvedAlert(t, 'reorder', short.subject)) as Alert;
    const elsewhere = (await makeLocation(t)).code;
    await putAlertRules(t, [{ id: 'reorder', kind: 'below_reorder_point', locations: [elsewhere] }]);
    await evaluateAlerts(t);
    await expectRaisedThenResolved(t, alert);
  });
});

describe('bounded passes', () => {
  it('raises at most raiseLimit alerts per rule and pass (the largest shortfalls first), and re-checks at most checkLimit', async () => {
    const here = (await makeLocation(t)).code;
    const skus: string[] = [];
    for (const point of [5, 9, 7, 3, 8]) {
      const { sku: made } = await makeProduct(t);
      const res = await t.request({
        method: 'PUT',
        url: '/v1/inventory/reorder-points',
        payload: { items: [{ sku: made, location: here, reorder_point: point }] },
      });
      expect(res.statusCode).toBe(200);
      skus.push(made);
    }
    await putAlertRules(t, [{ id: 'bounded', kind: 'below_reorder_point', locations: [here] }]);
    const log = pino({ level: 'silent' });
    const small = createAlertService({
      db: t.db,
      clock: { now: () => new Date() },
      log,
      raiseLimit: 2,
      checkLimit: 2,
    });
    const open = async () =>
      (await listAlerts(t, 'rule=bounded&status=open'))
        .map((alert) => Number(alert.details.reorder_point))
        .sort();

    expect((await small.evaluate()).raised).toBe(2);
    expect(await open()).toEqual([8, 9]);
    expect((await small.evaluate()).raised).toBe(2);
    expect(await open()).toEqual([5, 7, 8, 9]);
    expect((await small.evaluate()).raised).toBe(1);
    expect((await small.evaluate()).raised).toBe(0);

    // Stock arrives for all: each pass resolves at most two, the least recently checked first.
    const res = await t.request({
      method: 'POST',
      url: '/v1/inventory/adjustments',
      payload: {
        reference: uniq('ASN'),
        reason: 'receipt',
        items: skus.map((s) => ({ sku: s, location: here, delta: 10 })),
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const resolvedPerPass = [];
    for (let pass = 0; pass < 4; pass++) {
      resolvedPerPass.push((await small.evaluate()).resolved);
    }
    expect(resolvedPerPass).toEqual([2, 2, 1, 0]);
    expect(await open()).toEqual([]);
  });
});
