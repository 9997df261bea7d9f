import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery, SubscriptionWithSecret } from '../../../src/modules/webhooks/webhooks.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder } from '../../helpers/orders.js';
import { type Receiver, startReceiver } from '../../helpers/receiver.js';
import { sequenceAll } from '../../helpers/sequencer.js';
import { waitFor } from '../../helpers/wait.js';

let t: TestApp;
let web: string;
let sku: string;
const receivers: Receiver[] = [];

beforeAll(async () => {
  // Short retries and timeouts so the schedule plays out in a test.
  t = await createTestApp({
    config: { webhookRetrySchedule: [0.05, 0.05, 0.05, 0.05], webhookTimeoutMs: 600, webhookConcurrency: 8 },
  });
  web = (await makeChannel(t)).code;
  const location = (await makeLocation(t)).code;
  sku = await stocked(t, { [location]: 10_000 });
});
afterAll(async () => {
  for (const receiver of receivers) {
    await receiver.close();
  }
  await t.close();
});

async function receiverWithSubscription(
  fields: Record<string, unknown> = {},
): Promise<{ receiver: Receiver; subscription: SubscriptionWithSecret }> {
  const receiver = await startReceiver();
  receivers.push(receiver);
  const res = await t.request({
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: receiver.url, event_types: ['order.created'], ...fields },
  });
  expect(res.statusCode, res.body).toBe(201);
  const subscription = res.json() as SubscriptionWithSecret;
  receiver.secrets.push(subscription.secret);
  return { receiver, subscription };
}

async function placeOrder(): Promise<string> {
  return (await captureOrder(t, orderBody(web, [{ sku, quantity: 1 }]))).id;
}

/** Runs the sequencer and the dispatcher until `done` holds. */
async function deliverUntil(
  done: () => boolean | Promise<boolean>,
  what = 'the deliveries to reach the state the test expects',
) {
  await waitFor(
    async () => {
      await t.app.services.events.sequence();
      await t.app.services.dispatcher.runOnce();
      return done();
    },
    { what, intervalMs: 50 },
  );
}

