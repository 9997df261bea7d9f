import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked, uniq } from '../../helpers/factories.js';
import { lockGate } from '../../helpers/locks.js';
import { postOrder } from '../../helpers/orders.js';
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

/** Units of the SKU reserved and on hand over every location. */
const stockOf = async (sku: string) =>
  (
    await t.pool.query(
      `SELECT coalesce(sum(l.on_hand), 0)::int AS on_hand, coalesce(sum(l.reserved), 0)::int AS reserved
         FROM inventory_levels l JOIN products p ON p.id = l.product_id WHERE p.sku = $1`,
      [sku],
    )
  ).rows[0] as { on_hand: number; reserved: number };

/** Units free to sell of each SKU at each location: location code → SKU → units. */
async function leftAt(skus: string[]) {
  const { rows } = await t.pool.query<{ location: string; sku: string; free: number }>(
    `SELECT loc.code AS location, p.sku, (l.on_hand - l.reserved)::int AS free
       FROM inventory_levels l JOIN products p ON p.id = l.product_id JOIN locations loc ON loc.id = l.location_id
      WHERE p.sku = ANY($1)`,
    [skus],
  );
  const left = new Map<string, Map<string, number>>();
  for (const row of rows) {
    left.set(row.location, (left.get(row.location) ?? new Map()).set(row.sku, row.free));
  }
  return left;
}

/**
 * Whether a cart of this sale could be filled from `left`: a kit (2 mugs and a coffee) whole at one
 * location, loose units anywhere.
 */
function fits(
  lines: Array<{ sku: string; quantity: number }>,
  skus: { gift: string; mug: string; coffee: string },
  left: Map<string, Map<string, number>>,
): boolean {
  const free = (location: Map<string, number>, sku: string) => location.get(sku) ?? 0;
  const total = (sku: string) => [...left.values()].reduce((sum, at) => sum + free(at, sku), 0);
  const loose = (sku: string) =>
    lines.filter((line) => line.sku === sku).reduce((sum, line) => sum + line.quantity, 0);
  if (!lines.some((line) => line.sku === skus.gift)) {
    return total(skus.mug) >= loose(skus.mug) && total(skus.coffee) >= loose(skus.coffee);
  }
  // One kit per cart in this sale: its location gives 2 mugs and a coffee, the rest come from anywhere.
  return [...left.values()].some(
    (at) =>
      free(at, skus.mug) >= 2 &&
      free(at, skus.coffee) >= 1 &&
      total(skus.mug) - 2 >= loose(skus.mug) &&
      total(skus.coffee) - 1 >= loose(skus.coffee),
  );
}

describe('a flash sale on a kit and on its components at once', () => {
  it.each([1, 2])(
    'never oversells a component, and every kit is whole at one location (round %i)',
    async () => {
      // 20 mugs and 5 coffees over two locations; a kit is 2 mugs and a coffee. 12 carts want 12 coffees.
      const mug = await stocked(t, { [dc]: 12, [store]: 8 });
      const coffee = await stocked(t, { [dc]: 3, [store]: 2 });
      const made = await t.request({
        method: 'POST',
        url: '/v1/products',
        payload: {
          sku: uniq('KIT'),
          name: 'Coffee set',
          kit: {
            components: [
              { sku: mug, quantity: 2 },
              { sku: coffee, quantity: 1 },
            ],
          },
        },
      });
      const gift = made.json().sku as string;
      // Everyone queues behind the mugs' row at dc, then goes at once.
      const gate = await lockGate(t.pool, {
        sql: `SELECT 1 FROM inventory_levels l JOIN products p ON p.id = l.product_id JOIN locations loc ON loc.id = l.location_id
             WHERE p.sku = $1 AND loc.code = $2 FOR UPDATE OF l`,
        params: [mug, dc],
      });
      const carts = Array.from({ length: 12 }, (_, i) =>
        i % 3 === 0
          ? [{ sku: gift, quantity: 1 }]
          : i % 3 === 1
            ? [{ sku: mug, quantity: 1 }]
            : [
                { sku: gift, quantity: 1 },
                { sku: coffee, quantity: 1 },
              ],
      );
      const all = Promise.all(carts.map((lines) => postOrder(t, orderBody(channel, lines))));
      await gate.queued(carts.length);
      await gate.open();
      const responses = await all;
      expect(responses.map((res) => res.statusCode)).toEqual(Array(carts.length).fill(201));
      const orders = responses.map((res) => res.json());
      const allocated = orders.filter((order) => order.status === 'allocated');
      // What the allocated orders hold is exactly what is reserved, and never more than there is.
      const wanted = (sku: string) =>
        allocated
          .flatMap((order) => order.lines)
          .filter((line: { sku: string; kit_line_number: number | null }) => line.sku === sku)
          .reduce((sum: number, line: { quantity: number }) => sum + line.quantity, 0);
      const [mugs, coffees] = [await stockOf(mug), await stockOf(coffee)];
      expect(mugs.reserved).toBe(wanted(mug));
      expect(coffees.reserved).toBe(wanted(coffee));
      expect(mugs.reserved).toBeLessThanOrEqual(20);
      expect(coffees.reserved).toBeLessThanOrEqual(5);
      // The sale sells until no waiting cart fits what is left: a cart held for stock is one no location
      // could fill now (which carts come first decides whether the last coffee sells).
      const left = await leftAt([mug, coffee]);
      const held = carts.filter((_, i) => orders[i].status !== 'allocated');
      const shown = [...left].map(([location, units]) => [location, Object.fromEntries(units)]);
      for (const lines of held) {
        expect(fits(lines, { gift, mug, coffee }, left), JSON.stringify({ lines, left: shown })).toBe(false);
      }
      expect(coffees.reserved).toBeGreaterThanOrEqual(4);
      // Each kit's components are reserved at one location, in whole kits.
      for (const order of allocated) {
        for (const { location, items } of order.reservations) {
          const kitParts = items.filter((item: { line_id: number }) =>
            order.lines.some(
              (line: { id: number; kit_line_number: number | null }) =>
                line.id === item.line_id && line.kit_line_number !== null,
            ),
          );
          if (kitParts.length > 0) {
            expect(
              kitParts.map((item: { sku: string; quantity: number }) => [item.sku, item.quantity]).sort(),
              location,
            ).toEqual(
              [
                [mug, 2],
                [coffee, 1],
              ].sort(),
            );
          }
        }
      }
      await t.app.services.releaser.idle();
      expect(await brokenInvariants(t.pool)).toEqual([]);
    },
  );
});
