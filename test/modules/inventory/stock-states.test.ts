import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import {
  empireStateBuilding,
  makeCarrier,
  makeChannel,
  makeLocation,
  orderBody,
  stocked,
  uniq,
} from '../../helpers/factories.js';
import { postOrder } from '../../helpers/orders.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';
import { brokenInvariants, levelOf } from '../../helpers/stock.js';
import { databaseDigest } from '../../helpers/world.js';

let t: TestApp;
let channel: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t)).code;
  location = (await makeLocation(t)).code;
  await makeCarrier(t);
});
afterAll(() => t.close());

const post = (url: string, payload: object, key: string = t.adminKey) =>
  t.request({ method: 'POST', url, payload, key });

type State = 'sellable' | 'damaged' | 'quality_control';
const move = (sku: string, from: State, to: State, quantity: number, reference = uniq('mv')) =>
  post('/v1/inventory/state-moves', { reference, items: [{ sku, location, from, to, quantity }] });

async function moved(sku: string, from: State, to: State, quantity: number) {
  const res = await move(sku, from, to, quantity);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const adjust = (items: object[]) =>
  post('/v1/inventory/adjustments', { reference: uniq('adj'), reason: 'adjustment', items });

const availableToWeb = async (sku: string) =>
  (await t.request({ method: 'GET', url: `/v1/inventory/availability?sku=${sku}&channel=${channel}` })).json()
    .data[0];

/** The tables as they are once the workers a request nudged (release, backorders) are done. */
async function digest() {
  await t.app.services.releaser.idle();
  await t.app.services.backorders.idle();
  return databaseDigest(t);
}

/** Asserts a 422 naming these body fields, and that no table changed. */
async function expectRefused(send: () => ReturnType<typeof post>, pointers: string[]) {
  const before = await digest();
  const problem = expectInvalid(await send(), pointers);
  expect(await digest()).toEqual(before);
  return problem;
}

describe('stock states', () => {
  it('keeps damaged and quality-control units on hand but never available; moves write the ledger', async () => {
    const sku = await stocked(t, { [location]: 20 });
    const result = await moved(sku, 'sellable', 'quality_control', 6);
    expect(result).toMatchObject({ kind: 'state_move', applied: true, items: 1, shortfalls: [] });
    await moved(sku, 'quality_control', 'damaged', 2);
    expect(await levelOf(t, sku, location)).toMatchObject({
      on_hand: 20,
      reserved: 0,
      damaged: 2,
      quality_control: 4,
      available: 14,
    });
    expect(await availableToWeb(sku)).toMatchObject({
      available: 14,
      locations: [{ location, on_hand: 20, damaged: 2, quality_control: 4, available: 14 }],
    });
    // Inspected: 3 go back to sale.
    await moved(sku, 'quality_control', 'sellable', 3);
    expect(await levelOf(t, sku, location)).toMatchObject({ on_hand: 20, quality_control: 1, available: 17 });

    const ledger = (
      await t.request({ method: 'GET', url: `/v1/inventory/movements?sku=${sku}&reason=state_change` })
    ).json().data;
    expect(
      ledger.map((m: Record<string, unknown>) => [m.stock_state, m.quantity_change, m.on_hand_after]),
    ).toEqual([
      ['sellable', 3, 20],
      ['quality_control', -3, 20],
      ['damaged', 2, 20],
      ['quality_control', -2, 20],
      ['quality_control', 6, 20],
      ['sellable', -6, 20],
    ]);
    const damagedRows = (
      await t.request({ method: 'GET', url: `/v1/inventory/movements?sku=${sku}&stock_state=damaged` })
    ).json().data;
    expect(damagedRows).toHaveLength(1);
    const announced = await t.pool.query(
      `SELECT data FROM events WHERE type = 'inventory.availability_changed' AND data->>'sku' = $1 ORDER BY sequence`,
      [sku],
    );
    // Received 20, 6 into quality control, then 3 back; quality control to damaged changes no sale.
    expect(announced.rows.map((row) => [row.data.previous, row.data.available])).toEqual([
      [0, 20],
      [20, 14],
      [14, 17],
    ]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('routes, promises and captures only sellable units', async () => {
    const sku = await stocked(t, { [location]: 5 });
    await moved(sku, 'sellable', 'damaged', 3);
    const promise = async (quantity: number) =>
      (
        await post('/v1/promise', {
          channel,
          lines: [{ sku, quantity }],
          destination: empireStateBuilding,
          service_level: 'standard',
        })
      ).json().options;
    expect(await promise(2)).not.toEqual([]);
    expect(await promise(3)).toEqual([]);
    const simulated = await post('/v1/routing/simulate', {
      channel,
      lines: [{ sku, quantity: 3 }],
      ship_to: empireStateBuilding,
      service_level: 'standard',
    });
    expect(simulated.statusCode, simulated.body).toBe(200);
    expect(simulated.json().unfilled).toEqual([{ sku, quantity: 3 }]);
    // An order of 3 cannot be filled (2 sellable); one of 2 can.
    const short = await postOrder(t, orderBody(channel, [{ sku, quantity: 3 }]));
    expect(short.json()).toMatchObject({ status: 'on_hold', reservations: [] });
    const fits = await postOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    expect(fits.json().status).toBe('allocated');
    expect(await levelOf(t, sku, location)).toMatchObject({
      on_hand: 5,
      reserved: 2,
      damaged: 3,
      available: 0,
    });
    // Reserved units are not free: they cannot be declared damaged.
    const problem = await expectRefused(() => move(sku, 'sellable', 'damaged', 1), ['/items/0/quantity']);
    expect(problem.errors?.[0]?.detail).toMatch(/has 0 free sellable unit/);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('receives and writes off damaged units through adjustments, never below what each state holds', async () => {
    const sku = await stocked(t, { [location]: 4 });
    const received = await adjust([{ sku, location, delta: 3, state: 'damaged' }]);
    expect(received.statusCode, received.body).toBe(201);
    expect(await levelOf(t, sku, location)).toMatchObject({ on_hand: 7, damaged: 3, available: 4 });
    const written = await adjust([{ sku, location, delta: -2, state: 'damaged' }]);
    expect(written.statusCode, written.body).toBe(201);
    expect(await levelOf(t, sku, location)).toMatchObject({ on_hand: 5, damaged: 1, available: 4 });

    await expectRefused(() => adjust([{ sku, location, delta: -2, state: 'damaged' }]), ['/items/0']);
    await expectRefused(() => adjust([{ sku, location, delta: -1, state: 'quality_control' }]), ['/items/0']);
    // 5 on hand, 1 of them damaged: taking 5 sellable units would leave fewer on hand than are damaged.
    const below = await expectRefused(() => adjust([{ sku, location, delta: -5 }]), ['/items/0']);
    expect(below.errors?.[0]?.detail).toMatch(/fewer than its 1 damaged or in quality control/);
    await expectRefused(
      () => post('/v1/inventory/counts', { reference: uniq('cc'), items: [{ sku, location, on_hand: 0 }] }),
      ['/items/0'],
    );
    const counted = await post('/v1/inventory/counts', {
      reference: uniq('cc'),
      items: [{ sku, location, on_hand: 1 }],
    });
    expect(counted.statusCode, counted.body).toBe(201);
    expect(await levelOf(t, sku, location)).toMatchObject({ on_hand: 1, damaged: 1, available: 0 });
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('replays a reference without moving anything again', async () => {
    const sku = await stocked(t, { [location]: 4 });
    const reference = uniq('qc');
    const first = await move(sku, 'sellable', 'quality_control', 2, reference);
    expect(first.statusCode).toBe(201);
    const before = await digest();
    const again = await move(sku, 'sellable', 'quality_control', 2, reference);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ...first.json(), applied: false });
    expect(await digest()).toEqual(before);
    // A reference an adjustment used is a conflict.
    const adjusted = await post('/v1/inventory/adjustments', {
      reference,
      reason: 'adjustment',
      items: [{ sku, location, delta: 1 }],
    });
    expectProblem(adjusted, 409, 'conflict');
  });
});

describe('bad state moves: a 422 naming the field, and nothing changes', () => {
  it('refuses more than a state holds, a move to the same state, unknown SKUs and locations, quantities below 1', async () => {
    const sku = await stocked(t, { [location]: 4 });
    await moved(sku, 'sellable', 'damaged', 1);
    const problem = await expectRefused(() => move(sku, 'damaged', 'sellable', 2), ['/items/0/quantity']);
    expect(problem.errors?.[0]?.detail).toMatch(/has 1 damaged unit\(s\), not 2/);
    await expectRefused(() => move(sku, 'quality_control', 'damaged', 1), ['/items/0/quantity']);
    await expectRefused(() => move(sku, 'sellable', 'quality_control', 4), ['/items/0/quantity']);
    await expectRefused(() => move(sku, 'damaged', 'damaged', 1), ['/items/0/to']);
    await expectRefused(
      () =>
        post('/v1/inventory/state-moves', {
          reference: uniq('mv'),
          items: [{ sku: 'NO-SUCH', location: 'NOWHERE', from: 'sellable', to: 'damaged', quantity: 1 }],
        }),
      ['/items/0/sku', '/items/0/location'],
    );
    await expectRefused(() => move(sku, 'sellable', 'damaged', 0), ['/items/0/quantity']);
    await expectRefused(() => move(sku, 'sellable', 'broken' as State, 1), ['/items/0/to']);
    // Rows are checked in order against what the rows before them left: 3 sellable, asked 2 then 2.
    await expectRefused(
      () =>
        post('/v1/inventory/state-moves', {
          reference: uniq('mv'),
          items: [
            { sku, location, from: 'sellable', to: 'damaged', quantity: 2 },
            { sku, location, from: 'sellable', to: 'quality_control', quantity: 2 },
          ],
        }),
      ['/items/1/quantity'],
    );
    expect(await levelOf(t, sku, location)).toMatchObject({ on_hand: 4, damaged: 1, quality_control: 0 });
  });

  it('needs a key with inventory:write', async () => {
    const sku = await stocked(t, { [location]: 2 });
    const body = {
      reference: uniq('mv'),
      items: [{ sku, location, from: 'sellable', to: 'damaged', quantity: 1 }],
    };
    const reader = await t.keyWith(['inventory:read']);
    const before = await digest();
    expectProblem(
      await t.request({ method: 'POST', url: '/v1/inventory/state-moves', payload: body, key: null }),
      401,
      'unauthorized',
    );
    expectProblem(await post('/v1/inventory/state-moves', body, reader), 403, 'forbidden');
    expect(await digest()).toEqual(before);
  });
});
