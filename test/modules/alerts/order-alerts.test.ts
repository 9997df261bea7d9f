import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  alertsAbout,
  evaluateTimes,
  expectNoneUnresolved,
  expectRaisedOnce,
  expectRaisedThenResolved,
  putAlertRules,
} from '../../helpers/alerts.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeCarrier, makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder, captureReleased, orderOf, shipmentsOf } from '../../helpers/orders.js';

// The order kinds: an order in a status too long, a delivery later than promised, a hold open too long.
// Each test names its own channel in its rules, so the orders of the other tests never match them.
const minute = 60_000;
const hour = 60 * minute;
const clock = testClock();
let t: TestApp;
let sku: string;

/** Allocated orders of such a channel stay allocated: nothing releases them for ten hours. */
const unreleased = { release_delay_minutes: 600 };

beforeAll(async () => {
  t = await createTestApp({ clock });
  const location = (await makeLocation(t, { time_zone: 'America/New_York' })).code;
  sku = await stocked(t, { [location]: 10_000 });
  await makeCarrier(t, {}, ['standard', 'express', 'same_day']);
});
afterAll(() => t.close());
beforeEach(() => clock.reset());

const post = async (url: string, payload: object = {}) => {
  const res = await t.request({ method: 'POST', url, payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

const order = (channel: string, fields: Record<string, unknown> = {}) =>
  captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], fields));

/** orderBody's payment covers its 500 of shipping. */
const express = { shipping: { service_level: 'express', amount: 500 } };

describe('order_status: an order in a status longer than N minutes', () => {
  it('raises once the order has been in the status for N minutes, once however many passes, and resolves when it moves on', async () => {
    const channel = (await makeChannel(t, unreleased)).code;
    const { version } = await putAlertRules(t, [
      {
        id: 'stuck-allocated',
        kind: 'order_status',
        statuses: ['allocated'],
        minutes: 60,
        channels: [channel],
      },
    ]);
    const placed = await order(channel);
    expect(placed.status).toBe('allocated');

    await expectNoneUnresolved(t, 'stuck-allocated', placed.id);
    clock.advance(59 * minute);
    await expectNoneUnresolved(t, 'stuck-allocated', placed.id);

    clock.advance(2 * minute);
    const alert = await expectRaisedOnce(t, 'stuck-allocated', placed.id, 4);
    expect(alert).toMatchObject({
      rule: 'stuck-allocated',
      kind: 'order_status',
      subject_type: 'order',
      subject_id: placed.id,
      channel,
      status: 'open',
      rule_version: version,
      summary: `Order ${placed.number} has been allocated for more than 1 h`,
      details: { order_id: placed.id, order_number: placed.number, status: 'allocated', minutes: 60 },
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
    });

    await post(`/v1/orders/${placed.id}/cancel`, { reason: 'customer changed their mind' });
    await evaluateTimes(t, 2);
    await expectRaisedThenResolved(t, alert);
    expect(await alertsAbout(t, 'stuck-allocated', placed.id)).toHaveLength(1);
  });

  it('counts from when the order entered the status, not from its capture', async () => {
    const channel = (await makeChannel(t)).code;
    await putAlertRules(t, [
      { id: 'stuck-on-hold', kind: 'order_status', statuses: ['on_hold'], minutes: 30, channels: [channel] },
    ]);
    const pending = await order(channel, { payment: { status: 'pending', amount: 1500, method: 'card' } });
    expect(pending.status).toBe('on_hold');
    clock.advance(31 * minute);
    const alert = await expectRaisedOnce(t, 'stuck-on-hold', pending.id);
    expect(alert.details).toMatchObject({ status: 'on_hold', since: expect.any(String) });

    // The payment arrives: the order leaves on_hold, the alert resolves.
    const paid = await post(`/v1/orders/${pending.id}/payment`, { status: 'captured', amount: 1500 });
    expect(paid.status).not.toBe('on_hold');
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, alert);
  });

  it('watches only the channels, service levels and priorities the rule names', async () => {
    const a = (await makeChannel(t, { ...unreleased, priority: 0 })).code;
    const b = (await makeChannel(t, { ...unreleased, priority: 600 })).code;
    const other = (await makeChannel(t, unreleased)).code;
    await putAlertRules(t, [
      {
        id: 'express-on-a',
        kind: 'order_status',
        statuses: ['allocated'],
        minutes: 30,
        channels: [a],
        service_levels: ['express'],
      },
      // Priority is the service level's (express 1000) plus the channel's.
      {
        id: 'urgent',
        kind: 'order_status',
        statuses: ['allocated'],
        minutes: 30,
        channels: [a, b],
        min_priority: 1500,
      },
    ]);
    const aStandard = await order(a);
    const aExpress = await order(a, express);
    const bExpress = await order(b, express);
    const otherExpress = await order(other, express);
    expect([aStandard, aExpress, bExpress, otherExpress].map((o) => o.status)).toEqual(
      Array(4).fill('allocated'),
    );
    clock.advance(31 * minute);
    await evaluateTimes(t, 2);

    const watched = async (rule: string) =>
      (
        await Promise.all(
          [aStandard, aExpress, bExpress, otherExpress].map(async (o) =>
            (await alertsAbout(t, rule, o.id)).length > 0 ? [o.id] : [],
          ),
        )
      ).flat();
    expect(await watched('express-on-a')).toEqual([aExpress.id]);
    expect(await watched('urgent')).toEqual([bExpress.id]);
  });
});

