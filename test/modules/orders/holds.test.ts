import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseExpiredReservations } from '../../../src/modules/orders/expiry.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder, eventsOf, orderOf, reservationsOf } from '../../helpers/orders.js';
import { brokenInvariants, reservedOf } from '../../helpers/stock.js';

/** The real time, moved ahead by tests that need a hold or a reservation to have aged. */
const clock = testClock();
let t: TestApp;
let channel: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp({ clock });
  channel = (await makeChannel(t, { release_delay_minutes: 60, held_reservation_minutes: 60 })).code;
  location = (await makeLocation(t)).code;
});
afterAll(() => t.close());

type Hold = { id: number; kind: string; status: string; order: { id: string } };

/** Every page of GET /v1/holds with this query. */
async function allHolds(query: string, key?: string): Promise<Hold[]> {
  const found: Hold[] = [];
  let cursor: string | null = null;
  do {
    const url = `/v1/holds?${query}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await t.request({ method: 'GET', url, key });
    expect(res.statusCode, res.body).toBe(200);
    found.push(...res.json().data);
    cursor = res.json().next_cursor;
  } while (cursor);
  return found;
}

const release = (id: number, payload: object = {}, key?: string) =>
  t.request({ method: 'POST', url: `/v1/holds/${id}/release`, payload, key });
const assign = (id: number, assignee: string | null, key?: string) =>
  t.request({ method: 'POST', url: `/v1/holds/${id}/assign`, payload: { assignee }, key });
const pay = (orderId: string, payload: object) =>
  t.request({ method: 'POST', url: `/v1/orders/${orderId}/payment`, payload });
const pending = (amount = 1500) => ({ payment: { status: 'pending', amount } });
const badPostal = {
  ship_to: { line1: '1 Main St', city: 'Edison', region: 'NJ', postal_code: 'X', country: 'US' },
};

describe('GET /v1/holds', () => {
  let payment: Hold;
  let address: Hold;
  let stock: Hold;

  beforeAll(async () => {
    const sku = await stocked(t, { [location]: 10 });
    const strict = (await makeChannel(t, { release_delay_minutes: 60 })).code;
    payment = (await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], pending()))).holds[0];
    address = (await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], badPostal))).holds[0];
    stock = (await captureOrder(t, orderBody(strict, [{ sku, quantity: 99 }]))).holds[0];
  });

  it('filters by kind, queue and status, oldest first, with the order summarised', async () => {
    const byKind = await allHolds('kind=payment');
    expect(byKind.map((h) => h.id)).toContain(payment.id);
    expect(byKind.every((h) => h.kind === 'payment')).toBe(true);
    expect(byKind.find((h) => h.id === payment.id)).toMatchObject({
      queue: 'payments',
      status: 'open',
      order: { channel, status: 'on_hold', number: expect.any(Number) },
    });

    const byQueue = await allHolds('queue=address_review');
    expect(byQueue.map((h) => h.id)).toContain(address.id);
    expect(byQueue.every((h) => h.kind === 'address')).toBe(true);
    expect((await allHolds('queue=inventory')).map((h) => h.id)).toContain(stock.id);

    const open = await allHolds('status=open');
    expect(open.map((h) => h.id)).toEqual(expect.arrayContaining([payment.id, address.id, stock.id]));
    expect(open.every((h) => h.status === 'open')).toBe(true);
    const ids = open.map((h) => h.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(await allHolds('kind=manual')).toEqual([]);
  });

  it('filters by age with the clock', async () => {
    expect((await allHolds('older_than_minutes=30')).map((h) => h.id)).not.toContain(payment.id);
    clock.advance(45 * 60_000);
    try {
      expect((await allHolds('older_than_minutes=30')).map((h) => h.id)).toEqual(
        expect.arrayContaining([payment.id, address.id, stock.id]),
      );
      expect((await allHolds('older_than_minutes=60')).map((h) => h.id)).not.toContain(payment.id);
    } finally {
      clock.reset();
    }
  });

  it('pages with a cursor, every hold once', async () => {
    const everything = await allHolds('limit=500');
    const paged: Hold[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.request({
        method: 'GET',
        url: `/v1/holds?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.length).toBeLessThanOrEqual(2);
      paged.push(...res.json().data);
      cursor = res.json().next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(paged.map((h) => h.id)).toEqual(everything.map((h) => h.id));

    const bad = await t.request({ method: 'GET', url: '/v1/holds?cursor=nonsense' });
    expect(bad.statusCode).toBe(422);
    const badKind = await t.request({ method: 'GET', url: '/v1/holds?status=closed' });
    expect(badKind.statusCode).toBe(422);
  });

  it('assigns and unassigns an open hold, and filters by assignee', async () => {
    const res = await assign(address.id, 'maria@ops.example.com');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: address.id, assignee: 'maria@ops.example.com', status: 'open' });
    expect((await allHolds('assignee=maria@ops.example.com')).map((h) => h.id)).toEqual([address.id]);

    const unassigned = await assign(address.id, null);
    expect(unassigned.statusCode).toBe(200);
    expect(unassigned.json().assignee).toBeNull();
    expect(await allHolds('assignee=maria@ops.example.com')).toEqual([]);
    const row = await t.pool.query('SELECT assignee FROM holds WHERE id = $1', [address.id]);
    expect(row.rows[0].assignee).toBeNull();
  });

  it('answers 404 for an unknown hold and 422 for a malformed id', async () => {
    expect((await assign(99_999_999, 'x')).statusCode).toBe(404);
    expect((await release(99_999_999)).statusCode).toBe(404);
    expect((await t.request({ method: 'POST', url: '/v1/holds/abc/release', payload: {} })).statusCode).toBe(
      422,
    );
  });

  it('shows a channel-bound key only its channel’s holds; another channel’s hold is a 404', async () => {
    const other = (await makeChannel(t, { release_delay_minutes: 60 })).code;
    const sku = await stocked(t, { [location]: 5 });
    const mine = (await captureOrder(t, orderBody(other, [{ sku, quantity: 1 }], pending()))).holds[0];
    const key = await t.keyWith(['orders:read', 'orders:write'], other);
    const seen = await allHolds('status=open', key);
    expect(seen.map((h) => h.id)).toEqual([mine.id]);
    expect((await assign(payment.id, 'x', key)).statusCode).toBe(404);
    expect((await release(payment.id, {}, key)).statusCode).toBe(404);
    expect(
      (await t.pool.query('SELECT status, assignee FROM holds WHERE id = $1', [payment.id])).rows[0],
    ).toEqual({
      status: 'open',
      assignee: null,
    });
    expect((await assign(mine.id, 'me', key)).statusCode).toBe(200);
  });

  it('needs orders:read to list and orders:write to act', async () => {
    expect((await t.request({ method: 'GET', url: '/v1/holds', key: null })).statusCode).toBe(401);
    const reader = await t.keyWith(['orders:read']);
    expect((await t.request({ method: 'GET', url: '/v1/holds', key: reader })).statusCode).toBe(200);
    expect((await assign(payment.id, 'x', reader)).statusCode).toBe(403);
    expect((await release(payment.id, {}, reader)).statusCode).toBe(403);
  });
});

