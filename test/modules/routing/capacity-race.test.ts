import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, makeProduct, orderBody, receive } from '../../helpers/factories.js';
import { brokenInvariants } from '../../helpers/stock.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ poolSize: 12 });
});
afterAll(() => t.close());

describe('daily capacity under concurrency', () => {
  it('gives a location with room for one order exactly one of many simultaneous orders', async () => {
    const channel = (await makeChannel(t)).code;
    const sku = (await makeProduct(t)).sku;
    // Near New York, with room for one order a day; a second location farther away has no limit.
    const near = await makeLocation(t, {
      capacity_orders_per_day: 1,
      address: { line1: '1 Main St', city: 'New York', region: 'NY', postal_code: '10001', country: 'US' },
    });
    const far = await makeLocation(t, {
      address: { line1: '1 Main St', city: 'Chicago', region: 'IL', postal_code: '60601', country: 'US' },
    });
    await receive(t, [
      { sku, location: near.code, delta: 50 },
      { sku, location: far.code, delta: 50 },
    ]);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.request({ method: 'POST', url: '/v1/orders', payload: orderBody(channel, [{ sku, quantity: 1 }]) }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
    const shippedFrom = responses.map((r) => r.json().reservations[0]?.location);
    expect(shippedFrom.filter((code) => code === near.code)).toHaveLength(1);
    expect(shippedFrom.filter((code) => code === far.code)).toHaveLength(7);
    const usage = await t.pool.query(
      'SELECT u.orders FROM location_daily_usage u JOIN locations l ON l.id = u.location_id WHERE l.code = $1',
      [near.code],
    );
    expect(usage.rows).toEqual([{ orders: 1 }]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});