const deliveriesOf = async (id: string, query = ''): Promise<Delivery[]> => {
  const res = await t.request({ method: 'GET', url: `/v1/webhooks/${id}/deliveries?limit=500${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
};

const eventsOfType = async (type: string) => {
  await sequenceAll(t);
  const res = await t.request({ method: 'GET', url: `/v1/events?types=${type}&limit=500` });
  return res.json().data as Array<{ data: Record<string, unknown> }>;
};

describe('webhook subscriptions', () => {
  it('creates a subscription and shows its secret only once', async () => {
    const { subscription } = await receiverWithSubscription({ description: 'ERP' });
    expect(subscription).toMatchObject({
      event_types: ['order.created'],
      channel: null,
      description: 'ERP',
      active: true,
      disabled_reason: null,
      secret: expect.stringMatching(/^whsec_/),
    });
    const got = await t.request({ method: 'GET', url: `/v1/webhooks/${subscription.id}` });
    expect(got.statusCode).toBe(200);
    expect(got.json()).not.toHaveProperty('secret');
    const list = await t.request({ method: 'GET', url: '/v1/webhooks?limit=500' });
    expect(list.json().data.some((s: { id: string }) => s.id === subscription.id)).toBe(true);
  });

  it('refuses unknown event types, credentials in the URL and other schemes, each by pointer', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/webhooks',
      payload: { url: 'http://user:pw@127.0.0.1/x', event_types: ['order.*', 'order.teleported', 'nope.*'] },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual([
      '/url',
      '/event_types/1',
      '/event_types/2',
    ]);
    const ftp = await t.request({
      method: 'POST',
      url: '/v1/webhooks',
      payload: { url: 'ftp://example.com/x', event_types: ['*'] },
    });
    expect(ftp.statusCode).toBe(422);
  });

  it('refuses private, loopback and link-local URLs unless the operator allows them', async () => {
    const strict = await createTestApp({ config: { webhookAllowPrivate: false } });
    try {
      for (const url of [
        'http://127.0.0.1:9/x',
        'http://10.1.2.3/x',
        'http://192.168.1.1/x',
        'http://169.254.169.254/latest/meta-data',
        'http://[::1]/x',
        'http://[fe80::1]/x',
        'http://[::ffff:127.0.0.1]/x',
        'http://localhost/x',
      ]) {
        const res = await strict.request({
          method: 'POST',
          url: '/v1/webhooks',
          payload: { url, event_types: ['*'] },
        });
        expect(res.statusCode, url).toBe(422);
        expect(res.json().errors[0].pointer).toBe('/url');
      }
      // A URL that got in some other way (or whose DNS changed since) is refused before each delivery.
      const receiver = await startReceiver();
      receivers.push(receiver);
      const port = new URL(receiver.url).port;
      const subscriptions = await strict.pool.query(
        `INSERT INTO webhook_subscriptions (url, event_types, secret)
         VALUES ($1, '{*}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'),
                ($2, '{*}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw') RETURNING id`,
        [`http://127.0.0.1:${port}/hooks`, `http://localhost:${port}/hooks`],
      );
      await strict.pool.query(
        `INSERT INTO events (type, resource_type, resource_id, data) VALUES ('order.updated', 'order', 'x', '{}')`,
      );
      await strict.app.services.events.sequence();
      await strict.app.services.dispatcher.runOnce();
      const attempts = await strict.pool.query(
        `SELECT d.subscription_id, a.status, a.error FROM webhook_attempts a
           JOIN webhook_deliveries d ON d.id = a.delivery_id ORDER BY d.subscription_id`,
      );
      expect(attempts.rows).toHaveLength(2);
      const byId = new Map(attempts.rows.map((row) => [row.subscription_id, row]));
      expect(byId.get(subscriptions.rows[0].id).error).toMatch(/^URL refused: it points at a private/);
      expect(byId.get(subscriptions.rows[1].id).error).toMatch(
        /EWEBHOOKADDRESS: localhost resolves to a private/,
      );
      expect(receiver.received).toHaveLength(0);
      await strict.app.services.dispatcher.close();
    } finally {
      await strict.close();
    }
  });

  it('binds a channel key to its channel: it may only subscribe to it and only sees its subscriptions', async () => {
    const key = await t.keyWith(['webhooks:write'], web);
    const other = await t.request({
      method: 'POST',
      url: '/v1/webhooks',
      key,
      payload: { url: 'http://127.0.0.1:9/x', event_types: ['*'], channel: 'elsewhere' },
    });
    expect(other.statusCode).toBe(422);
    const own = await t.request({
      method: 'POST',
      url: '/v1/webhooks',
      key,
      payload: { url: 'http://127.0.0.1:9/x', event_types: ['*'] },
    });
    expect(own.statusCode).toBe(201);
    expect(own.json().channel).toBe(web);
    const { subscription } = await receiverWithSubscription();
    expect((await t.request({ method: 'GET', url: `/v1/webhooks/${subscription.id}`, key })).statusCode).toBe(
      404,
    );
    expect(
      (await t.request({ method: 'GET', url: '/v1/webhooks', key: await t.keyWith(['orders:read']) }))
        .statusCode,
    ).toBe(403);
  });
});

