import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consume, release, reserve } from '../../../src/modules/allocation/index.js';
import { createInventoryService } from '../../../src/modules/inventory/inventory.service.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, makeProduct, uniq } from '../../helpers/factories.js';
import { brokenInvariants, holderLines, idsOf } from '../../helpers/stock.js';

let t: TestApp;
let channel: { id: number; code: string };
let skus: string[];
let locations: string[];
let productIds: number[];
/** Order lines that hold the reservations, one per reserve step. */
let lines: number[];

beforeAll(async () => {
  t = await createTestApp();
  const created = await makeChannel(t);
  skus = [(await makeProduct(t)).sku, (await makeProduct(t)).sku];
  locations = [(await makeLocation(t)).code, (await makeLocation(t)).code];
  const ids = await idsOf(t, { channel: created.code, skus });
  channel = { id: ids.channels.get(created.code) ?? 0, code: created.code };
  productIds = skus.map((sku) => ids.products.get(sku) ?? 0);
  lines = await holderLines(t, channel.id, 2000);
});
afterAll(() => t.close());

const step = fc.oneof(
  fc.record({
    op: fc.constant('adjust' as const),
    item: fc.nat(3),
    delta: fc.integer({ min: -8, max: 12 }).filter((d) => d !== 0),
  }),
  fc.record({ op: fc.constant('count' as const), item: fc.nat(3), onHand: fc.nat(15) }),
  fc.record({
    op: fc.constant('reserve' as const),
    product: fc.nat(1),
    quantity: fc.integer({ min: 1, max: 6 }),
    partial: fc.boolean(),
  }),
  fc.record({ op: fc.constant('release' as const), pick: fc.nat(20) }),
  fc.record({
    op: fc.constant('consume' as const),
    pick: fc.nat(20),
    quantity: fc.integer({ min: 1, max: 4 }),
  }),
);

describe('inventory invariants', () => {
  it('any sequence of adjust / count / reserve / release / consume keeps stock non-negative, reserved equal to active reservations, and on_hand equal to the ledger', async () => {
    const inventory = createInventoryService({ db: t.db });
    const actor = { apiKeyId: null };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const holders: number[] = [];
        for (const s of steps) {
          const sku = skus[s.op === 'adjust' || s.op === 'count' ? s.item % 2 : 0] ?? '';
          const location =
            locations[s.op === 'adjust' || s.op === 'count' ? Math.floor(s.item / 2) : 0] ?? '';
          switch (s.op) {
            case 'adjust':
              await inventory
                .adjust(
                  { reference: uniq('p'), reason: 'correction', items: [{ sku, location, delta: s.delta }] },
                  actor,
                )
                .catch((err) => expect(err.code).toBe('validation_failed'));
              break;
            case 'count':
              await inventory.count(
                { reference: uniq('p'), items: [{ sku, location, on_hand: s.onHand }] },
                actor,
              );
              break;
            case 'reserve': {
              const holder = lines.pop() ?? 0;
              const result = await t.db.transaction((tx) =>
                reserve(tx, {
                  channel,
                  demand: [{ key: holder, productId: productIds[s.product] ?? 0, quantity: s.quantity }],
                  allowPartial: s.partial,
                }),
              );
              if (result.ok) {
                holders.push(holder);
              }
              break;
            }
            case 'release':
              if (holders.length > 0) {
                await t.db.transaction((tx) =>
                  release(tx, { orderLineIds: [holders[s.pick % holders.length] ?? 0] }),
                );
              }
              break;
            case 'consume': {
              const { rows } = await t.pool.query(
                "SELECT id FROM reservations WHERE status = 'active' ORDER BY id",
              );
              const row = rows[s.pick % Math.max(rows.length, 1)];
              if (row) {
                await t.db
                  .transaction(async (tx) => {
                    const result = await consume(
                      tx,
                      [{ reservationId: Number(row.id), quantity: s.quantity }],
                      { reference: 'ship', apiKeyId: null },
                    );
                    if (!result.ok) {
                      tx.rollback();
                    }
                    return result;
                  })
                  .catch((err) => expect(String(err)).toMatch(/Rollback/));
              }
              break;
            }
          }
          expect(await brokenInvariants(t.pool)).toEqual([]);
        }
      }),
      { numRuns: 25 },
    );
  });
});
