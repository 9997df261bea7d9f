import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscriptionWithSecret } from '../../../src/modules/webhooks/webhooks.schemas.js';
import {
  alertsWorker,
  evaluateTimes,
  expectNoneUnresolved,
  expectRaisedOnce,
  expectRaisedThenResolved,
  putAlertRules,
} from '../../helpers/alerts.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder } from '../../helpers/orders.js';
import { type Receiver, startReceiver } from '../../helpers/receiver.js';
import { sequenceAll } from '../../helpers/sequencer.js';
import { waitFor } from '../../helpers/wait.js';

// webhook_failing: a subscription whose deliveries have failed for N minutes. The alert events
// themselves reach webhook subscribers like every other event.
const minute = 60_000;
const clock = testClock();
let t: TestApp;
let sku: string;
const receivers: Receiver[] = [];

beforeAll(async () => {
  // Short retries so a failed delivery is tried again within the test.
  t = await createTestApp({ clock, config: { webhookRetrySchedule: [0.05, 0.05, 0.05, 0.05, 0.05] } });
  const location = (await makeLocation(t)).code;
  sku = await stocked(t, { [location]: 10_000 });
});
afterAll(async () => {
  for (const receiver of receivers) {
    await receiver.close();
  }
  await t.close();
});

async function subscribe(fields: Record<string, unknown>): Promise<{ receiver: Receiver; id: string }> {
  const receiver = await startReceiver();
  receivers.push(receiver);
  const res = await t.request({
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: receiver.url, ...fields },
  });
  expect(res.statusCode, res.body).toBe(201);
  const subscription = res.json() as SubscriptionWithSecret;
  receiver.secrets.push(subscription.secret);
  return { receiver, id: subscription.id };
}

/** Numbers events and runs the dispatcher until `done` holds. */
const deliverUntil = (done: () => boolean | Promise<boolean>, what: string) =>
  waitFor(
    async () => {
      await sequenceAll(t);
      await t.app.services.dispatcher.runOnce();
      return done();
    },
    { what, intervalMs: 50 },
  );

const failingSince = async (id: string) =>
  (await t.request({ method: 'GET', url: `/v1/webhooks/${id}` })).json().failing_since as string | null;

describe('webhook_failing: a subscription failing for N minutes', () => {
  it('raises N minutes after deliveries started failing, resolves when one succeeds, and both events reach subscribers', async () => {
    const channel = (await makeChannel(t)).code;
    const erp = await subscribe({ event_types: ['order.*'], channel });
    erp.receiver.respond = () => ({ status: 500 });
    const ops = await subscribe({ event_types: ['alert.*'] });
    await putAlertRules(t, [{ id: 'hooks', kind: 'webhook_failing', minutes: 30, channels: [channel] }]);

    await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    await deliverUntil(async () => (await failingSince(erp.id)) !== null, 'a failed delivery');
    await expectNoneUnresolved(t, 'hooks', erp.id);
    clock.advance(29 * minute);
    await expectNoneUnresolved(t, 'hooks', erp.id);
    clock.advance(2 * minute);
    const alert = await expectRaisedOnce(t, 'hooks', erp.id);
    expect(alert).toMatchObject({
      kind: 'webhook_failing',
      subject_type: 'webhook_subscription',
      subject_id: erp.id,
      channel,
      summary: `Webhook subscription ${erp.id} has been failing for more than 30 min`,
      details: { subscription_id: erp.id, failing_since: await failingSince(erp.id), minutes: 30 },
    });

    erp.receiver.respond = () => ({ status: 204 });
    // Back to the real time first: receivers refuse signatures timestamped half an hour ahead.
    clock.reset();
    await deliverUntil(async () => (await failingSince(erp.id)) === null, 'a successful delivery');
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, alert);

    // At least once: a retried delivery counts once (by its webhook-id).
    const heard = () =>
      [...new Map(ops.receiver.received.map((r) => [r.id, r])).values()]
        .filter((r) => (r.event.data as { id: number }).id === alert.id)
        .sort((x, y) => x.event.sequence - y.event.sequence)
        .map((r) => ({
          type: r.event.type,
          actor: r.event.actor,
          status: (r.event.data as { status: string }).status,
        }));
    await deliverUntil(() => heard().length === 2, 'the alert events to reach the subscriber');
    expect(heard()).toEqual([
      { type: 'alert.raised', actor: alertsWorker, status: 'open' },
      { type: 'alert.resolved', actor: alertsWorker, status: 'resolved' },
    ]);
  });

  it('resolves when the subscription is disabled: nothing is delivered any more', async () => {
    const channel = (await makeChannel(t)).code;
    const erp = await subscribe({ event_types: ['order.*'], channel });
    erp.receiver.respond = () => ({ status: 500 });
    await putAlertRules(t, [{ id: 'hooks-zero', kind: 'webhook_failing', minutes: 0, channels: [channel] }]);
    await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    await deliverUntil(async () => (await failingSince(erp.id)) !== null, 'a failed delivery');
    const alert = await expectRaisedOnce(t, 'hooks-zero', erp.id);

    const disabled = await t.request({
      method: 'PATCH',
      url: `/v1/webhooks/${erp.id}`,
      payload: { active: false },
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, alert);
  });
});