describe('webhook delivery', () => {
  it('delivers signed events (verified with standardwebhooks) and logs each attempt', async () => {
    const { receiver, subscription } = await receiverWithSubscription();
    const orderId = await placeOrder();
    await deliverUntil(() => receiver.received.length === 1);
    const [got] = receiver.received;
    expect(got?.event).toMatchObject({
      type: 'order.created',
      resource_id: orderId,
      data: { order: { id: orderId } },
    });
    expect(got?.id).toBe(got?.event.id);
    const [delivery] = await deliveriesOf(subscription.id);
    expect(delivery).toMatchObject({
      status: 'delivered',
      attempts: 1,
      event: { id: got?.id, type: 'order.created' },
      attempt_log: [{ attempt: 1, status: 204, success: true }],
    });
  });

  it('retries a receiver failing with 500 until it recovers, and every event arrives', async () => {
    const { receiver, subscription } = await receiverWithSubscription();
    receiver.respond = (_event, n) => (n < 6 ? { status: 500, body: 'boom' } : { status: 200 });
    const orders = [await placeOrder(), await placeOrder(), await placeOrder()];
    await deliverUntil(async () => (await deliveriesOf(subscription.id, '&status=delivered')).length === 3);
    const ok = new Set(receiver.received.slice(6).map((r) => r.event.resource_id));
    expect(ok).toEqual(new Set(orders));
    const deliveries = await deliveriesOf(subscription.id);
    const retried = deliveries.find((d) => d.attempts > 1);
    expect(retried?.attempt_log[0]).toMatchObject({ status: 500, response_excerpt: 'boom', success: false });
  });

  it('times out a receiver that hangs and retries it', async () => {
    const { receiver, subscription } = await receiverWithSubscription();
    receiver.respond = (_event, n) => (n === 0 ? 'hang' : { status: 200 });
    await placeOrder();
    await deliverUntil(async () => (await deliveriesOf(subscription.id, '&status=delivered')).length === 1);
    const [delivery] = await deliveriesOf(subscription.id);
    expect(delivery?.attempt_log[0]).toMatchObject({ status: null, error: 'timed out', success: false });
    expect(delivery?.attempt_log[0]?.duration_ms).toBeGreaterThanOrEqual(500);
    expect(receiver.received.map((r) => r.id)).toEqual([delivery?.event.id, delivery?.event.id]);
  });

  it('treats a redirect as a failure without following it', async () => {
    const { receiver, subscription } = await receiverWithSubscription();
    receiver.respond = (_event, n) =>
      n === 0 ? { status: 302, headers: { location: 'http://127.0.0.1:9/' } } : { status: 200 };
    await placeOrder();
    await deliverUntil(async () => (await deliveriesOf(subscription.id, '&status=delivered')).length === 1);
    const [delivery] = await deliveriesOf(subscription.id);
    expect(delivery?.attempt_log.map((a) => a.status)).toEqual([302, 200]);
  });

  it('honours Retry-After on 429', async () => {
    const { receiver, subscription } = await receiverWithSubscription();
    receiver.respond = () => ({ status: 429, headers: { 'retry-after': '120' } });
    await placeOrder();
    await deliverUntil(async () => (await deliveriesOf(subscription.id))[0]?.attempts === 1);
    const [delivery] = await deliveriesOf(subscription.id);
    // The retry is due 120 s after the attempt that was told to wait, give or take how long recording it took.
    const attempt = delivery?.attempt_log[0];
    expect(attempt).toMatchObject({ attempt: 1, status: 429, success: false });
    const wait =
      new Date(delivery?.next_attempt_at ?? 0).getTime() - new Date(attempt?.started_at ?? 0).getTime();
    expect(wait).toBeGreaterThanOrEqual(120_000);
    expect(wait).toBeLessThan(125_000);
  });

  it('disables the subscription on 410 with an event that says why', async () => {
    const { receiver, subscription } = await receiverWithSubscription();
    receiver.respond = () => ({ status: 410 });
    await placeOrder();
    await deliverUntil(async () => (await deliveriesOf(subscription.id))[0]?.attempts === 1);
    const got = (await t.request({ method: 'GET', url: `/v1/webhooks/${subscription.id}` })).json();
    expect(got).toMatchObject({ active: false, disabled_reason: 'the endpoint answered 410 Gone' });
    const events = await eventsOfType('webhook.subscription_disabled');
    expect(events.some((e) => (e.data.subscription as { id: string }).id === subscription.id)).toBe(true);
    // Re-enabling clears the reason.
    const enabled = await t.request({
      method: 'PATCH',
      url: `/v1/webhooks/${subscription.id}`,
      payload: { active: true },
    });
    expect(enabled.json()).toMatchObject({ active: true, disabled_reason: null, disabled_at: null });
  });

  it('marks a delivery exhausted after the last attempt, says so in an event, and retries it on request', async () => {
    const { receiver, subscription } = await receiverWithSubscription();
    receiver.respond = () => ({ status: 500 });
    await placeOrder();
    await deliverUntil(async () => (await deliveriesOf(subscription.id, '&status=exhausted')).length === 1);
    const [delivery] = await deliveriesOf(subscription.id);
    expect(delivery?.attempts).toBe(5);
    const exhausted = await eventsOfType('webhook.delivery_exhausted');
    expect(exhausted.some((e) => e.data.delivery_id === delivery?.id)).toBe(true);

    receiver.respond = () => ({ status: 200 });
    const retry = await t.request({ method: 'POST', url: `/v1/webhook-deliveries/${delivery?.id}/retry` });
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.json()).toMatchObject({ status: 'pending' });
    await deliverUntil(async () => (await deliveriesOf(subscription.id, '&status=delivered')).length === 1);
  });

  it('disables a subscription that has failed for days', async () => {
    const { receiver, subscription } = await receiverWithSubscription();
    receiver.respond = () => ({ status: 500 });
    await t.pool.query(
      `UPDATE webhook_subscriptions SET failing_since = now() - interval '6 days' WHERE id = $1`,
      [subscription.id],
    );
    await placeOrder();
    await deliverUntil(async () => (await deliveriesOf(subscription.id))[0]?.attempts === 1);
    const got = (await t.request({ method: 'GET', url: `/v1/webhooks/${subscription.id}` })).json();
    expect(got.active).toBe(false);
    expect(got.disabled_reason).toMatch(/^every delivery has failed since .* \(last: HTTP 500\)$/);
  });

  it('signs with both secrets for a day after a rotation', async () => {
    const { receiver, subscription } = await receiverWithSubscription();
    const rotated = await t.request({ method: 'POST', url: `/v1/webhooks/${subscription.id}/rotate-secret` });
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json().secret as string;
    expect(fresh).not.toBe(subscription.secret);
    expect(rotated.json().previous_secret_expires_at).not.toBeNull();
    receiver.secrets.push(fresh);
    await placeOrder();
    await deliverUntil(() => receiver.received.length === 1);
    expect(receiver.received[0]?.signature.split(' ')).toHaveLength(2);
    expect(receiver.received[0]?.verifiedWith).toEqual([subscription.secret, fresh]);
  });

  it('replays a sequence range with the same webhook ids, and respects the channel filter', async () => {
    const { receiver, subscription } = await receiverWithSubscription({ channel: web });
    await placeOrder();
    await placeOrder();
    await deliverUntil(() => receiver.received.length === 2);
    const sequences = receiver.received.map((r) => r.event.sequence);
    const res = await t.request({
      method: 'POST',
      url: `/v1/webhooks/${subscription.id}/replay`,
      payload: { from_sequence: Math.min(...sequences), to_sequence: Math.max(...sequences) },
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ deliveries: 2 });
    await deliverUntil(() => receiver.received.length === 4);
    const ids = receiver.received.map((r) => r.id);
    expect(new Set(ids).size).toBe(2);
    const bad = await t.request({
      method: 'POST',
      url: `/v1/webhooks/${subscription.id}/replay`,
      payload: { from_sequence: 10, to_sequence: 5 },
    });
    expect(bad.statusCode).toBe(422);
  });

  it('fans out to a subscription created after another was deactivated', async () => {
    const first = await receiverWithSubscription();
    await placeOrder();
    await deliverUntil(() => first.receiver.received.length === 1);
    const off = await t.request({
      method: 'PATCH',
      url: `/v1/webhooks/${first.subscription.id}`,
      payload: { active: false },
    });
    expect(off.json().active).toBe(false);
    const second = await receiverWithSubscription({ event_types: ['order.*'] });
    await placeOrder();
    await deliverUntil(() => second.receiver.received.length >= 2);
    expect(first.receiver.received).toHaveLength(1);
  });

  it('deletes a subscription with its deliveries', async () => {
    const { subscription } = await receiverWithSubscription();
    expect((await t.request({ method: 'DELETE', url: `/v1/webhooks/${subscription.id}` })).statusCode).toBe(
      204,
    );
    expect((await t.request({ method: 'GET', url: `/v1/webhooks/${subscription.id}` })).statusCode).toBe(404);
  });
});
