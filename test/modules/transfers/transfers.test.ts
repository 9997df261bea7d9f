import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferView } from '../../../src/modules/transfers/transfers.schemas.js';
import { isoTime, listAll } from '../../helpers/api.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked, uniq } from '../../helpers/factories.js';
import { eventsOf, eventTypes, postOrder } from '../../helpers/orders.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';
import { brokenInvariants, levelOf } from '../../helpers/stock.js';
import { databaseDigest } from '../../helpers/world.js';

let t: TestApp;
let channel: string;
/** Two locations; stock starts at `dc` unless a test says otherwise. */
let dc: string;
let store: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t)).code;
  dc = (await makeLocation(t)).code;
  store = (await makeLocation(t, { kind: 'store' })).code;
});
afterAll(() => t.close());

const post = (url: string, payload: object = {}, key: string = t.adminKey) =>
  t.request({ method: 'POST', url, payload, key });

async function created(payload: object): Promise<TransferView> {
  const res = await post('/v1/transfers', payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function ok(url: string, payload: object = {}): Promise<TransferView> {
  const res = await post(url, payload);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const movements = async (reference: string) =>
  (await t.request({ method: 'GET', url: `/v1/inventory/movements?reference=${reference}` })).json()
    .data as Array<{ sku: string; location: string; reason: string; quantity_change: number }>;

/** The level's on_hand and available at a location (0 where there is no level yet). */
async function stockAt(sku: string, location: string) {
  const level = await levelOf(t, sku, location);
  return { on_hand: level?.on_hand ?? 0, available: level?.available ?? 0 };
}

/** The tables as they are once the workers a request nudged (release, backorders) are done. */
async function digest() {
  await t.app.services.releaser.idle();
  await t.app.services.backorders.idle();
  return databaseDigest(t);
}

/** Asserts a 422 naming these body fields, and that no table changed. */
async function expectRefused(send: () => ReturnType<typeof post>, pointers: string[]) {
  const before = await digest();
  const res = await send();
  const problem = expectInvalid(res, pointers);
  expect(await digest()).toEqual(before);
  return problem;
}

describe('a transfer shipped and received', () => {
  it('moves units out of the source into transit, then into the destination, with the ledger and events', async () => {
    const shirt = await stocked(t, { [dc]: 30 });
    const mug = await stocked(t, { [dc]: 10, [store]: 1 });
    const transfer = await created({
      source: dc,
      destination: store,
      lines: [
        { sku: shirt, quantity: 12 },
        { sku: mug, quantity: 4 },
      ],
      reference: uniq('TO'),
      note: 'Weekend restock',
    });
    expect(transfer).toMatchObject({
      id: expect.any(String),
      number: expect.any(Number),
      source: dc,
      destination: store,
      status: 'requested',
      note: 'Weekend restock',
      shipped_at: null,
      created_at: isoTime,
      lines: [
        { sku: shirt, quantity: 12, shipped: 0, received: 0, in_transit: 0, over: 0, short: 0 },
        { sku: mug, quantity: 4, shipped: 0, received: 0, in_transit: 0, over: 0, short: 0 },
      ],
    });
    // Nothing moves before it ships.
    expect(await stockAt(shirt, dc)).toEqual({ on_hand: 30, available: 30 });

    const shipped = await ok(`/v1/transfers/${transfer.id}/ship`, {
      carrier: 'ups',
      tracking_number: '1Z999',
    });
    expect(shipped).toMatchObject({ status: 'in_transit', carrier: 'ups', shipped_at: isoTime });
    expect(shipped.lines.map((l) => [l.shipped, l.in_transit])).toEqual([
      [12, 12],
      [4, 4],
    ]);
    expect(await stockAt(shirt, dc)).toEqual({ on_hand: 18, available: 18 });
    expect(await stockAt(mug, dc)).toEqual({ on_hand: 6, available: 6 });
    expect(await stockAt(mug, store)).toEqual({ on_hand: 1, available: 1 });

    const part = await ok(`/v1/transfers/${transfer.id}/receive`, { lines: [{ sku: shirt, quantity: 12 }] });
    expect(part.status).toBe('partially_received');
    expect(part.lines.map((l) => [l.received, l.in_transit])).toEqual([
      [12, 0],
      [0, 4],
    ]);
    expect(await stockAt(shirt, store)).toEqual({ on_hand: 12, available: 12 });

    const done = await ok(`/v1/transfers/${transfer.id}/receive`, { lines: [{ sku: mug, quantity: 4 }] });
    expect(done).toMatchObject({ status: 'received', received_at: isoTime });
    expect(done.lines.map((l) => [l.received, l.in_transit, l.short, l.over])).toEqual([
      [12, 0, 0, 0],
      [4, 0, 0, 0],
    ]);
    expect(await stockAt(mug, store)).toEqual({ on_hand: 5, available: 5 });

    expect(
      (await movements(`transfer:${transfer.id}`)).map((m) => [
        m.sku,
        m.location,
        m.reason,
        m.quantity_change,
      ]),
    ).toEqual([
      [mug, store, 'transfer', 4],
      [shirt, store, 'transfer', 12],
      [mug, dc, 'transfer', -4],
      [shirt, dc, 'transfer', -12],
    ]);
    expect(await eventTypes(t, transfer.id)).toEqual([
      'transfer.created',
      'transfer.shipped',
      'transfer.received',
      'transfer.received',
    ]);
    const [, , firstReceipt] = await eventsOf(t, transfer.id);
    expect(firstReceipt?.data).toMatchObject({
      transfer: { id: transfer.id, status: 'partially_received' },
      receipt: { lines: [{ sku: shirt, quantity: 12 }], complete: false },
    });
    expect(firstReceipt?.channel).toBeNull();
    // What the channel may sell moved with the stock, announced as for any stock change.
    const announced = await t.pool.query(
      `SELECT data FROM events WHERE type = 'inventory.availability_changed' AND data->>'sku' = $1 ORDER BY sequence`,
      [shirt],
    );
    expect(announced.rows.map((row) => row.data.available)).toEqual([30, 18, 30]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('completes short, records over-receipts when said so, and serves GET and filtered lists', async () => {
    const sku = await stocked(t, { [dc]: 20 });
    const other = await stocked(t, { [dc]: 20 });
    const transfer = await created({
      source: dc,
      destination: store,
      lines: [
        { sku, quantity: 10 },
        { sku: other, quantity: 5 },
      ],
    });
    await ok(`/v1/transfers/${transfer.id}/ship`);
    const over = await ok(`/v1/transfers/${transfer.id}/receive`, {
      lines: [{ sku: other, quantity: 6, over_receipt: true }],
    });
    expect(over.lines[1]).toMatchObject({ shipped: 5, received: 6, over: 1, in_transit: 0 });
    const short = await ok(`/v1/transfers/${transfer.id}/receive`, {
      lines: [{ sku, quantity: 7 }],
      complete: true,
    });
    expect(short.status).toBe('received');
    expect(short.lines[0]).toMatchObject({ shipped: 10, received: 7, short: 3, in_transit: 0 });
    expect(await stockAt(sku, dc)).toEqual({ on_hand: 10, available: 10 });
    expect(await stockAt(sku, store)).toEqual({ on_hand: 7, available: 7 });
    expect(await stockAt(other, store)).toEqual({ on_hand: 6, available: 6 });
    // Received is final.
    expectProblem(await post(`/v1/transfers/${transfer.id}/receive`, { lines: [{ sku, quantity: 1 }] }), 409);
    expectProblem(await post(`/v1/transfers/${transfer.id}/cancel`), 409);

    const got = await t.request({ method: 'GET', url: `/v1/transfers/${transfer.id}` });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(short);
    const bySku = await listAll<TransferView>(t, '/v1/transfers', `sku=${sku}`);
    expect(bySku.map((x) => x.id)).toEqual([transfer.id]);
    const received = await listAll<TransferView>(t, '/v1/transfers', `status=received&source=${dc}`, 1);
    expect(received.map((x) => x.id)).toContain(transfer.id);
    expect(received.every((x) => x.status === 'received' && x.source === dc)).toBe(true);
    // Newest first.
    const numbers = (await listAll<TransferView>(t, '/v1/transfers', '', 2)).map((x) => x.number);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});

describe('cancelling a transfer', () => {
  it('before shipping moves nothing; in transit puts the units back at the source; after a receipt is a 409', async () => {
    const sku = await stocked(t, { [dc]: 9 });
    const early = await created({ source: dc, destination: store, lines: [{ sku, quantity: 3 }] });
    const cancelled = await ok(`/v1/transfers/${early.id}/cancel`, { reason: 'not needed' });
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'not needed',
      cancelled_at: isoTime,
    });
    expect(await movements(`transfer:${early.id}`)).toEqual([]);
    expectProblem(await post(`/v1/transfers/${early.id}/ship`), 409);

    const travelling = await created({ source: dc, destination: store, lines: [{ sku, quantity: 4 }] });
    await ok(`/v1/transfers/${travelling.id}/ship`);
    expect(await stockAt(sku, dc)).toEqual({ on_hand: 5, available: 5 });
    const back = await ok(`/v1/transfers/${travelling.id}/cancel`);
    expect(back.status).toBe('cancelled');
    expect(back.lines[0]).toMatchObject({ shipped: 4, received: 0, in_transit: 0 });
    expect(await stockAt(sku, dc)).toEqual({ on_hand: 9, available: 9 });
    expect(await stockAt(sku, store)).toEqual({ on_hand: 0, available: 0 });
    expect(
      (await movements(`transfer:${travelling.id}`)).map((m) => [m.location, m.quantity_change]),
    ).toEqual([
      [dc, 4],
      [dc, -4],
    ]);
    expect(await eventTypes(t, travelling.id)).toEqual([
      'transfer.created',
      'transfer.shipped',
      'transfer.cancelled',
    ]);

    const arrived = await created({ source: dc, destination: store, lines: [{ sku, quantity: 2 }] });
    await ok(`/v1/transfers/${arrived.id}/ship`);
    await ok(`/v1/transfers/${arrived.id}/receive`, { lines: [{ sku, quantity: 1 }] });
    const before = await digest();
    expectProblem(await post(`/v1/transfers/${arrived.id}/cancel`), 409, 'conflict');
    expect(await digest()).toEqual(before);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});

describe('bad input: a 422 naming the field, and nothing changes', () => {
  it('refuses a transfer to the same location, unknown locations and SKUs, a SKU twice, a quantity below 1', async () => {
    const sku = await stocked(t, { [dc]: 5 });
    const lines = [{ sku, quantity: 1 }];
    await expectRefused(
      () => post('/v1/transfers', { source: dc, destination: dc, lines }),
      ['/destination'],
    );
    await expectRefused(
      () => post('/v1/transfers', { source: 'NOWHERE', destination: 'NOWHERE-2', lines }),
      ['/source', '/destination'],
    );
    await expectRefused(
      () =>
        post('/v1/transfers', {
          source: dc,
          destination: store,
          lines: [{ sku: 'NO-SUCH-SKU', quantity: 1 }],
        }),
      ['/lines/0/sku'],
    );
    await expectRefused(
      () =>
        post('/v1/transfers', {
          source: dc,
          destination: store,
          lines: [
            { sku, quantity: 1 },
            { sku, quantity: 2 },
          ],
        }),
      ['/lines/1/sku'],
    );
    for (const quantity of [0, -3, 1.5]) {
      await expectRefused(
        () => post('/v1/transfers', { source: dc, destination: store, lines: [{ sku, quantity }] }),
        ['/lines/0/quantity'],
      );
    }
    await expectRefused(
      () => post('/v1/transfers', { source: dc, destination: store, lines: [] }),
      ['/lines'],
    );
  });

  it('refuses more than is free at the source: reserved and damaged units are not free', async () => {
    const sku = await stocked(t, { [dc]: 10 });
    // 3 reserved by an order, 2 damaged: 5 free.
    const order = await postOrder(t, orderBody(channel, [{ sku, quantity: 3 }]));
    expect(order.json().status, order.body).toBe('allocated');
    const damaged = await post('/v1/inventory/state-moves', {
      reference: uniq('dmg'),
      items: [{ sku, location: dc, from: 'sellable', to: 'damaged', quantity: 2 }],
    });
    expect(damaged.statusCode, damaged.body).toBe(201);
    const problem = await expectRefused(
      () => post('/v1/transfers', { source: dc, destination: store, lines: [{ sku, quantity: 6 }] }),
      ['/lines/0/quantity'],
    );
    expect(problem.errors?.[0]?.detail).toMatch(/only 5 of .* are free/);
    const transfer = await created({ source: dc, destination: store, lines: [{ sku, quantity: 5 }] });
    // Another order takes one of the five before the transfer ships: shipping is refused, nothing moves.
    const second = await postOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(second.json().status, second.body).toBe('allocated');
    const shipped = await expectRefused(
      () => post(`/v1/transfers/${transfer.id}/ship`),
      ['/lines/0/quantity'],
    );
    expect(shipped.errors?.[0]?.detail).toMatch(/only 4 are free/);
    expect((await t.request({ method: 'GET', url: `/v1/transfers/${transfer.id}` })).json().status).toBe(
      'requested',
    );
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('refuses receipts of SKUs not on the transfer, unannounced over-receipts, and empty receipts', async () => {
    const sku = await stocked(t, { [dc]: 5 });
    const transfer = await created({ source: dc, destination: store, lines: [{ sku, quantity: 2 }] });
    expectProblem(
      await post(`/v1/transfers/${transfer.id}/receive`, { lines: [{ sku, quantity: 1 }] }),
      409,
      'conflict',
    );
    await ok(`/v1/transfers/${transfer.id}/ship`);
    const other = await stocked(t, {});
    await expectRefused(
      () => post(`/v1/transfers/${transfer.id}/receive`, { lines: [{ sku: other, quantity: 1 }] }),
      ['/lines/0/sku'],
    );
    const over = await expectRefused(
      () =>
        post(`/v1/transfers/${transfer.id}/receive`, {
          lines: [
            { sku, quantity: 2 },
            { sku, quantity: 1 },
          ],
        }),
      ['/lines/1/quantity'],
    );
    expect(over.errors?.[0]?.detail).toMatch(/over-receipt of 1; set over_receipt/);
    await expectRefused(() => post(`/v1/transfers/${transfer.id}/receive`, { lines: [] }), ['/lines']);
    await expectRefused(
      () => post(`/v1/transfers/${transfer.id}/receive`, { lines: [{ sku, quantity: 0 }] }),
      ['/lines/0/quantity'],
    );
  });

  it('answers a reference used before with a 409, an unknown transfer with a 404', async () => {
    const sku = await stocked(t, { [dc]: 5 });
    const reference = uniq('TO');
    await created({ source: dc, destination: store, lines: [{ sku, quantity: 1 }], reference });
    const before = await digest();
    const again = await post('/v1/transfers', {
      source: dc,
      destination: store,
      lines: [{ sku, quantity: 1 }],
      reference,
    });
    expect(expectProblem(again, 409, 'conflict').detail).toContain(reference);
    expect(await digest()).toEqual(before);
    const listed = await listAll<TransferView>(t, '/v1/transfers', `reference=${reference}`);
    expect(listed).toHaveLength(1);
    const missing = '00000000-0000-4000-8000-000000000000';
    expectProblem(await t.request({ method: 'GET', url: `/v1/transfers/${missing}` }), 404, 'not_found');
    expectProblem(await post(`/v1/transfers/${missing}/ship`), 404, 'not_found');
    expectInvalid(await t.request({ method: 'GET', url: '/v1/transfers/not-a-uuid' }), ['/id'], 'params');
  });
});

describe('security', () => {
  it('needs a key, the inventory scopes, and a key not bound to a channel', async () => {
    const sku = await stocked(t, { [dc]: 5 });
    const transfer = await created({ source: dc, destination: store, lines: [{ sku, quantity: 1 }] });
    const body = { source: dc, destination: store, lines: [{ sku, quantity: 1 }] };
    const reader = await t.keyWith(['inventory:read']);
    const orders = await t.keyWith(['orders:read', 'orders:write']);
    const bound = await t.keyWith(['inventory:read', 'inventory:write'], channel);
    const before = await digest();

    expectProblem(
      await t.request({ method: 'POST', url: '/v1/transfers', payload: body, key: null }),
      401,
      'unauthorized',
    );
    expectProblem(await t.request({ method: 'GET', url: '/v1/transfers', key: null }), 401, 'unauthorized');

    expectProblem(await post('/v1/transfers', body, reader), 403, 'forbidden');
    expectProblem(await post(`/v1/transfers/${transfer.id}/ship`, {}, reader), 403, 'forbidden');
    expect(
      (await t.request({ method: 'GET', url: `/v1/transfers/${transfer.id}`, key: reader })).statusCode,
    ).toBe(200);
    expectProblem(await t.request({ method: 'GET', url: '/v1/transfers', key: orders }), 403, 'forbidden');

    // A storefront's key, even with the inventory scopes, neither sees nor moves transfers.
    expectProblem(await post('/v1/transfers', body, bound), 403, 'forbidden');
    expectProblem(await post(`/v1/transfers/${transfer.id}/ship`, {}, bound), 403, 'forbidden');
    expectProblem(await post(`/v1/transfers/${transfer.id}/cancel`, {}, bound), 403, 'forbidden');
    expectProblem(await t.request({ method: 'GET', url: '/v1/transfers', key: bound }), 403, 'forbidden');
    expectProblem(
      await t.request({ method: 'GET', url: `/v1/transfers/${transfer.id}`, key: bound }),
      403,
      'forbidden',
    );
    expect(await digest()).toEqual(before);
    // Nor does it read their events: they belong to no channel.
    const feed = await t.request({ method: 'GET', url: '/v1/events?after=0&limit=500', key: bound });
    expect(feed.json().data.filter((e: { type: string }) => e.type.startsWith('transfer.'))).toEqual([]);
  });
});
