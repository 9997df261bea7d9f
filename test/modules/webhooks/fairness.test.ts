import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscriptionWithSecret } from '../../../src/modules/webhooks/webhooks.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder } from '../../helpers/orders.js';
import { type Receiver, startReceiver } from '../../helpers/receiver.js';
import { sequenceAll } from '../../helpers/sequencer.js';
import { waitFor } from '../../helpers/wait.js';

// A slow receiver takes at most its share of the dispatcher: the others' webhooks keep flowing.
let t: TestApp;
let web: string;
let sku: string;
const receivers: Receiver[] = [];

beforeAll(async () => {
  t = await createTestApp({
    config: { webhookConcurrency: 6, webhookConcurrencyPerSubscription: 2, webhookTimeoutMs: 30_000 },
  });
  web = (await makeChannel(t)).code;
  sku = await stocked(t, { [(await makeLocation(t)).code]: 1000 });
});
afterAll(async () => {
  for (const receiver of receivers) {
    await receiver.close();
  }
  await t.close();
});

async function subscribed(respond: Receiver['respond']): Promise<Receiver> {
  const receiver = await startReceiver();
  receiver.respond = respond;
  receivers.push(receiver);
  const res = await t.request({
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: receiver.url, event_types: ['order.created'] },
  });
  expect(res.statusCode, res.body).toBe(201);
  receiver.secrets.push((res.json() as SubscriptionWithSecret).secret);
  return receiver;
}

const placeOrders = async (n: number) => {
  for (let i = 0; i < n; i++) {
    await captureOrder(t, orderBody(web, [{ sku, quantity: 1 }]));
  }
  await sequenceAll(t);
};

describe('fair delivery', () => {
  it('reuses its connections to a receiver, whatever the receiver answers with', async () => {
    // An error page or a chatty receiver: read to the end so the connection is free again.
    const page = 'x'.repeat(50_000);
    const receiver = await subscribed((_event, n) => ({ status: 200, body: n % 2 === 0 ? page : 'ok' }));
    await placeOrders(8);
    // One attempt at a time, so each could reuse the connection the one before left open.
    await waitFor(
      async () => {
        await t.app.services.dispatcher.runOnce(1);
        return receiver.received.length >= 8;
      },
      { what: 'the 8 webhooks to arrive one by one' },
    );
    expect(receiver.received.length).toBe(8);
    expect(receiver.connections).toBe(1);
  });

  it('a receiver that never answers holds only its share; the others get every webhook', async () => {
    // The slow receiver's backlog is older than anything else: oldest-first alone would give it every slot.
    const slow = await subscribed(() => 'hang');
    await placeOrders(12);
    const failing = await subscribed(() => ({ status: 500 }));
    const fast = await subscribed(() => ({ status: 204 }));
    await placeOrders(10);

    // The worker closes the dispatcher's connections when it stops: this test runs last.
    const worker = t.app.services.dispatcher.start(20);
    try {
      await waitFor(() => fast.received.length >= 10, {
        what: 'the fast receiver to get all 10 webhooks while the slow one hangs',
      });
      expect(new Set(fast.received.map((r) => r.id)).size).toBe(10);
      // Never more than 2 of the slow receiver's attempts under way (none of them has finished).
      expect(slow.received.length).toBe(2);
      expect(failing.received.length).toBeGreaterThanOrEqual(2);
      const live = await t.pool.query(
        `SELECT subscription_id, count(*)::int AS n FROM webhook_deliveries
          WHERE status = 'pending' AND locked_until > now() GROUP BY subscription_id`,
      );
      expect(live.rows.every((row) => row.n <= 2)).toBe(true);
    } finally {
      // Closing the receivers cuts the hanging requests, so the worker stops at once.
      for (const receiver of [slow, failing, fast]) {
        await receiver.close();
      }
      await worker.stop();
    }
  });
});
