import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import {
  makeCarrier,
  makeChannel,
  makeLocation,
  makeProduct,
  orderBody,
  stocked,
  uniq,
} from '../../helpers/factories.js';
import { captureOrder, captureReleased, orderOf, shipmentsOf } from '../../helpers/orders.js';
import { deliveredOrder, lineOf, openReturn } from '../../helpers/returns.js';
import { notifyPass, requestedFor, ship, statusLinkOf, templatesFor, track } from './notify.js';

/**
 * Customer milestones, over HTTP against PostgreSQL: each becomes exactly one `notification.requested`
 * event with the right template, recipient, data and status link, however often the worker runs.
 */

const clock = testClock('2026-11-23T15:00:00Z');
let t: TestApp;
let channel: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp({ clock });
  channel = (await makeChannel(t, { allow_backorders: true })).code;
  location = (await makeLocation(t, { time_zone: 'America/New_York', channels: [channel] })).code;
  await makeCarrier(t, {}, ['standard', 'express', 'same_day']);
});
afterAll(() => t.close());
beforeEach(() => clock.reset());

const post = (url: string, payload: object = {}) => t.request({ method: 'POST', url, payload });
const product = () => stocked(t, { [location]: 50 }, { product: { name: 'Blue mug' } });

describe('order confirmed', () => {
  it('raises one notification.requested to the customer, with the items, the total and the status link', async () => {
    const sku = await product();
    const body = orderBody(channel, [{ sku, quantity: 2, unit_price: 1250 }], {
      customer: { email: 'Ada.Lovelace@Example.com', name: 'Ada Lovelace' },
    });
    const order = await captureOrder(t, body);
    expect(await notifyPass(t)).toBeGreaterThanOrEqual(1);
    const [requested, ...more] = await requestedFor(t, order.id);
    expect(more).toEqual([]);
    expect(requested).toEqual({
      notification_id: expect.any(String),
      template: 'order_confirmed',
      template_id: 'order_confirmed',
      locale: 'en',
      channel,
      delivery: 'event',
      order_id: order.id,
      order_number: order.number,
      recipient: { email: 'Ada.Lovelace@Example.com', name: 'Ada Lovelace' },
      status_link: await statusLinkOf(t, order.id),
      data: {
        order: {
          id: order.id,
          number: order.number,
          placed_at: order.placed_at,
          currency: 'USD',
          total: 3000,
          promised_delivery_date: order.promised_delivery_date,
        },
        items: [{ sku, name: 'Blue mug', quantity: 2 }],
      },
    });
    // The event is the feed's, for the channel, and the notification is listed with it.
    const { rows } = await t.pool.query(
      `SELECT channel, resource_type, resource_id FROM events WHERE type = 'notification.requested' AND data->>'order_id' = $1`,
      [order.id],
    );
    expect(rows).toEqual([{ channel, resource_type: 'order', resource_id: order.id }]);
    const listed = await t.request({ method: 'GET', url: `/v1/notifications?order_id=${order.id}` });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().data).toEqual([
      expect.objectContaining({
        id: requested?.notification_id,
        template: 'order_confirmed',
        status: 'requested',
        delivery: 'event',
        attempts: 0,
      }),
    ]);
    // The order's history shows what its customer was told.
    const timeline = await t.request({ method: 'GET', url: `/v1/orders/${order.id}/timeline` });
    expect(timeline.statusCode, timeline.body).toBe(200);
    expect(JSON.stringify(timeline.json())).toContain(
      `Customer notification requested: order_confirmed for order ${order.number} to Ada.Lovelace@Example.com`,
    );
  });

  it('waits for a hold to be released, and never confirms an order cancelled on hold', async () => {
    const sku = await product();
    const pending = { payment: { status: 'pending', amount: 1500 } };
    const held = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], pending));
    const dropped = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], pending));
    expect(held.status).toBe('on_hold');
    await notifyPass(t);
    expect(await templatesFor(t, held.id)).toEqual([]);

    const released = await post(`/v1/holds/${held.holds[0].id}/release`, { note: 'paid by phone' });
    expect(released.statusCode, released.body).toBe(200);
    const cancelled = await post(`/v1/orders/${dropped.id}/cancel`, {
      reason: 'Customer changed their mind',
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await notifyPass(t);
    await notifyPass(t);
    expect(await templatesFor(t, held.id)).toEqual(['order_confirmed']);
    expect(await templatesFor(t, dropped.id)).toEqual([]);
  });

  it('writes in the customer’s locale when the order names one', async () => {
    const sku = await product();
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], {
        customer: { email: `${uniq('c')}@example.com`, name: 'Camille', locale: 'fr-ca' },
      }),
    );
    expect(order.customer.locale).toBe('fr-ca');
    await notifyPass(t);
    expect((await requestedFor(t, order.id)).map((r) => r.locale)).toEqual(['fr-CA']);
  });
});

