import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putAlertRules } from '../../helpers/alerts.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder, captureReleased } from '../../helpers/orders.js';
import { sequenceAll } from '../../helpers/sequencer.js';

const hourMs = 3_600_000;
/** Monday 2026-11-23, noon in New York: release ships the same day. */
const clock = testClock('2026-11-23T17:00:00Z');
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

/** The samples of one metric on /metrics, as `{labels} value` lines keyed by their label text. */
async function samples(name: string, app: TestApp = t): Promise<Map<string, number>> {
  const res = await app.request({ method: 'GET', url: '/metrics', key: null });
  expect(res.statusCode).toBe(200);
  const found = new Map<string, number>();
  for (const line of res.body.split('\n')) {
    const match = line.match(/^(\w+)(\{[^}]*\})? (\S+)$/);
    if (match?.[1] === name) {
      found.set(match[2] ?? '', Number(match[3]));
    }
  }
  return found;
}

const one = async (name: string, labels = '') => (await samples(name)).get(labels);

describe('business metrics on /metrics', () => {
  let web: string;
  let phone: string;
  let location: string;

  beforeAll(async () => {
    location = (await makeLocation(t, { time_zone: 'America/New_York' })).code;
    const sku = await stocked(t, { [location]: 50 });
    web = (await makeChannel(t, { release_delay_minutes: 10_080 })).code;
    phone = (await makeChannel(t)).code;
    await captureOrder(t, orderBody(web, [{ sku, quantity: 1 }]));
    await captureOrder(t, orderBody(web, [{ sku, quantity: 1 }]));
    const cancelled = await captureOrder(t, orderBody(web, [{ sku, quantity: 1 }]));
    const cancel = await t.request({
      method: 'POST',
      url: `/v1/orders/${cancelled.id}/cancel`,
      payload: { reason: 'customer request' },
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    // Payment pending: a hold in the payment queue.
    await captureOrder(
      t,
      orderBody(phone, [{ sku, quantity: 1 }], { payment: { status: 'pending', amount: 1500 } }),
    );
    // Released: a shipment to ship by today.
    await captureReleased(t, orderBody(phone, [{ sku, quantity: 2 }]));
  });

  it('counts orders by channel and current status, and open holds by queue with the oldest age', async () => {
    const orders = await samples('ordo_orders');
    expect(orders.get(`{channel="${web}",status="allocated"}`)).toBe(2);
    expect(orders.get(`{channel="${web}",status="cancelled"}`)).toBe(1);
    expect(orders.get(`{channel="${phone}",status="on_hold"}`)).toBe(1);
    expect(orders.get(`{channel="${phone}",status="released"}`)).toBe(1);

    expect(await one('ordo_holds_open', '{queue="payments"}')).toBe(1);
    clock.advance(2 * hourMs);
    expect(await one('ordo_holds_oldest_age_seconds', '{queue="payments"}')).toBe(2 * 3600);
    expect(await one('ordo_business_metrics_up')).toBe(1);
  });

  it('counts unresolved alerts per rule and status', async () => {
    await putAlertRules(t, [{ id: 'payment-slow', kind: 'hold_age', hours: 1, queues: ['payments'] }]);
    const result = await t.app.services.alerts.evaluate();
    expect(result.raised).toBe(1);
    expect(await one('ordo_alerts_open', '{rule="payment-slow",status="open"}')).toBe(1);
  });

  it('counts shipments not shipped by their ship-by day as late, by location', async () => {
    expect((await samples('ordo_shipments_late')).size).toBe(0);
    clock.advance(3 * 24 * hourMs);
    expect(await one('ordo_shipments_late', `{location="${location}"}`)).toBe(1);
  });

  it('counts webhook deliveries by outcome and the backlog of an unreachable subscriber', async () => {
    // Events numbered before the subscription exists are not fanned out to it.
    await sequenceAll(t);
    const res = await t.request({
      method: 'POST',
      url: '/v1/webhooks',
      // Port 9 (discard) on loopback: nothing listens, the delivery stays pending.
      payload: { url: 'http://127.0.0.1:9/hooks', event_types: ['order.created'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const before = (await samples('ordo_webhook_deliveries')).get('{status="pending"}') ?? 0;
    await captureOrder(t, orderBody(web, [{ sku: await stocked(t, { [location]: 1 }), quantity: 1 }]));
    await sequenceAll(t);
    expect((await samples('ordo_webhook_deliveries')).get('{status="pending"}')).toBe(before + 1);
    expect(await one('ordo_webhook_backlog')).toBe(1);
    expect(await one('ordo_events_unnumbered')).toBe(0);
  });

  it('reads the gauges from the database, so a second process on it reports the same', async () => {
    const other = await createTestApp({
      clock,
      database: { url: t.url, drop: async () => undefined },
    });
    try {
      await t.app.services.releaser.idle();
      const mine = await samples('ordo_orders');
      const theirs = await samples('ordo_orders', other);
      expect(theirs).toEqual(mine);
      expect(await samples('ordo_holds_open', other)).toEqual(await samples('ordo_holds_open'));
    } finally {
      await other.close();
    }
  });

  it('answers at once without them when the database does not, and reads them again after', async () => {
    const quick = await createTestApp({
      clock,
      config: { metricsTimeoutMs: 300 },
      database: { url: t.url, drop: async () => undefined },
    });
    const blocker = await t.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
      const started = performance.now();
      const res = await quick.request({ method: 'GET', url: '/metrics', key: null });
      expect(performance.now() - started).toBeLessThan(3000);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('ordo_business_metrics_up 0');
      expect(res.body).toContain('process_cpu_user_seconds_total');
      expect(res.body).not.toMatch(/^ordo_orders\{/m);
      await blocker.query('ROLLBACK');
      // The timed-out read is cancelled by the server; the next scrape reads again.
      await expect
        .poll(async () => (await samples('ordo_business_metrics_up', quick)).get(''), { timeout: 5000 })
        .toBe(1);
    } finally {
      blocker.release();
      await quick.close();
    }
  });
});
