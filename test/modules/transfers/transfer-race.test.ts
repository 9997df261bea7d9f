import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked, uniq } from '../../helpers/factories.js';
import { lockGate } from '../../helpers/locks.js';
import { postOrder } from '../../helpers/orders.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';
import { brokenInvariants } from '../../helpers/stock.js';

let t: TestApp;
let channel: string;
let dc: string;
let store: string;

beforeAll(async () => {
  t = await createTestApp({ poolSize: 16 });
  channel = (await makeChannel(t)).code;
  dc = (await makeLocation(t)).code;
  store = (await makeLocation(t, { kind: 'store' })).code;
});
afterAll(() => t.close());

const post = (url: string, payload: object = {}) => t.request({ method: 'POST', url, payload });

async function requested(sku: string, quantity: number): Promise<string> {
  const res = await post('/v1/transfers', { source: dc, destination: store, lines: [{ sku, quantity }] });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

/** The SKU's level at the source, as rows: on_hand, reserved, damaged. */
const sourceLevel = async (sku: string) =>
  (
    await t.pool.query(
      `SELECT l.on_hand, l.reserved, l.damaged FROM inventory_levels l
         JOIN products p ON p.id = l.product_id JOIN locations loc ON loc.id = l.location_id
        WHERE p.sku = $1 AND loc.code = $2`,
      [sku, dc],
    )
  ).rows[0];

/**
 * Holds the SKU's level at the source locked on a connection of the test's own until `requests` (all
 * started) queue behind it, then lets them go at once: they race for the row, as on a busy day.
 */
async function race<T>(sku: string, queued: number, requests: () => Array<Promise<T>>): Promise<T[]> {
  const gate = await lockGate(t.pool, {
    sql: `SELECT 1 FROM inventory_levels l JOIN products p ON p.id = l.product_id JOIN locations loc ON loc.id = l.location_id
           WHERE p.sku = $1 AND loc.code = $2 FOR UPDATE OF l`,
    params: [sku, dc],
  });
  const all = Promise.all(requests());
  await gate.queued(queued);
  await gate.open();
  return all;
}

describe('transfers racing other stock changes on the same SKU', () => {
  it.each([1, 2, 3])(
    'a transfer shipping while orders capture the same units never oversells (round %i)',
    async () => {
      // 8 units; a transfer of 5 and five one-unit orders want 10.
      const sku = await stocked(t, { [dc]: 8 });
      const transfer = await requested(sku, 5);
      const [ship, ...orders] = await race(sku, 6, () => [
        post(`/v1/transfers/${transfer}/ship`),
        ...Array.from({ length: 5 }, () => postOrder(t, orderBody(channel, [{ sku, quantity: 1 }]))),
      ]);
      expect(orders.map((res) => res.statusCode)).toEqual(Array(5).fill(201));
      const allocated = orders.filter((res) => res.json().status === 'allocated').length;
      const level = await sourceLevel(sku);
      if (ship?.statusCode === 200) {
        // The transfer took 5: of the 3 left, the orders took every one.
        expect(allocated).toBe(3);
        expect(level).toEqual({ on_hand: 3, reserved: 3, damaged: 0 });
      } else {
        // At least four orders came first: the transfer was refused and nothing of it moved.
        expect(ship && expectInvalid(ship, ['/lines/0/quantity']).errors?.[0]?.detail).toMatch(/free/);
        expect(allocated).toBe(5);
        expect(level).toEqual({ on_hand: 8, reserved: 5, damaged: 0 });
      }
      expect(level.reserved).toBeLessThanOrEqual(level.on_hand);
      await t.app.services.releaser.idle();
      expect(await brokenInvariants(t.pool)).toEqual([]);
    },
  );

  it('two transfers and a damage report racing for the same free units take no more than there are', async () => {
    const sku = await stocked(t, { [dc]: 10 });
    const [first, second] = [await requested(sku, 6), await requested(sku, 6)];
    const responses = await race(sku, 3, () => [
      post(`/v1/transfers/${first}/ship`),
      post(`/v1/transfers/${second}/ship`),
      post('/v1/inventory/state-moves', {
        reference: uniq('dmg'),
        items: [{ sku, location: dc, from: 'sellable', to: 'damaged', quantity: 5 }],
      }),
    ]);
    const [shipOne, shipTwo, damage] = responses.map((res) => res.statusCode);
    const shipped = [shipOne, shipTwo].filter((status) => status === 200).length * 6;
    const damaged = damage === 201 ? 5 : 0;
    // Whichever comes first takes its units; neither of the others fits in what is left (4 or 5).
    expect(responses.filter((res) => res.statusCode < 300)).toHaveLength(1);
    expect(shipped + damaged).toBeLessThanOrEqual(10);
    for (const res of responses.filter((r) => r.statusCode >= 300)) {
      const problem = expectProblem(res, 422, 'validation_failed');
      expect(problem.errors?.map((e) => e.pointer)).toEqual([
        expect.stringMatching(/^\/(lines|items)\/0\/quantity$/),
      ]);
    }
    expect(await sourceLevel(sku)).toEqual({ on_hand: 10 - shipped, reserved: 0, damaged });
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});
