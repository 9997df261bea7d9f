import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reserve } from '../../../src/modules/allocation/index.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, makeProduct, receive, uniq } from '../../helpers/factories.js';
import { holderLines, levelOf } from '../../helpers/stock.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const adjust = (payload: object, key?: string) =>
  t.request({ method: 'POST', url: '/v1/inventory/adjustments', payload, key });
const count = (payload: object) => t.request({ method: 'POST', url: '/v1/inventory/counts', payload });

const movementCount = async () =>
  (await t.pool.query('SELECT count(*)::int AS n FROM inventory_movements')).rows[0].n;

describe('POST /v1/inventory/adjustments', () => {
  it('applies receipts, creating levels, and writes the ledger with reason, reference and key', async () => {
    const product = await makeProduct(t);
    const location = await makeLocation(t);
    const key = await t.keyWith(['inventory:write']);
    const reference = uniq('ASN');
    const res = await adjust(
      {
        reference,
        reason: 'receipt',
        items: [
          { sku: product.sku, location: location.code, delta: 10 },
          { sku: product.sku, location: location.code, delta: 5 },
        ],
      },
      key,
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      reference,
      kind: 'adjustment',
      applied: true,
      items: 2,
      shortfalls: [],
    });
    expect(await levelOf(t, product.sku, location.code)).toMatchObject({
      on_hand: 15,
      reserved: 0,
      available: 15,
    });

    const ledger = await t.request({ method: 'GET', url: `/v1/inventory/movements?reference=${reference}` });
    const [keyRow] = (await t.pool.query('SELECT id FROM api_keys WHERE name = $1', ['test inventory:write']))
      .rows;
    expect(ledger.json().data).toEqual([
      expect.objectContaining({
        reason: 'receipt',
        quantity_change: 5,
        on_hand_after: 15,
        api_key_id: keyRow.id,
      }),
      expect.objectContaining({
        reason: 'receipt',
        quantity_change: 10,
        on_hand_after: 10,
        sku: product.sku,
      }),
    ]);
  });

  it('changes nothing when a reference is replayed, and says so', async () => {
    const product = await makeProduct(t);
    const location = await makeLocation(t);
    const body = {
      reference: uniq('ASN'),
      reason: 'receipt',
      items: [{ sku: product.sku, location: location.code, delta: 7 }],
    };
    const first = await adjust(body);
    const movements = await movementCount();
    const again = await adjust(body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      applied: false,
      reference: body.reference,
      applied_at: first.json().applied_at,
    });
    expect(await movementCount()).toBe(movements);
    expect((await levelOf(t, product.sku, location.code)).on_hand).toBe(7);
    const asCount = await count({
      reference: body.reference,
      items: [{ sku: product.sku, location: location.code, on_hand: 1 }],
    });
    expect(asCount.statusCode).toBe(409);
  });

  it('reports every bad row by index and applies none of them', async () => {
    const product = await makeProduct(t);
    const location = await makeLocation(t);
    await receive(t, [{ sku: product.sku, location: location.code, delta: 3 }]);
    const movements = await movementCount();
    const reference = uniq('ADJ');
    const res = await adjust({
      reference,
      reason: 'correction',
      items: [
        { sku: product.sku, location: location.code, delta: 1 },
        { sku: 'NO-SUCH-SKU', location: location.code, delta: 1 },
        { sku: product.sku, location: 'NO-SUCH-LOC', delta: 1 },
        { sku: product.sku, location: location.code, delta: -10 },
      ],
    });
    expect(res.statusCode).toBe(422);
    const pointers = res.json().errors.map((e: { pointer: string }) => e.pointer);
    expect(pointers).toEqual(['/items/1/sku', '/items/2/location']);
    expect(await movementCount()).toBe(movements);

    const negative = await adjust({
      reference,
      reason: 'correction',
      items: [
        { sku: product.sku, location: location.code, delta: -2 },
        { sku: product.sku, location: location.code, delta: -2 },
      ],
    });
    expect(negative.statusCode).toBe(422);
    expect(negative.json().errors).toEqual([
      expect.objectContaining({ pointer: '/items/1', detail: expect.stringContaining('-1') }),
    ]);
    expect((await levelOf(t, product.sku, location.code)).on_hand).toBe(3);

    // The reference was not consumed by the failed attempts.
    const fixed = await adjust({
      reference,
      reason: 'correction',
      items: [{ sku: product.sku, location: location.code, delta: -2 }],
    });
    expect(fixed.statusCode).toBe(201);
    expect((await levelOf(t, product.sku, location.code)).on_hand).toBe(1);
  });

  it('refuses reasons that are not feed reasons, zero deltas and oversized batches', async () => {
    const item = { sku: 'A', location: 'B', delta: 1 };
    for (const payload of [
      { reference: 'r', reason: 'sale', items: [item] },
      { reference: 'r', reason: 'receipt', items: [{ ...item, delta: 0 }] },
      { reference: 'r', reason: 'receipt', items: [{ ...item, delta: 1.5 }] },
      { reference: 'r', reason: 'receipt', items: [] },
      { reference: '', reason: 'receipt', items: [item] },
      { reference: 'r', reason: 'receipt', items: Array.from({ length: 10_001 }, () => item) },
    ]) {
      const res = await adjust(payload);
      expect(res.statusCode).toBe(422);
    }
  });
});

