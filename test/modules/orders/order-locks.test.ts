import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../../src/db/transaction.js';
import { loadOrders } from '../../../src/modules/orders/order-store.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder } from '../../helpers/orders.js';
import { apart } from '../../helpers/second-connection.js';

let t: TestApp;
let orderId: string;

beforeAll(async () => {
  t = await createTestApp();
  const channel = (await makeChannel(t, { release_delay_minutes: 60 })).code;
  const location = (await makeLocation(t)).code;
  const sku = await stocked(t, { [location]: 5 });
  orderId = (await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]))).id;
});
afterAll(() => t.close());

/** Runs `sql` on a connection of its own that gives up on any lock after 300 ms. */
async function impatiently(sql: string, params: unknown[]) {
  const client = await apart(() => t.pool.connect());
  try {
    await client.query("SET lock_timeout = '300ms'");
    return await client.query(sql, params);
  } finally {
    client.release();
  }
}

/** Holds the order the way every change to it does (loadOrders with `lock`) while `meanwhile` runs. */
async function whileLocked<T>(meanwhile: () => Promise<T>): Promise<T> {
  return inTransaction(t.db, async (tx) => {
    const [state] = await loadOrders(tx, [orderId], { lock: true });
    expect(state?.order.id).toBe(orderId);
    return meanwhile();
  });
}

describe('the lock a change takes on an order', () => {
  it('lets other transactions insert rows that refer to the order meanwhile', async () => {
    // A notification, a hold, a shipment: their foreign-key check must not wait for the order's change.
    const inserted = await whileLocked(() =>
      impatiently(
        `INSERT INTO holds (order_id, kind, queue, reason, details)
         VALUES ($1, 'manual', 'manual', 'inserted while the order was locked', '{}') RETURNING id`,
        [orderId],
      ),
    );
    expect(inserted.rowCount).toBe(1);
    await t.pool.query('DELETE FROM holds WHERE id = $1', [inserted.rows[0].id]);
  });

  it('still makes a second change to the same order wait for the first', async () => {
    const second = await whileLocked(() =>
      impatiently('SELECT id FROM orders WHERE id = $1 FOR NO KEY UPDATE', [orderId]).then(
        () => 'locked',
        (err: { code?: string }) => err.code,
      ),
    );
    expect(second).toBe('55P03');
  });
});
