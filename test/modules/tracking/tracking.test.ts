import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeCarrier, makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder, eventsOf, orderOf, settleReleaser } from '../../helpers/orders.js';
import { expectProblem } from '../../helpers/problems.js';
import { deliveredOrder, lineOf, openReturn } from '../../helpers/returns.js';
import { type Link, linkOf, notFoundBody, track } from './helpers.js';

/**
 * Status links over HTTP against a real PostgreSQL: the merchant's routes (scopes, channels), the
 * customer's view without a key (what it shows and what it never shows), revocation, renewal, expiry,
 * and one 404 for every way of finding nothing.
 */

let t: TestApp;
const clock = testClock();
const day = 86_400_000;
let channel: string;
let other: string;
let location: string;
let sku: string;

const secrets = {
  email: 'ada.private@example.com',
  street: '350 5th Ave',
  line2: 'Floor 86, Suite 8600',
  name: 'Augusta Ada King',
  phone: '+1 212 555 0199',
  billing: '12 Billing Road',
  method: 'visa-ending-4242',
  metadata: 'internal-crm-note-7731',
  tag: 'vip-whale',
};

/** An order full of things the customer view must never show. */
const privateFields = () => ({
  customer: { email: secrets.email, name: secrets.name, phone: secrets.phone },
  ship_to: {
    name: secrets.name,
    company: 'Analytical Engines Ltd',
    line1: secrets.street,
    line2: secrets.line2,
    city: 'New York',
    region: 'NY',
    postal_code: '10118',
    country: 'US',
    phone: secrets.phone,
  },
  billing_address: {
    line1: secrets.billing,
    city: 'Boston',
    region: 'MA',
    postal_code: '02108',
    country: 'US',
  },
  payment: { status: 'captured', amount: 2500, method: secrets.method },
  metadata: { crm: secrets.metadata },
  tags: [secrets.tag],
});

beforeAll(async () => {
  t = await createTestApp({ clock, config: { publicUrl: 'https://shop.example.com/orders' } });
  channel = (await makeChannel(t)).code;
  other = (await makeChannel(t)).code;
  location = (await makeLocation(t)).code;
  await makeCarrier(t, {}, ['standard', 'express', 'same_day']);
  sku = await stocked(t, { [location]: 500 }, { product: { name: 'Walnut desk lamp' } });
});
afterAll(() => t.close());

const delivered = () => deliveredOrder(t, channel, [{ sku, quantity: 2 }], privateFields());

describe('the merchant’s status link', () => {
  it('gives the token and its URL under ORDO_PUBLIC_URL, not expiring while the order is under way', async () => {
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const link = await linkOf(t, order.id);
    expect(link).toEqual({
      token: expect.stringMatching(/^[A-Za-z0-9_-]{48}$/),
      url: `https://shop.example.com/orders/track/${link.token}`,
      expires_at: null,
      revoked: false,
    });
    // By number too, and the same link until it is renewed
    expect(await linkOf(t, String(order.number))).toEqual(link);
  });

  it('needs a key (401) with orders:read to see it and orders:write to change it (403)', async () => {
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const url = `/v1/orders/${order.id}/status-link`;
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      expectProblem(await t.request({ method, url, key: null }), 401, 'unauthorized');
    }
    const stock = await t.keyWith(['inventory:read']);
    expectProblem(await t.request({ method: 'GET', url, key: stock }), 403, 'forbidden');
    const reader = await t.keyWith(['orders:read']);
    expect((await t.request({ method: 'GET', url, key: reader })).statusCode).toBe(200);
    expectProblem(await t.request({ method: 'POST', url, key: reader }), 403, 'forbidden');
    expectProblem(await t.request({ method: 'DELETE', url, key: reader }), 403, 'forbidden');
  });

  it('is a 404 for another channel’s key, and for an order that does not exist', async () => {
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const foreign = await t.keyWith(['orders:read', 'orders:write'], other);
    const own = await t.keyWith(['orders:read', 'orders:write'], channel);
    const url = `/v1/orders/${order.id}/status-link`;
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      expectProblem(await t.request({ method, url, key: foreign }), 404, 'not_found');
    }
    expect((await t.request({ method: 'GET', url, key: own })).statusCode).toBe(200);
    expect((await linkOf(t, order.id)).revoked).toBe(false);
    const missing = '/v1/orders/00000000-0000-4000-8000-000000000000/status-link';
    expectProblem(await t.request({ method: 'GET', url: missing }), 404, 'not_found');
    expectProblem(await t.request({ method: 'DELETE', url: '/v1/orders/999999999/status-link' }), 404);
    expectProblem(await t.request({ method: 'GET', url: '/v1/orders/not-an-id/status-link' }), 422);
  });
});

