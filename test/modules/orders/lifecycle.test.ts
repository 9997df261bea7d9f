import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked, uniq } from '../../helpers/factories.js';
import { captureOrder, eventsOf, reservationsOf } from '../../helpers/orders.js';
import { brokenInvariants, reservedOf } from '../../helpers/stock.js';

let t: TestApp;
let channel: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t, { release_delay_minutes: 60 })).code;
  location = (await makeLocation(t)).code;
});
afterAll(() => t.close());

const get = (id: string | number, key?: string) => t.request({ method: 'GET', url: `/v1/orders/${id}`, key });
const list = (query: string, key?: string) => t.request({ method: 'GET', url: `/v1/orders?${query}`, key });
const cancel = (id: string, payload: object, key?: string) =>
  t.request({ method: 'POST', url: `/v1/orders/${id}/cancel`, payload, key });
const patch = (id: string, payload: object, key?: string) =>
  t.request({ method: 'PATCH', url: `/v1/orders/${id}`, payload, key });

const linesOf = async (orderId: string) =>
  (
    await t.pool.query(
      `SELECT sku, quantity, quantity_allocated AS allocated, quantity_backordered AS backordered,
              quantity_cancelled AS cancelled FROM order_lines WHERE order_id = $1 ORDER BY line_number`,
      [orderId],
    )
  ).rows;

const numbersOf = (res: { json: () => { data: Array<{ number: number }> } }) =>
  res.json().data.map((o) => o.number);