describe('POST /v1/inventory/counts', () => {
  it('sets the counted quantity and records the difference as a cycle count', async () => {
    const product = await makeProduct(t);
    const location = await makeLocation(t);
    await receive(t, [{ sku: product.sku, location: location.code, delta: 20 }]);
    const reference = uniq('CC');
    const res = await count({
      reference,
      items: [{ sku: product.sku, location: location.code, on_hand: 17 }],
    });
    expect(res.statusCode).toBe(201);
    expect((await levelOf(t, product.sku, location.code)).on_hand).toBe(17);
    const ledger = await t.request({ method: 'GET', url: `/v1/inventory/movements?reference=${reference}` });
    expect(ledger.json().data).toEqual([
      expect.objectContaining({ reason: 'cycle_count', quantity_change: -3, on_hand_after: 17 }),
    ]);
  });

  it('accepts a count below what is reserved and opens a shortfall for the holders', async () => {
    const channel = await makeChannel(t);
    const product = await makeProduct(t);
    const location = await makeLocation(t);
    await receive(t, [{ sku: product.sku, location: location.code, delta: 10 }]);
    const [ids] = (
      await t.pool.query(
        'SELECT (SELECT id FROM channels WHERE code = $1) AS channel, (SELECT id FROM products WHERE sku = $2) AS product',
        [channel.code, product.sku],
      )
    ).rows;
    const [first = 0, second = 0] = await holderLines(t, Number(ids.channel), 2);
    const reserved = await t.db.transaction((tx) =>
      reserve(tx, {
        channel: { id: Number(ids.channel), code: channel.code },
        demand: [
          { key: first, productId: Number(ids.product), quantity: 4 },
          { key: second, productId: Number(ids.product), quantity: 4 },
        ],
      }),
    );
    // Holders are named `order_line:<id>`, sorted as text.
    const holders = [`order_line:${first}`, `order_line:${second}`].sort();
    expect(reserved.ok).toBe(true);

    const res = await count({
      reference: uniq('CC'),
      items: [{ sku: product.sku, location: location.code, on_hand: 5 }],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().shortfalls).toEqual([
      {
        sku: product.sku,
        location: location.code,
        on_hand: 5,
        reserved: 8,
        short_by: 3,
        holders,
      },
    ]);
    expect(await levelOf(t, product.sku, location.code)).toMatchObject({
      on_hand: 5,
      reserved: 8,
      available: 0,
    });
    const events = await t.pool.query(
      "SELECT data FROM events WHERE type = 'inventory.shortfall' AND resource_id = $1",
      [`${product.sku}:${location.code}`],
    );
    expect(events.rows).toEqual([{ data: expect.objectContaining({ short_by: 3, holders }) }]);
  });

  it('applies a 10,000-row count atomically', async () => {
    const locations: string[] = [];
    for (let i = 0; i < 10; i++) {
      locations.push((await makeLocation(t)).code);
    }
    const prefix = uniq('BULK');
    const skus = Array.from({ length: 1000 }, (_, i) => `${prefix}-${i}`);
    const bulk = await t.request({
      method: 'POST',
      url: '/v1/products/bulk',
      payload: { products: skus.map((sku) => ({ sku, name: sku })) },
    });
    expect(bulk.statusCode).toBe(200);
    const items = skus.flatMap((sku, i) =>
      locations.map((location, j) => ({ sku, location, on_hand: (i + j) % 7 })),
    );
    expect(items).toHaveLength(10_000);
    const expectedTotal = items.reduce((sum, item) => sum + item.on_hand, 0);
    const total = async () =>
      Number(
        (
          await t.pool.query(
            'SELECT coalesce(sum(l.on_hand), 0) AS n FROM inventory_levels l JOIN products p ON p.id = l.product_id WHERE p.sku LIKE $1',
            [`${prefix}-%`],
          )
        ).rows[0].n,
      );

    const broken = [...items, { sku: skus[0], location: 'NOWHERE', on_hand: 1 }].slice(1);
    const refused = await count({ reference: uniq('FULL'), items: broken });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors).toEqual([expect.objectContaining({ pointer: '/items/9999/location' })]);
    expect(await total()).toBe(0);

    const reference = uniq('FULL');
    const res = await count({ reference, items });
    expect(res.statusCode).toBe(201);
    expect(await total()).toBe(expectedTotal);
    const ledger = await t.pool.query(
      'SELECT count(*)::int AS n FROM inventory_movements WHERE reference = $1',
      [reference],
    );
    expect(ledger.rows[0].n).toBe(10_000);
    expect((await count({ reference, items })).json().applied).toBe(false);
  });
});