describe('the customer’s view, without a key', () => {
  it('shows items, status, promise, the shipment with its carrier, tracking number and events', async () => {
    const order = await delivered();
    const link = await linkOf(t, order.id);
    const res = await track(t, link.token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const view = res.json();
    expect(view).toMatchObject({
      order_number: order.number,
      placed_at: order.placed_at,
      status: 'delivered',
      status_text: 'Delivered',
      promised_delivery_date: order.promised_delivery_date,
      ship_to: { city: 'New York', region: 'NY', postal_code: '10118', country: 'US' },
      items: [
        { sku, name: 'Walnut desk lamp', quantity: 2, shipped: 2, cancelled: 0, returned: 0, components: [] },
      ],
      delays: [],
      returns: [],
    });
    expect(Object.keys(view.ship_to).sort()).toEqual(['city', 'country', 'postal_code', 'region']);
    const [parcel] = view.shipments;
    expect(view.shipments).toHaveLength(1);
    expect(parcel).toMatchObject({
      status: 'delivered',
      carrier: expect.any(String),
      service: 'ground',
      tracking_number: expect.any(String),
      shipped_at: expect.any(String),
      delivered_at: expect.any(String),
      items: [{ sku, name: 'Walnut desk lamp', quantity: 2 }],
    });
    expect(parcel.events.at(-1)).toMatchObject({ status: 'delivered', occurred_at: parcel.delivered_at });
    // The expiry counts from the delivery
    const expires = Date.parse(parcel.delivered_at) + 90 * day;
    expect(Date.parse((await linkOf(t, order.id)).expires_at ?? '')).toBe(expires);
  });

  it('never shows the street, name, phone, email, payment, billing address, tags, metadata or holds', async () => {
    const order = await delivered();
    const { token } = await linkOf(t, order.id);
    const res = await track(t, token);
    expect(res.statusCode).toBe(200);
    for (const secret of [...Object.values(secrets), 'Analytical', 'captured', 'risk', 'api_key', order.id]) {
      expect(res.body, secret).not.toContain(secret);
    }
    for (const field of [
      'email',
      'payment',
      'customer',
      'metadata',
      'tags',
      'holds',
      'line1',
      'phone',
      'note',
    ]) {
      expect(res.body, field).not.toContain(`"${field}"`);
    }
  });

  it('says how a kit is made rather than listing its parts as items', async () => {
    const part = await stocked(t, { [location]: 50 }, { product: { name: 'Bulb' } });
    const kit = await t.request({
      method: 'POST',
      url: '/v1/products',
      payload: { sku: `KIT-${part}`, name: 'Lamp set', kit: { components: [{ sku: part, quantity: 3 }] } },
    });
    expect(kit.statusCode, kit.body).toBe(201);
    const order = await deliveredOrder(t, channel, [{ sku: `KIT-${part}`, quantity: 2 }]);
    const view = (await track(t, (await linkOf(t, order.id)).token)).json();
    expect(view.items).toEqual([
      {
        sku: `KIT-${part}`,
        name: 'Lamp set',
        quantity: 2,
        shipped: 2,
        cancelled: 0,
        returned: 0,
        components: [{ sku: part, name: 'Bulb', quantity: 6 }],
      },
    ]);
  });

  it('shows returns with their items and refund, and a promise that passed or moved as a delay', async () => {
    const order = await delivered();
    const ret = await openReturn(t, order.id, {
      lines: [{ line_id: lineOf(order, sku), quantity: 1, reason: 'damaged' }],
    });
    const received = await t.request({
      method: 'POST',
      url: `/v1/returns/${ret.id}/receive`,
      payload: { location, lines: [{ sku, quantity: 1, condition: 'sellable' }] },
    });
    // A damaged return may wait for review first; authorize it then.
    if (received.statusCode === 409) {
      expect(
        (await t.request({ method: 'POST', url: `/v1/returns/${ret.id}/authorize`, payload: {} })).statusCode,
      ).toBe(200);
      const again = await t.request({
        method: 'POST',
        url: `/v1/returns/${ret.id}/receive`,
        payload: { location, lines: [{ sku, quantity: 1, condition: 'sellable' }] },
      });
      expect(again.statusCode, again.body).toBe(200);
    } else {
      expect(received.statusCode, received.body).toBe(200);
    }
    const refunded = await t.request({ method: 'POST', url: `/v1/returns/${ret.id}/refund`, payload: {} });
    expect(refunded.statusCode, refunded.body).toBe(200);
    const { token } = await linkOf(t, order.id);
    const view = (await track(t, token)).json();
    expect(view.status).toBe('partially_returned');
    const shown = {
      number: ret.number,
      status: 'received',
      requested_at: expect.any(String),
      items: [{ sku, name: 'Walnut desk lamp', quantity: 1, reason: 'damaged' }],
      refund: { status: 'pending', amount: 1000, currency: 'USD' },
    };
    expect(view.returns).toEqual([shown]);
    const refundId = refunded.json().refunds[0].id;
    const confirmed = await t.request({
      method: 'POST',
      url: `/v1/refunds/${refundId}/confirm`,
      payload: {},
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect((await track(t, token)).json().returns).toEqual([
      { ...shown, status: 'refunded', refund: { status: 'refunded', amount: 1000, currency: 'USD' } },
    ]);
    expect(view.items[0]).toMatchObject({ quantity: 2, shipped: 2, returned: 1 });
  });

  it('shows a promise that passed without delivery, and one that moved later', async () => {
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], privateFields()));
    const { token } = await linkOf(t, order.id);
    expect((await track(t, token)).json().delays).toEqual([]);
    // The stock it waits for is late: the promise moved (as the orders module records it)
    await t.pool.query(
      `INSERT INTO events (type, resource_type, resource_id, channel, data)
       VALUES ('order.promise_changed', 'order', $1, $2, $3)`,
      [
        order.id,
        channel,
        {
          previous_promised_delivery_date: '2026-01-02',
          promised_delivery_date: '2026-01-09',
          reason: 'inbound_overdue',
          order: {},
        },
      ],
    );
    clock.advance(60 * day);
    try {
      await settleReleaser(t);
      const view = (await track(t, token)).json();
      expect(view.delays).toEqual([
        {
          kind: 'promise_moved',
          previous_date: '2026-01-02',
          promised_date: '2026-01-09',
          at: expect.any(String),
        },
        {
          kind: 'past_promise',
          previous_date: null,
          promised_date: order.promised_delivery_date,
          at: `${new Date(Date.parse(order.promised_delivery_date) + day).toISOString().slice(0, 10)}T00:00:00.000Z`,
        },
      ]);
      expect((await orderOf(t, order.id)).status).toBe('on_hold');
      // Held (the payment does not match the total): the customer sees it confirmed, never the hold
      expect(view.status).toBe('confirmed');
      expect(JSON.stringify(view)).not.toMatch(/hold|payment|queue/i);
    } finally {
      clock.advance(-60 * day);
    }
  });
});