describe('GET /v1/orders/{id}', () => {
  it('finds an order by id and by number', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const byId = await get(order.id);
    expect(byId.statusCode).toBe(200);
    expect(byId.json()).toEqual(order);
    const byNumber = await get(order.number);
    expect(byNumber.statusCode).toBe(200);
    expect(byNumber.json()).toEqual(order);
  });

  it('answers 404 for an unknown id or number, 422 for a malformed one, 401 without a key', async () => {
    expect((await get('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await get(999_999_999)).statusCode).toBe(404);
    expect((await get('not-an-id')).statusCode).toBe(422);
    expect((await t.request({ method: 'GET', url: '/v1/orders/100001', key: null })).statusCode).toBe(401);
  });
});

describe('GET /v1/orders', () => {
  it('filters by channel, status, sku, email, external id, placed range and hold kind', async () => {
    const ch = (await makeChannel(t, { release_delay_minutes: 60 })).code;
    const sku = await stocked(t, { [location]: 20 });
    const other = await stocked(t, { [location]: 20 });
    const email = `${uniq('lister')}@example.com`;
    const a = await captureOrder(
      t,
      orderBody(ch, [{ sku, quantity: 1 }], { placed_at: '2030-01-01T10:00:00.000Z', customer: { email } }),
    );
    const b = await captureOrder(
      t,
      orderBody(ch, [{ sku: other, quantity: 1 }], {
        placed_at: '2030-01-02T10:00:00.000Z',
        payment: { status: 'pending', amount: 1500 },
      }),
    );
    const c = await captureOrder(
      t,
      orderBody(ch, [{ sku, quantity: 1 }], {
        placed_at: '2030-01-03T10:00:00.000Z',
        ship_to: { line1: '1 Main St', city: 'Edison', region: 'NJ', postal_code: '0', country: 'US' },
      }),
    );
    const elsewhere = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));

    const all = await list(`channel=${ch}`);
    expect(all.statusCode).toBe(200);
    expect(numbersOf(all)).toEqual([c.number, b.number, a.number]);
    expect(numbersOf(await list(`channel=${ch}&status=allocated`))).toEqual([a.number]);
    expect(numbersOf(await list(`channel=${ch}&status=on_hold`))).toEqual([c.number, b.number]);
    expect(numbersOf(await list(`sku=${sku}`))).toEqual([elsewhere.number, c.number, a.number]);
    expect(numbersOf(await list(`customer_email=${encodeURIComponent(email.toUpperCase())}`))).toEqual([
      a.number,
    ]);
    expect(numbersOf(await list(`external_id=${b.external_id}`))).toEqual([b.number]);
    expect(
      numbersOf(
        await list(`channel=${ch}&placed_from=2030-01-02T00:00:00.000Z&placed_to=2030-01-03T10:00:00.000Z`),
      ),
    ).toEqual([b.number]);
    expect(numbersOf(await list(`channel=${ch}&placed_from=2030-01-02T10:00:00.000Z`))).toEqual([
      c.number,
      b.number,
    ]);
    expect(numbersOf(await list(`channel=${ch}&hold_kind=payment`))).toEqual([b.number]);
    expect(numbersOf(await list(`channel=${ch}&hold_kind=address`))).toEqual([c.number]);
    expect(numbersOf(await list(`channel=${ch}&hold_kind=fraud`))).toEqual([]);
    expect(numbersOf(await list(`channel=${uniq('none')}`))).toEqual([]);

    for (const query of ['status=lost', 'placed_from=yesterday', 'limit=0', 'limit=501', 'cursor=%%%']) {
      const bad = await list(query);
      expect(bad.statusCode, query).toBe(422);
    }
  });

  it('pages newest first with a cursor', async () => {
    const ch = (await makeChannel(t, { release_delay_minutes: 60 })).code;
    const sku = await stocked(t, { [location]: 20 });
    const numbers: number[] = [];
    for (let i = 0; i < 5; i++) {
      numbers.push((await captureOrder(t, orderBody(ch, [{ sku, quantity: 1 }]))).number);
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(`channel=${ch}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      seen.push(...numbersOf(res));
      cursor = res.json().next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...numbers].reverse());
    const full = (await list(`channel=${ch}&limit=5`)).json();
    expect(full.data[0]).toMatchObject({
      number: numbers[4],
      lines: [{ sku }],
      reservations: [{ location }],
    });
  });
});

describe('a channel-bound key', () => {
  it('sees only its channel: another channel’s order is a 404 everywhere and absent from lists', async () => {
    const mine = (await makeChannel(t, { release_delay_minutes: 60 })).code;
    const sku = await stocked(t, { [location]: 10 });
    const key = await t.keyWith(['orders:read', 'orders:write'], mine);
    const own = await captureOrder(t, orderBody(mine, [{ sku, quantity: 1 }]));
    const foreign = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));

    expect((await get(own.id, key)).statusCode).toBe(200);
    expect((await get(own.number, key)).statusCode).toBe(200);
    for (const ref of [foreign.id, String(foreign.number)]) {
      const res = await get(ref, key);
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    expect((await patch(foreign.id, { tags: ['x'] }, key)).statusCode).toBe(404);
    expect((await cancel(foreign.id, { reason: 'not mine' }, key)).statusCode).toBe(404);
    const payment = await t.request({
      method: 'POST',
      url: `/v1/orders/${foreign.id}/payment`,
      payload: { status: 'failed' },
      key,
    });
    expect(payment.statusCode).toBe(404);
    expect((await get(foreign.id)).json()).toMatchObject({ status: 'allocated', tags: [] });

    const listed = (await list('limit=500', key)).json().data;
    expect(listed.map((o: { id: string }) => o.id)).toEqual([own.id]);
    expect((await list(`channel=${channel}`, key)).json().data).toEqual([]);
    expect((await list(`external_id=${foreign.external_id}`, key)).json().data).toEqual([]);
  });

  it('needs orders:read to read and orders:write to change', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const reader = await t.keyWith(['orders:read']);
    expect((await get(order.id, reader)).statusCode).toBe(200);
    expect((await patch(order.id, { tags: ['x'] }, reader)).statusCode).toBe(403);
    expect((await cancel(order.id, { reason: 'x' }, reader)).statusCode).toBe(403);
    const writer = await t.keyWith(['inventory:read']);
    expect((await get(order.id, writer)).statusCode).toBe(403);
    expect((await list('', writer)).statusCode).toBe(403);
  });
});

describe('POST /v1/orders/{id}/cancel', () => {
  it('cancels the whole order: reservations released, holds cancelled, order.cancelled appended', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const other = await stocked(t, { [location]: 10 });
    const order = await captureOrder(
      t,
      orderBody(
        channel,
        [
          { sku, quantity: 3 },
          { sku: other, quantity: 2 },
        ],
        { payment: { status: 'pending', amount: 5500 } },
      ),
    );
    expect(await reservedOf(t, sku)).toBe(3);
    const res = await cancel(order.id, { reason: 'Customer changed their mind' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'Customer changed their mind',
      reservations: [],
      lines: [
        { sku, quantity: 3, allocated: 0, cancelled: 3 },
        { sku: other, quantity: 2, allocated: 0, cancelled: 2 },
      ],
      holds: [{ kind: 'payment', status: 'cancelled', resolved_at: expect.any(String) }],
    });
    expect(await reservedOf(t, sku)).toBe(0);
    expect(await reservedOf(t, other)).toBe(0);
    expect((await reservationsOf(t, order.id, { ids: true })).map((r) => r.status)).toEqual([
      'released',
      'released',
    ]);
    const events = await eventsOf(t, order.id);
    expect(events.at(-1)).toMatchObject({
      type: 'order.cancelled',
      data: { reason: 'Customer changed their mind', order: { id: order.id, status: 'cancelled' } },
    });
    expect(await brokenInvariants(t.pool)).toEqual([]);

    const again = await cancel(order.id, { reason: 'twice' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');
    expect((await eventsOf(t, order.id)).filter((e) => e.type === 'order.cancelled')).toHaveLength(1);
  });

  it('cancels some line quantities, releasing just those units', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const other = await stocked(t, { [location]: 10 });
    const order = await captureOrder(
      t,
      orderBody(channel, [
        { sku, quantity: 5 },
        { sku: other, quantity: 2 },
      ]),
    );
    const [first, second] = order.lines;
    const res = await cancel(order.id, {
      reason: 'Out of budget',
      lines: [{ line_id: first.id, quantity: 2 }],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'allocated',
      cancel_reason: null,
      lines: [
        { sku, quantity: 5, allocated: 3, cancelled: 2 },
        { sku: other, quantity: 2, allocated: 2, cancelled: 0 },
      ],
      reservations: [
        {
          location,
          items: [
            { line_id: first.id, quantity: 3 },
            { line_id: second.id, quantity: 2 },
          ],
        },
      ],
    });
    expect(await reservedOf(t, sku)).toBe(3);
    expect(await reservedOf(t, other)).toBe(2);
    const updated = (await eventsOf(t, order.id)).at(-1);
    expect(updated).toMatchObject({
      type: 'order.updated',
      data: {
        change: 'lines_cancelled',
        reason: 'Out of budget',
        order: { lines: [{ cancelled: 2 }, { cancelled: 0 }] },
      },
    });

    // Cancelling everything that is left cancels the order.
    const rest = await cancel(order.id, {
      reason: 'All of it',
      lines: [
        { line_id: first.id, quantity: 3 },
        { line_id: second.id, quantity: 2 },
      ],
    });
    expect(rest.statusCode, rest.body).toBe(200);
    expect(rest.json()).toMatchObject({ status: 'cancelled', lines: [{ cancelled: 5 }, { cancelled: 2 }] });
    expect(await reservedOf(t, sku)).toBe(0);
    expect(await reservedOf(t, other)).toBe(0);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('refuses more than is open, or a line of another order, changing nothing', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    const stranger = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const res = await cancel(order.id, {
      reason: 'x',
      lines: [
        { line_id: order.lines[0].id, quantity: 3 },
        { line_id: stranger.lines[0].id, quantity: 1 },
      ],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual([
      '/lines/0/quantity',
      '/lines/1/line_id',
    ]);
    const partlyValid = await cancel(order.id, {
      reason: 'x',
      lines: [
        { line_id: order.lines[0].id, quantity: 1 },
        { line_id: stranger.lines[0].id, quantity: 1 },
      ],
    });
    expect(partlyValid.statusCode).toBe(422);
    expect(await linesOf(order.id)).toEqual([
      { sku, quantity: 2, allocated: 2, backordered: 0, cancelled: 0 },
    ]);
    expect(await reservedOf(t, sku)).toBe(3);
    expect(
      (await cancel(order.id, { reason: 'x', lines: [{ line_id: order.lines[0].id, quantity: 0 }] }))
        .statusCode,
    ).toBe(422);
    expect((await cancel(order.id, {})).statusCode).toBe(422);
    expect((await cancel('00000000-0000-4000-8000-000000000000', { reason: 'x' })).statusCode).toBe(404);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('cancels backordered units before reserved ones', async () => {
    const backorders = (await makeChannel(t, { release_delay_minutes: 60, allow_backorders: true })).code;
    const sku = await stocked(t, { [location]: 2 });
    const order = await captureOrder(t, orderBody(backorders, [{ sku, quantity: 5 }]));
    expect(order.lines[0]).toMatchObject({ allocated: 2, backordered: 3 });
    const res = await cancel(order.id, {
      reason: 'fewer',
      lines: [{ line_id: order.lines[0].id, quantity: 3 }],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'allocated',
      lines: [{ allocated: 2, backordered: 0, cancelled: 3 }],
    });
    expect(await reservedOf(t, sku)).toBe(2);
  });

  it('cancels an order on a stock hold, which has nothing reserved', async () => {
    const sku = await stocked(t, { [location]: 1 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 3 }]));
    expect(order.holds).toEqual([expect.objectContaining({ kind: 'stock' })]);
    const res = await cancel(order.id, { reason: 'no stock' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'cancelled',
      lines: [{ allocated: 0, cancelled: 3 }],
      holds: [{ kind: 'stock', status: 'cancelled' }],
    });
    expect(await reservedOf(t, sku)).toBe(0);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('a partial cancel that makes a short order fit resolves its stock hold', async () => {
    const sku = await stocked(t, { [location]: 2 });
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 3 }], { payment: { status: 'captured', amount: 2500 } }),
    );
    expect(order.status).toBe('on_hold');
    const res = await cancel(order.id, {
      reason: 'take two',
      lines: [{ line_id: order.lines[0].id, quantity: 1 }],
    });
    expect(res.statusCode, res.body).toBe(200);
    // The payment no longer matches the total, so the order moves from a stock hold to a payment hold.
    expect(res.json()).toMatchObject({ lines: [{ allocated: 2, cancelled: 1 }] });
    expect(res.json().holds.find((h: { kind: string }) => h.kind === 'stock').status).toBe('released');
    expect(await reservedOf(t, sku)).toBe(2);
  });
});

describe('PATCH /v1/orders/{id}', () => {
  const good = { line1: '350 5th Ave', city: 'New York', region: 'NY', postal_code: '10118', country: 'US' };

  it('re-validates the address: a bad one holds the order, fixing it resolves the hold by itself', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    const broken = await patch(order.id, { ship_to: { ...good, postal_code: '999' } });
    expect(broken.statusCode, broken.body).toBe(200);
    expect(broken.json()).toMatchObject({
      status: 'on_hold',
      ship_to: { postal_code: '999' },
      holds: [{ kind: 'address', status: 'open' }],
      lines: [{ allocated: 2 }],
    });
    expect(
      (await reservationsOf(t, order.id, { ids: true })).filter((r) => r.status === 'active')[0].expires_at,
    ).not.toBeNull();

    const fixed = await patch(order.id, { ship_to: { ...good, line1: '20 W 34th St' } });
    expect(fixed.statusCode, fixed.body).toBe(200);
    expect(fixed.json()).toMatchObject({
      status: 'allocated',
      ship_to: { line1: '20 W 34th St', postal_code: '10118' },
      holds: [{ kind: 'address', status: 'released', note: expect.stringContaining('automatically') }],
      lines: [{ allocated: 2 }],
    });
    const active = (await reservationsOf(t, order.id, { ids: true })).filter((r) => r.status === 'active');
    expect(active.map((r) => [r.quantity, r.expires_at])).toEqual([[2, null]]);
    expect(await reservedOf(t, sku)).toBe(2);
    const types = (await eventsOf(t, order.id)).map((e) => e.type);
    expect(types).toEqual([
      'order.created',
      'order.routed',
      'order.allocated',
      'order.updated',
      'order.held',
      'order.updated',
      'order.hold_released',
      'order.allocated',
    ]);
    const updated = (await eventsOf(t, order.id)).find((e) => e.type === 'order.updated');
    expect(updated?.data).toMatchObject({ change: 'edited', fields: ['ship_to'], order: { id: order.id } });
  });

  it('checks a PO box against the new service level', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], { ship_to: { ...good, line1: 'PO Box 12' } }),
    );
    expect(order.status).toBe('allocated');
    const res = await patch(order.id, { shipping: { service_level: 'express', amount: 500 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'on_hold', priority: 1000, holds: [{ kind: 'address' }] });
  });

  it('changes quantities, removes and adds lines, and re-allocates them', async () => {
    const a = await stocked(t, { [location]: 10 });
    const b = await stocked(t, { [location]: 10 });
    const c = await stocked(t, { [location]: 10 });
    const order = await captureOrder(
      t,
      orderBody(channel, [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 1 },
      ]),
    );
    // Same total (3500), so the payment still covers it.
    const res = await patch(order.id, {
      lines: [
        { sku: a, quantity: 1, unit_price: 1000 },
        { sku: c, quantity: 2, unit_price: 1000 },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const edited = res.json();
    expect(edited).toMatchObject({
      status: 'allocated',
      totals: { subtotal: 3000, total: 3500 },
      holds: [],
      lines: [
        { id: order.lines[0].id, line_number: 1, sku: a, quantity: 1, allocated: 1 },
        { line_number: 3, sku: c, quantity: 2, allocated: 2 },
      ],
    });
    expect(await linesOf(order.id)).toEqual([
      { sku: a, quantity: 1, allocated: 1, backordered: 0, cancelled: 0 },
      { sku: c, quantity: 2, allocated: 2, backordered: 0, cancelled: 0 },
    ]);
    expect([await reservedOf(t, a), await reservedOf(t, b), await reservedOf(t, c)]).toEqual([1, 0, 2]);
    const active = (await reservationsOf(t, order.id, { ids: true })).filter((r) => r.status === 'active');
    expect(active.map((r) => [Number(r.order_line_id), r.quantity])).toEqual([
      [edited.lines[0].id, 1],
      [edited.lines[1].id, 2],
    ]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('opens a payment hold when new lines change the total', async () => {
    const sku = await stocked(t, { [location]: 10 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const res = await patch(order.id, { lines: [{ sku, quantity: 3, unit_price: 1000 }] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'on_hold',
      totals: { total: 3500 },
      holds: [{ kind: 'payment', details: { paid: 1500, total: 3500 } }],
      lines: [{ quantity: 3, allocated: 3 }],
    });
  });

  it('changes nothing at all when a line names an unknown SKU', async () => {
    const a = await stocked(t, { [location]: 10 });
    const b = await stocked(t, { [location]: 10 });
    const order = await captureOrder(
      t,
      orderBody(channel, [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 1 },
      ]),
    );
    const before = {
      reservations: await reservationsOf(t, order.id, { ids: true }),
      lines: await linesOf(order.id),
      row: (await t.pool.query('SELECT * FROM orders WHERE id = $1', [order.id])).rows[0],
      events: (await eventsOf(t, order.id)).length,
    };
    const res = await patch(order.id, {
      ship_to: { ...good, line1: '1 New St' },
      lines: [
        { sku: a, quantity: 5, unit_price: 1000 },
        { sku: uniq('GHOST'), quantity: 1, unit_price: 1000 },
      ],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ in: 'body', pointer: '/lines/1/sku', detail: expect.any(String) }]);
    expect(await reservationsOf(t, order.id, { ids: true })).toEqual(before.reservations);
    expect(await linesOf(order.id)).toEqual(before.lines);
    expect((await t.pool.query('SELECT * FROM orders WHERE id = $1', [order.id])).rows[0]).toEqual(
      before.row,
    );
    expect((await eventsOf(t, order.id)).length).toBe(before.events);
    expect([await reservedOf(t, a), await reservedOf(t, b)]).toEqual([2, 1]);

    const duplicate = await patch(order.id, {
      lines: [
        { sku: a, quantity: 1, unit_price: 1000 },
        { sku: a, quantity: 2, unit_price: 1000 },
      ],
    });
    expect(duplicate.statusCode).toBe(422);
    const tooMuchDiscount = await patch(order.id, { discounts: [{ amount: 1_000_000 }] });
    expect(tooMuchDiscount.statusCode).toBe(422);
    expect((await patch(order.id, {})).statusCode).toBe(422);
    expect((await patch(order.id, { lines: [{ sku: a, quantity: 1.5, unit_price: 1000 }] })).statusCode).toBe(
      422,
    );
    expect(await reservationsOf(t, order.id, { ids: true })).toEqual(before.reservations);
    expect(await linesOf(order.id)).toEqual(before.lines);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('with too little stock for the new lines, the change applies, keeps what was reserved and waits on a stock hold', async () => {
    const sku = await stocked(t, { [location]: 3 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    const res = await patch(order.id, { lines: [{ sku, quantity: 4, unit_price: 1000 }] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'on_hold',
      lines: [{ quantity: 4, allocated: 2 }],
      reservations: [{ items: [{ sku, quantity: 2 }] }],
    });
    expect(res.json().holds.map((h: { kind: string }) => h.kind)).toContain('stock');
    expect(await reservedOf(t, sku)).toBe(2);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('updates customer, tags and metadata, appending order.updated', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const res = await patch(order.id, {
      customer: { email: 'New.Person@Example.com', name: 'New Person' },
      tags: ['vip'],
      metadata: { note: 'gift wrap' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'allocated',
      customer: { email: 'New.Person@Example.com' },
      tags: ['vip'],
      metadata: { note: 'gift wrap' },
    });
    expect(numbersOf(await list('customer_email=new.person@example.com'))).toEqual([order.number]);
    expect((await eventsOf(t, order.id)).at(-1)).toMatchObject({
      type: 'order.updated',
      data: { change: 'edited', order: { tags: ['vip'] } },
    });
  });

  it('refuses to change a cancelled order, and an unknown order is a 404', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect((await cancel(order.id, { reason: 'gone' })).statusCode).toBe(200);
    const res = await patch(order.id, { ship_to: good });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('conflict');
    expect((await patch(order.id, { lines: [{ sku, quantity: 1, unit_price: 1 }] })).statusCode).toBe(409);
    expect(await reservedOf(t, sku)).toBe(0);
    expect((await patch('00000000-0000-4000-8000-000000000000', { tags: [] })).statusCode).toBe(404);
  });
});
