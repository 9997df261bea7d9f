import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  evaluateTimes,
  expectNoneUnresolved,
  expectRaisedOnce,
  expectRaisedThenResolved,
  putAlertRules,
  unresolvedAlert,
} from '../../helpers/alerts.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeChannel } from '../../helpers/factories.js';
import { expectProblem } from '../../helpers/problems.js';
import { connectShop, deliver, type Shop } from '../connectors/shopify.js';

// connector_inbox: a Shopify delivery Ordo could not read waits in the connector's inbox until someone
// dismisses it (or, with `hours`, until it is older than that).
const hour = 60 * 60_000;
const clock = testClock();
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());
beforeEach(() => clock.reset());

const connectorId = async (shop: Shop) =>
  (
    await t.pool.query(
      'SELECT k.id FROM shopify_connectors k JOIN channels c ON c.id = k.channel_id WHERE c.code = $1',
      [shop.channel],
    )
  ).rows[0].id as string;

/** An unreadable delivery: answered 200 `inbox`; returns the inbox entry id. */
async function unreadable(shop: Shop): Promise<number> {
  const res = await deliver(t, shop, 'orders/create', '{"id": 1, "line_items": [');
  expect(res.json()).toEqual({ outcome: 'inbox', order_id: null });
  const inbox = await t.request({ method: 'GET', url: `/v1/connectors/shopify/${shop.channel}/inbox` });
  return inbox.json().data[0].id;
}

const dismiss = (shop: Shop, id: number, key?: string | null) =>
  t.request({ method: 'POST', url: `/v1/connectors/shopify/${shop.channel}/inbox/${id}/dismiss`, key });

describe('connector_inbox: unreadable deliveries nobody dismissed', () => {
  it('is in the default rule set (before any rule set is saved)', async () => {
    const res = await t.request({ method: 'GET', url: '/v1/alerts/rules' });
    expect(res.json().rules).toContainEqual({
      id: 'connector-inbox',
      kind: 'connector_inbox',
      enabled: true,
    });
  });

  it('raises at once, holds until every entry is dismissed, then resolves', async () => {
    const shop = await connectShop(t);
    const subject = await connectorId(shop);
    await putAlertRules(t, [{ id: 'inbox', kind: 'connector_inbox', channels: [shop.channel] }]);
    await expectNoneUnresolved(t, 'inbox', subject);

    const first = await unreadable(shop);
    const second = await unreadable(shop);
    const alert = await expectRaisedOnce(t, 'inbox', subject);
    expect(alert).toMatchObject({
      kind: 'connector_inbox',
      subject_type: 'connector',
      subject_id: subject,
      channel: shop.channel,
      summary: expect.stringMatching(
        new RegExp(
          `^The Shopify connector of channel ${shop.channel} has 2 unreadable deliveries in its inbox`,
        ),
      ),
      details: {
        connector_id: subject,
        channel: shop.channel,
        shop_domain: 'acme-store.myshopify.com',
        entries: 2,
        newest_id: second,
        hours: null,
      },
    });

    const dismissed = await dismiss(shop, first);
    expect(dismissed.statusCode, dismissed.body).toBe(200);
    expect(dismissed.json()).toMatchObject({ id: first, dismissed_at: expect.any(String) });
    // Dismissing twice keeps the first time.
    clock.advance(hour);
    expect((await dismiss(shop, first)).json().dismissed_at).toBe(dismissed.json().dismissed_at);
    await evaluateTimes(t, 1);
    expect(await unresolvedAlert(t, 'inbox', subject)).toMatchObject({ id: alert.id });
    const status = await t.request({ method: 'GET', url: `/v1/connectors/shopify/${shop.channel}/status` });
    expect(status.json()).toMatchObject({ inbox: 1 });

    expect((await dismiss(shop, second)).statusCode).toBe(200);
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, alert);
    // Both entries stay listed.
    const inbox = await t.request({ method: 'GET', url: `/v1/connectors/shopify/${shop.channel}/inbox` });
    expect(
      inbox.json().data.map((entry: { dismissed_at: string | null }) => entry.dismissed_at !== null),
    ).toEqual([true, true]);
  });

  it('with `hours`, watches only entries received within them', async () => {
    const shop = await connectShop(t);
    const subject = await connectorId(shop);
    await putAlertRules(t, [
      { id: 'inbox-day', kind: 'connector_inbox', hours: 24, channels: [shop.channel] },
    ]);
    await unreadable(shop);
    const alert = await expectRaisedOnce(t, 'inbox-day', subject);
    expect(alert.details).toMatchObject({ entries: 1, hours: 24 });
    clock.advance(23 * hour);
    await evaluateTimes(t, 1);
    expect(await unresolvedAlert(t, 'inbox-day', subject)).toMatchObject({ id: alert.id });
    clock.advance(2 * hour);
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, alert);
  });

  it('dismissing needs orders:write and the entry in the caller’s channel', async () => {
    const shop = await connectShop(t);
    const entry = await unreadable(shop);
    expectProblem(await dismiss(shop, entry, null), 401, 'unauthorized');
    expectProblem(await dismiss(shop, entry, await t.keyWith(['orders:read'])), 403, 'forbidden');
    const other = (await makeChannel(t)).code;
    expectProblem(await dismiss(shop, entry, await t.keyWith(['orders:write'], other)), 404, 'not_found');
    const elsewhere = await connectShop(t);
    expectProblem(await dismiss(elsewhere, entry), 404, 'not_found');
    expectProblem(await dismiss(shop, 999_999_999), 404, 'not_found');
    const own = await dismiss(shop, entry, await t.keyWith(['orders:write'], shop.channel));
    expect(own.statusCode, own.body).toBe(200);
  });
});