describe('POST /v1/holds/{id}/release', () => {
  it('releases one hold, keeps the order held while another is open, and the last one clears expiry', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 2 }], { ...pending(2500), ...badPostal }),
    );
    expect(order.status).toBe('on_hold');
    const [first, second] = order.holds;
    const [reserved] = await reservationsOf(t, order.id);
    expect(reserved.expires_at).not.toBeNull();

    const one = await release(first.id, { note: 'checked' });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().status).toBe('on_hold');
    expect(one.json().holds.find((h: Hold) => h.id === first.id)).toMatchObject({
      status: 'released',
      note: 'checked',
      resolved_at: expect.any(String),
    });
    expect((await reservationsOf(t, order.id))[0].expires_at).not.toBeNull();

    const two = await release(second.id);
    expect(two.statusCode, two.body).toBe(200);
    expect(two.json()).toMatchObject({ status: 'allocated', lines: [{ allocated: 2 }] });
    expect(await reservationsOf(t, order.id)).toEqual([{ quantity: 2, status: 'active', expires_at: null }]);
    const resolver = await t.pool.query('SELECT resolved_by FROM holds WHERE id = $1', [second.id]);
    expect(resolver.rows[0].resolved_by).not.toBeNull();

    const types = (await eventsOf(t, order.id)).map((e) => e.type);
    expect(types).toEqual([
      'order.created',
      'order.routed',
      'order.held',
      'order.held',
      'order.hold_released',
      'order.hold_released',
      'order.allocated',
    ]);
    const released = (await eventsOf(t, order.id)).filter((e) => e.type === 'order.hold_released');
    expect(released.map((e) => (e.data.hold as { id: number }).id)).toEqual([first.id, second.id]);
    expect(released[1].data.order).toMatchObject({ id: order.id, status: 'allocated' });
  });

  it('refuses to release or assign a hold that is no longer open', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], pending()));
    const hold = order.holds[0];
    expect((await release(hold.id)).statusCode).toBe(200);
    const again = await release(hold.id);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');
    expect((await assign(hold.id, 'late')).statusCode).toBe(409);
    expect((await eventsOf(t, order.id)).filter((e) => e.type === 'order.hold_released')).toHaveLength(1);
  });
});