describe('revoking and renewing', () => {
  it('revokes (204, idempotent, one event) and the link is a 404; a new link works and the old stays dead', async () => {
    const order = await delivered();
    const first = await linkOf(t, order.id);
    expect((await track(t, first.token)).statusCode).toBe(200);
    const url = `/v1/orders/${order.id}/status-link`;
    for (let i = 0; i < 2; i++) {
      const revoked = await t.request({ method: 'DELETE', url });
      expect(revoked.statusCode).toBe(204);
      expect(revoked.body).toBe('');
    }
    notFoundBody(await track(t, first.token));
    expect(await linkOf(t, order.id)).toEqual({ ...first, revoked: true });

    const renewed = await t.request({ method: 'POST', url });
    expect(renewed.statusCode, renewed.body).toBe(201);
    const second: Link = renewed.json();
    expect(second).toEqual({ ...first, token: expect.any(String), url: expect.any(String), revoked: false });
    expect(second.token).not.toBe(first.token);
    expect(second.url).toBe(`https://shop.example.com/orders/track/${second.token}`);
    expect((await track(t, second.token)).statusCode).toBe(200);
    notFoundBody(await track(t, first.token));
    const third: Link = (await t.request({ method: 'POST', url })).json();
    notFoundBody(await track(t, second.token));
    expect((await track(t, third.token)).statusCode).toBe(200);
    expect(await linkOf(t, order.id)).toEqual(third);

    const events = (await eventsOf(t, order.id)).filter((e) => e.type.startsWith('status_link.'));
    expect(events.map((e) => e.type)).toEqual([
      'status_link.revoked',
      'status_link.renewed',
      'status_link.renewed',
    ]);
    expect(events[2]).toMatchObject({
      channel,
      data: { order_id: order.id, order_number: order.number, version: 3 },
    });
    expect(JSON.stringify(events)).not.toContain(third.token);
    const timeline = await t.request({ method: 'GET', url: `/v1/orders/${order.id}/timeline?limit=100` });
    expect(timeline.json().data.map((e: { type: string }) => e.type)).toContain('status_link.revoked');
  });

  it('expires 90 days after the last delivery: day 89 shows the order, day 91 is the same 404', async () => {
    const order = await delivered();
    const { token, expires_at } = await linkOf(t, order.id);
    const unknown = notFoundBody(await track(t, 'A'.repeat(48)));
    clock.advance(89 * day);
    try {
      expect((await track(t, token)).statusCode).toBe(200);
      clock.advance(2 * day);
      expect(notFoundBody(await track(t, token))).toBe(unknown);
      expect((await linkOf(t, order.id)).expires_at).toBe(expires_at);
      // Renewing does not bring an expired order back
      const renewed = await t.request({ method: 'POST', url: `/v1/orders/${order.id}/status-link` });
      expect(notFoundBody(await track(t, renewed.json().token))).toBe(unknown);
    } finally {
      clock.advance(-91 * day);
    }
  });
});