describe('a parcel on its way', () => {
  it('tells of shipped, out for delivery and delivered once each, with carrier and tracking', async () => {
    const sku = await product();
    const order = await captureReleased(t, orderBody(channel, [{ sku, quantity: 3 }]));
    await notifyPass(t);
    const [shipment] = await shipmentsOf(t, order.id);
    const shipped = await ship(t, shipment?.id as string);
    await notifyPass(t);
    await track(t, shipped.id, 'in_transit');
    await track(t, shipped.id, 'out_for_delivery');
    // A carrier that says it twice: still one message.
    await track(t, shipped.id, 'out_for_delivery');
    await notifyPass(t);
    await track(t, shipped.id, 'delivered');
    await notifyPass(t);
    await notifyPass(t);

    const all = await requestedFor(t, order.id);
    expect(all.map((r) => r.template)).toEqual([
      'order_confirmed',
      'order_shipped',
      'out_for_delivery',
      'order_delivered',
    ]);
    const parcel = {
      id: shipped.id,
      number: shipped.number,
      carrier: shipped.carrier,
      service: shipped.service,
      tracking_number: shipped.tracking_number,
      tracking_url: shipped.tracking_url,
    };
    for (const requested of all.slice(1)) {
      expect(requested.data.shipment).toEqual(parcel);
      expect(requested.data.items).toEqual([{ sku, name: 'Blue mug', quantity: 3 }]);
      expect(requested.status_link).toBe(await statusLinkOf(t, order.id));
    }
  });
});

describe('returns and refunds', () => {
  it('tells of a return received and of the refund issued, once each', async () => {
    const sku = await product();
    const order = await deliveredOrder(t, channel, [{ sku, quantity: 2 }]);
    const opened = await openReturn(t, order.id, {
      lines: [{ line_id: lineOf(order, sku), quantity: 1, reason: 'size_or_fit' }],
    });
    const received = await post(`/v1/returns/${opened.id}/receive`, {
      location,
      lines: [{ sku, quantity: 1, condition: 'sellable' }],
    });
    expect(received.statusCode, received.body).toBe(200);
    await notifyPass(t);
    const refunded = await post(`/v1/returns/${opened.id}/refund`);
    expect(refunded.statusCode, refunded.body).toBe(200);
    const [refund] = refunded.json().refunds;
    // Requested is not issued: nothing until the payment system confirms it.
    await notifyPass(t);
    expect(await templatesFor(t, order.id)).not.toContain('refund_issued');
    expect((await post(`/v1/refunds/${refund.id}/confirm`, { external_reference: 're_1' })).statusCode).toBe(
      200,
    );
    await notifyPass(t);
    await notifyPass(t);

    const all = await requestedFor(t, order.id);
    expect(all.map((r) => r.template)).toEqual([
      'order_confirmed',
      'order_shipped',
      'order_delivered',
      'return_received',
      'refund_issued',
    ]);
    expect(all[3]?.data).toMatchObject({
      return: { id: opened.id, number: opened.number },
      items: [{ sku, name: 'Blue mug', quantity: 1 }],
    });
    expect(all[4]?.data).toMatchObject({
      return: { id: opened.id, number: opened.number },
      refund: { id: refund.id, amount: refund.amount, currency: 'USD' },
    });
  });
});

describe('backorders', () => {
  it('tells when the date a backorder is promised for changes, once per change', async () => {
    const sku = (await makeProduct(t, { name: 'Rare teapot' })).sku;
    const inbound = await post('/v1/inbound-shipments', {
      reference: uniq('PO'),
      location,
      expected_date: '2026-12-11',
      lines: [{ sku, quantity: 4 }],
    });
    expect(inbound.statusCode, inbound.body).toBe(201);
    const waiting = await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    expect(waiting.status).toBe('backordered');
    const first = waiting.promised_delivery_date as string;
    await notifyPass(t);
    expect(await templatesFor(t, waiting.id)).toEqual(['order_confirmed']);

    const later = await t.request({
      method: 'PATCH',
      url: `/v1/inbound-shipments/${inbound.json().id}`,
      payload: { expected_date: '2026-12-18' },
    });
    expect(later.statusCode, later.body).toBe(200);
    await notifyPass(t);
    await notifyPass(t);
    const now = (await orderOf(t, waiting.id)).promised_delivery_date as string;
    expect(now > first).toBe(true);
    const changes = (await requestedFor(t, waiting.id)).filter(
      (r) => r.template === 'backorder_date_changed',
    );
    expect(changes.map((r) => r.data.promise)).toEqual([
      { previous_promised_delivery_date: first, promised_delivery_date: now, reason: 'inbound_rescheduled' },
    ]);
    expect(changes[0]?.data.items).toEqual([{ sku, name: 'Rare teapot', quantity: 2 }]);
  });
});