describe('POST /v1/orders/{id}/payment', () => {
  it('a captured payment covering the order releases the payment hold by itself', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], pending()));
    const res = await pay(order.id, { status: 'captured', amount: 1500, method: 'card' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'allocated',
      payment: { status: 'captured', amount: 1500, method: 'card' },
      holds: [{ kind: 'payment', status: 'released', resolved_at: expect.any(String) }],
    });
    expect(await reservationsOf(t, order.id)).toEqual([{ quantity: 1, status: 'active', expires_at: null }]);
    const types = (await eventsOf(t, order.id)).map((e) => e.type);
    expect(types.slice(2)).toEqual(
      expect.arrayContaining(['order.updated', 'order.hold_released', 'order.allocated']),
    );
  });

  it('keeps the hold while the payment still does not cover the total', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], pending()));
    const res = await pay(order.id, { status: 'authorized', amount: 1000 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'on_hold',
      payment: { status: 'authorized', amount: 1000 },
      holds: [{ kind: 'payment', status: 'open' }],
    });
    const amountOnly = await pay(order.id, { status: 'captured' });
    expect(amountOnly.json()).toMatchObject({
      status: 'on_hold',
      payment: { status: 'captured', amount: 1000 },
    });
  });

  it('a failed payment on an allocated order puts it on hold, with expiring reservations', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(order.status).toBe('allocated');
    const res = await pay(order.id, { status: 'failed' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'on_hold', holds: [{ kind: 'payment', status: 'open' }] });
    const [reservation] = await reservationsOf(t, order.id);
    expect(reservation.expires_at).not.toBeNull();
    expect((await eventsOf(t, order.id)).map((e) => e.type)).toContain('order.held');
  });

  it('refuses a payment on a cancelled order, and an unknown order is a 404', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    await t.request({ method: 'POST', url: `/v1/orders/${order.id}/cancel`, payload: { reason: 'test' } });
    expect((await pay(order.id, { status: 'captured' })).statusCode).toBe(409);
    expect((await pay('00000000-0000-4000-8000-000000000000', { status: 'captured' })).statusCode).toBe(404);
    expect((await pay(order.id, { status: 'refunded' })).statusCode).toBe(422);
  });
});

describe('reservations of held orders', () => {
  it('expire after the channel’s time, are released, and are re-taken when the hold is released', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 3 }], pending(3500)));
    const [reservation] = await reservationsOf(t, order.id);
    expect(reservation.expires_at.getTime()).toBeCloseTo(clock.now().getTime() + 60 * 60_000, -4);
    expect(await reservedOf(t, sku)).toBe(3);

    // Not yet due.
    clock.advance(59 * 60_000);
    expect(await releaseExpiredReservations(t.db, clock)).toBe(0);
    expect(await reservedOf(t, sku)).toBe(3);

    clock.advance(2 * 60_000); // 61 minutes on
    try {
      expect(await releaseExpiredReservations(t.db, clock)).toBeGreaterThanOrEqual(1);
      expect(await reservedOf(t, sku)).toBe(0);
      expect(await reservationsOf(t, order.id)).toEqual([expect.objectContaining({ status: 'released' })]);
      const held = await orderOf(t, order.id);
      expect(held).toMatchObject({
        status: 'on_hold',
        reservations: [],
        lines: [{ allocated: 0, backordered: 0 }],
        holds: [{ kind: 'payment', status: 'open' }],
      });
      const expired = (await eventsOf(t, order.id)).filter((e) => e.type === 'order.updated');
      expect(expired.at(-1)?.data).toMatchObject({ change: 'reservations_expired', order: { id: order.id } });
      expect(await brokenInvariants(t.pool)).toEqual([]);
      // A second pass finds nothing more to release.
      expect(await releaseExpiredReservations(t.db, clock)).toBe(0);

      const res = await release(order.holds[0].id, { note: 'paid by phone' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'allocated',
        lines: [{ allocated: 3 }],
        reservations: [{ location, items: [{ sku, quantity: 3 }] }],
      });
      expect(await reservedOf(t, sku)).toBe(3);
      const active = (await reservationsOf(t, order.id)).filter((r) => r.status === 'active');
      expect(active).toEqual([{ quantity: 3, status: 'active', expires_at: null }]);
      expect(await brokenInvariants(t.pool)).toEqual([]);
    } finally {
      clock.reset();
    }
  });

  it('opens a stock hold on release when the expired stock went to someone else', async () => {
    const sku = await stocked(t, { [location]: 3 });
    const strict = (await makeChannel(t, { release_delay_minutes: 60, held_reservation_minutes: 10 })).code;
    const order = await captureOrder(t, orderBody(strict, [{ sku, quantity: 3 }], pending(3500)));
    clock.advance(11 * 60_000);
    try {
      await releaseExpiredReservations(t.db, clock);
    } finally {
      clock.reset();
    }
    const rival = await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    expect(rival.status).toBe('allocated');
    const res = await release(order.holds[0].id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'on_hold',
      lines: [{ allocated: 0 }],
      holds: [
        { kind: 'payment', status: 'released' },
        { kind: 'stock', status: 'open', details: { short: [{ sku, missing: 2 }] } },
      ],
    });
    expect(await reservedOf(t, sku)).toBe(2);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('cancelling a held order whose reservations expired releases nothing more', async () => {
    const sku = await stocked(t, { [location]: 3 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 3 }], pending(3500)));
    clock.advance(61 * 60_000);
    try {
      await releaseExpiredReservations(t.db, clock);
    } finally {
      clock.reset();
    }
    const res = await t.request({
      method: 'POST',
      url: `/v1/orders/${order.id}/cancel`,
      payload: { reason: 'gone' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled', lines: [{ cancelled: 3, allocated: 0 }] });
    expect(await reservedOf(t, sku)).toBe(0);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});