describe('one 404 for every way of finding nothing', () => {
  it('answers unknown, forged, revoked, renewed-away and junk tokens byte for byte alike', async () => {
    const order = await delivered();
    const revokedOrder = await delivered();
    const { token } = await linkOf(t, order.id);
    const revoked = (await linkOf(t, revokedOrder.id)).token;
    await t.request({ method: 'DELETE', url: `/v1/orders/${revokedOrder.id}/status-link` });
    const replaced = token;
    const renewed = await t.request({ method: 'POST', url: `/v1/orders/${order.id}/status-link` });
    expect(renewed.statusCode).toBe(201);
    const flip = (s: string, i: number) => `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
    const tokens = [
      'A'.repeat(48),
      flip(renewed.json().token, 47),
      flip(renewed.json().token, 3),
      revoked,
      replaced,
      'x',
      'x'.repeat(49),
      'y'.repeat(600),
      '..%2F..%2F..%2Fetc%2Fpasswd',
      '%2e%2e%2f%2e%2e%2fadmin',
      '%E2%9C%93%F0%9F%93%A6',
      "'%20OR%201=1--",
      '%00',
      'lookup',
    ];
    const bodies = new Set<string>();
    for (const bad of tokens) {
      const res = await track(t, bad);
      expect(res.statusCode, bad).toBe(404);
      expect(res.json()).toEqual({
        type: 'https://ordo.dev/problems/not_found',
        title: 'Not found',
        status: 404,
        detail: expect.any(String),
        instance: '/v1/track',
        code: 'not_found',
        request_id: res.headers['x-request-id'],
      });
      bodies.add(notFoundBody(res));
    }
    expect(bodies.size).toBe(1);
    // Nothing after the token either, nor a URL the router cannot read
    for (const url of [`/v1/track/${token}/../x`, `/v1/track/${token}/x`, '/v1/track/', '/v1/track/%ZZ']) {
      bodies.add(notFoundBody(await t.app.inject({ method: 'GET', url })));
    }
    expect(bodies.size).toBe(1);
  });
});

describe('revocations and renewals at once', () => {
  it('append one event per change: two revocations one event, two renewals two versions', async () => {
    const order = await delivered();
    const url = `/v1/orders/${order.id}/status-link`;
    const revoked = await Promise.all([1, 2].map(() => t.request({ method: 'DELETE', url })));
    expect(revoked.map((res) => res.statusCode)).toEqual([204, 204]);
    const renewed = await Promise.all([1, 2].map(() => t.request({ method: 'POST', url })));
    expect(renewed.map((res) => res.statusCode)).toEqual([201, 201]);
    const tokens = renewed.map((res) => res.json().token as string);
    expect(new Set(tokens).size).toBe(2);
    const current = await linkOf(t, order.id);
    expect(tokens).toContain(current.token);
    const statuses = await Promise.all(tokens.map(async (token) => (await track(t, token)).statusCode));
    expect(statuses.sort()).toEqual([200, 404]);
    const types = (await eventsOf(t, order.id))
      .map((e) => e.type)
      .filter((type) => type.startsWith('status_link.'));
    expect(types).toEqual(['status_link.revoked', 'status_link.renewed', 'status_link.renewed']);
  });
});

describe('a cancelled order', () => {
  it('shows as cancelled, its link expiring 90 days after the cancellation', async () => {
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const cancelled = await t.request({
      method: 'POST',
      url: `/v1/orders/${order.id}/cancel`,
      payload: { reason: 'customer changed their mind' },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const link = await linkOf(t, order.id);
    const { rows } = await t.pool.query(
      "SELECT occurred_at FROM events WHERE resource_id = $1 AND type = 'order.cancelled'",
      [order.id],
    );
    expect(Date.parse(link.expires_at ?? '')).toBe(rows[0].occurred_at.getTime() + 90 * day);
    const view = (await track(t, link.token)).json();
    expect(view).toMatchObject({ status: 'cancelled', status_text: 'Cancelled', shipments: [], delays: [] });
    expect(view.items[0]).toMatchObject({ quantity: 1, cancelled: 1, shipped: 0 });
    clock.advance(91 * day);
    try {
      notFoundBody(await track(t, link.token));
    } finally {
      clock.advance(-91 * day);
    }
  });
});