describe('delivery_late: an order not delivered by its promised date', () => {
  it('raises once the promised day (UTC) is over, plus the grace hours, and resolves on delivery', async () => {
    const channel = (await makeChannel(t)).code;
    await putAlertRules(t, [
      { id: 'late', kind: 'delivery_late', hours: 0, channels: [channel] },
      { id: 'late-a-day', kind: 'delivery_late', hours: 24, channels: [channel] },
    ]);
    const placed = await captureReleased(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const promised = placed.promised_delivery_date as string;
    expect(promised).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const dayAfter = (days: number, time: string) => {
      const day = new Date(`${promised}T00:00:00Z`);
      day.setUTCDate(day.getUTCDate() + days);
      return `${day.toISOString().slice(0, 10)}T${time}Z`;
    };

    clock.set(`${promised}T23:59:00Z`);
    await expectNoneUnresolved(t, 'late', placed.id);
    clock.set(dayAfter(1, '00:01:00'));
    const late = await expectRaisedOnce(t, 'late', placed.id);
    expect(late).toMatchObject({
      kind: 'delivery_late',
      subject_type: 'order',
      channel,
      summary: `Order ${placed.number} is released, past its promised delivery date ${promised}`,
      details: { promised_delivery_date: promised, status: 'released', hours: 0 },
    });
    expect(await alertsAbout(t, 'late-a-day', placed.id)).toEqual([]);
    clock.set(dayAfter(1, '23:59:00'));
    await expectNoneUnresolved(t, 'late-a-day', placed.id);
    clock.set(dayAfter(2, '00:01:00'));
    const lateADay = await expectRaisedOnce(t, 'late-a-day', placed.id);
    expect((await alertsAbout(t, 'late', placed.id)).map((alert) => [alert.id, alert.status])).toEqual([
      [late.id, 'open'],
    ]);

    // Shipped is not delivered: still late. Delivered clears both.
    const [shipment] = await shipmentsOf(t, placed.id);
    await post(`/v1/shipments/${shipment?.id}/pack`, { override: { reason: 'test' } });
    await post(`/v1/shipments/${shipment?.id}/ship`);
    await evaluateTimes(t, 1);
    expect((await alertsAbout(t, 'late', placed.id)).map((alert) => alert.status)).toEqual(['open']);
    await post(`/v1/shipments/${shipment?.id}/tracking`, { status: 'delivered' });
    expect((await orderOf(t, placed.id)).status).toBe('delivered');
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, late);
    await expectRaisedThenResolved(t, lateADay);
  });
});

describe('hold_age: a hold open longer than N hours in a queue', () => {
  it('raises for a hold open N hours in a watched queue, and resolves when it is released', async () => {
    const channel = (await makeChannel(t)).code;
    await putAlertRules(t, [
      { id: 'payments-aging', kind: 'hold_age', hours: 2, queues: ['payments'], channels: [channel] },
      { id: 'fraud-aging', kind: 'hold_age', hours: 2, queues: ['fraud_review'], channels: [channel] },
    ]);
    const held = await order(channel, { payment: { status: 'pending', amount: 1500, method: 'card' } });
    const hold = (await orderOf(t, held.id)).holds[0];
    expect(hold).toMatchObject({ kind: 'payment', queue: 'payments', status: 'open' });
    const subject = String(hold.id);

    clock.advance(2 * hour - minute);
    await expectNoneUnresolved(t, 'payments-aging', subject);
    clock.advance(2 * minute);
    const alert = await expectRaisedOnce(t, 'payments-aging', subject);
    expect(alert).toMatchObject({
      kind: 'hold_age',
      subject_type: 'hold',
      channel,
      summary: `Hold ${hold.id} (payment) on order ${held.number} has been open in queue payments for more than 2 h`,
      details: {
        hold_id: hold.id,
        queue: 'payments',
        order_id: held.id,
        order_number: held.number,
        hours: 2,
      },
    });
    expect(await alertsAbout(t, 'fraud-aging', subject)).toEqual([]);

    await post(`/v1/holds/${hold.id}/release`, { note: 'called the customer' });
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, alert);
  });
});