describe('late orders', () => {
  it('tells once per promised date that an order is late, by the location’s time zone', async () => {
    const sku = await product();
    const order = await captureReleased(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const promised = (await orderOf(t, order.id)).promised_delivery_date as string;
    expect(promised).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await notifyPass(t);

    // The last hour of the promised day in New York (05:00 the next day in UTC): not late yet.
    const nextDay = new Date(`${promised}T00:00:00Z`).getTime() + 86_400_000;
    clock.set(nextDay + 4 * 3_600_000);
    await t.app.services.notifications.requestDelayed();
    expect(await templatesFor(t, order.id)).not.toContain('order_delayed');

    // Past midnight in New York: late, once, however often the scan runs.
    clock.set(nextDay + 5 * 3_600_000 + 60_000);
    expect(await t.app.services.notifications.requestDelayed()).toBeGreaterThanOrEqual(1);
    await t.app.services.notifications.requestDelayed();
    await notifyPass(t);
    const delayed = (await requestedFor(t, order.id)).filter((r) => r.template === 'order_delayed');
    expect(delayed).toHaveLength(1);
    expect(delayed[0]?.data.promise).toEqual({ promised_delivery_date: promised });

    // Delivered orders are never late.
    const done = await deliveredOrder(t, channel, [{ sku, quantity: 1 }]);
    clock.set(new Date(`${done.promised_delivery_date}T00:00:00Z`).getTime() + 10 * 86_400_000);
    await t.app.services.notifications.requestDelayed();
    expect(await templatesFor(t, done.id)).not.toContain('order_delayed');
  });
});

describe('replicas', () => {
  it('never request a milestone twice, however many passes run at once', async () => {
    const replica = await createTestApp({ clock, database: { url: t.url, drop: async () => {} } });
    try {
      const sku = await product();
      const orders = await Promise.all(
        Array.from({ length: 8 }, () => captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]))),
      );
      await notifyPass(t);
      const more = await Promise.all(
        Array.from({ length: 8 }, () => captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]))),
      );
      await t.app.services.events.sequence();
      clock.advance(30 * 86_400_000);
      const services = [t.app.services.notifications, replica.app.services.notifications];
      await Promise.all(
        [...services, ...services].flatMap((s) => [s.requestMilestones(), s.requestDelayed()]),
      );
      await notifyPass(t);
      for (const order of [...orders, ...more]) {
        const templates = await templatesFor(t, order.id);
        expect(
          templates.filter((x) => x === 'order_confirmed'),
          order.id,
        ).toHaveLength(1);
        expect(
          templates.filter((x) => x === 'order_delayed'),
          order.id,
        ).toHaveLength(1);
      }
      const { rows } = await t.pool.query(
        `SELECT count(*)::int AS n FROM events WHERE type = 'notification.requested'
           GROUP BY data->>'order_id', data->>'template', data->'data'->'shipment'->>'id' HAVING count(*) > 1`,
      );
      expect(rows).toEqual([]);
    } finally {
      await replica.close();
    }
  });

  it('leaves the batch to the process holding the cursor, without waiting for it', async () => {
    const sku = await product();
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    await t.app.services.events.sequence();
    const holder = await t.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT position FROM notification_cursor WHERE id = 1 FOR UPDATE');
      expect(await t.app.services.notifications.requestMilestones()).toBe(0);
      expect(await templatesFor(t, order.id)).toEqual([]);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    await notifyPass(t);
    expect(await templatesFor(t, order.id)).toEqual(['order_confirmed']);
  });
});

describe('one database connection', () => {
  it('is enough for a pass: signing its status links asks for no second connection', async () => {
    // A short wait for a connection, so that a pass asking for a second one fails in a second.
    const one = await createTestApp({ clock, poolSize: 1, config: { statementTimeoutMs: 1000 } });
    try {
      const code = (await makeChannel(one)).code;
      const at = (await makeLocation(one, { channels: [code] })).code;
      const sku = await stocked(one, { [at]: 5 });
      const order = await captureOrder(one, orderBody(code, [{ sku, quantity: 1 }]));
      await notifyPass(one);
      expect(await templatesFor(one, order.id)).toEqual(['order_confirmed']);
      expect((await requestedFor(one, order.id))[0]?.status_link).toBe(await statusLinkOf(one, order.id));
    } finally {
      await one.close();
    }
  });
});
