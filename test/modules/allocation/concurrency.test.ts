import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../../src/db/client.js';
import { sqlState } from '../../../src/db/pg-errors.js';
import { release, reserve } from '../../../src/modules/allocation/index.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, makeProduct, receive } from '../../helpers/factories.js';
import { lockGate } from '../../helpers/locks.js';
import { brokenInvariants, holderLines, idsOf } from '../../helpers/stock.js';

// Long enough to interleave thousands of transactions; STRESS_SECONDS raises it for a soak run.
const stressSeconds = Number(process.env.STRESS_SECONDS ?? 10);

let t: TestApp;
const pools: Database[] = [];
/** A separate pool, as another replica of the service would have. */
const replica = (size: number) => {
  const database = createDatabase({
    url: t.url,
    poolSize: size,
    statementTimeoutMs: 30_000,
    log: pino({ level: 'silent' }),
  });
  pools.push(database);
  return database;
};

beforeAll(async () => {
  t = await createTestApp({ poolSize: 40 });
});
afterAll(async () => {
  for (const database of pools) {
    await database.pool.end();
  }
  await t.close();
});

async function flashSale(onHand: number[]) {
  const channel = await makeChannel(t);
  const product = await makeProduct(t);
  for (const delta of onHand) {
    const location = await makeLocation(t);
    await receive(t, [{ sku: product.sku, location: location.code, delta }]);
  }
  const ids = await idsOf(t, { channel: channel.code, skus: [product.sku] });
  const channelId = ids.channels.get(channel.code) ?? 0;
  return {
    channel: { id: channelId, code: channel.code },
    productId: ids.products.get(product.sku) ?? 0,
    lines: await holderLines(t, channelId, 200),
  };
}

const reservedTotal = async (productId: number) =>
  (
    await t.pool.query(
      'SELECT sum(reserved)::int AS reserved, sum(on_hand)::int AS on_hand FROM inventory_levels WHERE product_id = $1',
      [productId],
    )
  ).rows[0];

describe('reservations under real concurrency', () => {
  it('200 concurrent one-unit reservations of 50 units across two locations: exactly 50 succeed', async () => {
    const sale = await flashSale([30, 20]);
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        t.db.transaction((tx) =>
          reserve(tx, {
            channel: sale.channel,
            demand: [{ key: sale.lines[i] ?? 0, productId: sale.productId, quantity: 1 }],
          }),
        ),
      ),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(50);
    expect(outcomes.filter((o) => !o.ok && o.reason === 'insufficient_stock')).toHaveLength(150);
    expect(await reservedTotal(sale.productId)).toEqual({ reserved: 50, on_hand: 50 });
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('keeps the guarantee across two independent pools, as two replicas would', async () => {
    const sale = await flashSale([25, 15]);
    const [a, b] = [replica(20), replica(20)];
    const outcomes = await Promise.all(
      Array.from({ length: 160 }, (_, i) =>
        (i % 2 === 0 ? a : b).db.transaction((tx) =>
          reserve(tx, {
            channel: sale.channel,
            demand: [{ key: sale.lines[i] ?? 0, productId: sale.productId, quantity: 1 }],
          }),
        ),
      ),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(40);
    expect(await reservedTotal(sale.productId)).toEqual({ reserved: 40, on_hand: 40 });
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it(
    `8 connections reserving and releasing random multi-SKU plans for ${stressSeconds} s: no deadlock, no drift`,
    async () => {
      const channel = await makeChannel(t);
      const skus: string[] = [];
      const locations: string[] = [];
      for (let i = 0; i < 4; i++) {
        locations.push((await makeLocation(t, { priority: i })).code);
      }
      for (let i = 0; i < 6; i++) {
        skus.push((await makeProduct(t)).sku);
      }
      await receive(
        t,
        skus.flatMap((sku) => locations.map((location) => ({ sku, location, delta: 15 }))),
      );
      const ids = await idsOf(t, { channel: channel.code, skus });
      const productIds = [...ids.products.values()];
      const channelRef = { id: ids.channels.get(channel.code) ?? 0, code: channel.code };
      // More order lines than the workers can use up: every reservation takes a fresh one.
      const spare = await holderLines(t, channelRef.id, 5000 * stressSeconds);

      const { db } = replica(8);
      const failures: unknown[] = [];
      let reservedCount = 0;
      let releasedCount = 0;
      const deadline = Date.now() + stressSeconds * 1000;
      const worker = async () => {
        const held: number[] = [];
        while (Date.now() < deadline) {
          try {
            if (held.length > 0 && Math.random() < 0.45) {
              const holder = held.splice(Math.floor(Math.random() * held.length), 1)[0] ?? 0;
              await db.transaction((tx) => release(tx, { orderLineIds: [holder] }));
              releasedCount++;
            } else {
              const holder = spare.pop() ?? 0;
              // Lines in random order, with repeats, so lock order cannot come from the input.
              const demand = Array.from({ length: 1 + Math.floor(Math.random() * 4) }, () => ({
                key: holder,
                productId: productIds[Math.floor(Math.random() * productIds.length)] ?? 0,
                quantity: 1 + Math.floor(Math.random() * 6),
              }));
              const result = await db.transaction((tx) =>
                reserve(tx, { channel: channelRef, demand, allowPartial: Math.random() < 0.3 }),
              );
              if (result.ok && result.reservations.length > 0) {
                held.push(holder);
                reservedCount++;
              }
            }
          } catch (err) {
            failures.push(sqlState(err) ?? err);
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, () => worker()));
      expect(failures).toEqual([]);
      expect(reservedCount).toBeGreaterThan(100);
      expect(releasedCount).toBeGreaterThan(50);
      expect(await brokenInvariants(t.pool)).toEqual([]);
      const { rows } = await t.pool.query(
        'SELECT count(*)::int AS n FROM inventory_levels WHERE reserved > on_hand',
      );
      expect(rows[0].n).toBe(0);
    },
    (stressSeconds + 30) * 1000,
  );

  it('waits for level rows another transaction holds, then reserves', async () => {
    const sale = await flashSale([5]);
    const outside = await lockGate(t.pool, {
      sql: 'SELECT * FROM inventory_levels WHERE product_id = $1 FOR UPDATE',
      params: [sale.productId],
    });
    const waiting = t.db.transaction((tx) =>
      reserve(tx, {
        channel: sale.channel,
        demand: [{ key: sale.lines[0] ?? 0, productId: sale.productId, quantity: 5 }],
      }),
    );
    await outside.queued(1);
    await outside.open();
    expect((await waiting).ok).toBe(true);
  });
});
