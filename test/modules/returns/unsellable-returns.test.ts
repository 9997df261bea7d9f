import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeCarrier, makeChannel, makeLocation, stocked, uniq } from '../../helpers/factories.js';
import { deliveredOrder, lineOf, openReturn } from '../../helpers/returns.js';
import { brokenInvariants, levelOf } from '../../helpers/stock.js';

let t: TestApp;
let channel: string;
let warehouse: string;
/** Where returns come back: no stock of its own until they do. */
let returnsCenter: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t)).code;
  warehouse = (await makeLocation(t, { priority: 10 })).code;
  returnsCenter = (await makeLocation(t, { priority: 0 })).code;
  await makeCarrier(t);
});
afterAll(() => t.close());

const post = (url: string, payload: object = {}) => t.request({ method: 'POST', url, payload });

describe('returned units received unsellable', () => {
  it('go on hand at the receiving location as damaged, never available, until moved back to sellable', async () => {
    const sku = await stocked(t, { [warehouse]: 10 });
    const order = await deliveredOrder(t, channel, [{ sku, quantity: 3 }]);
    const ret = await openReturn(t, order.id, {
      lines: [{ line_id: lineOf(order, sku), quantity: 3, reason: 'defective' }],
    });
    const received = await post(`/v1/returns/${ret.id}/receive`, {
      location: returnsCenter,
      lines: [
        { sku, quantity: 1, condition: 'sellable' },
        { sku, quantity: 1, condition: 'damaged' },
        { sku, quantity: 1, condition: 'opened' },
      ],
    });
    expect(received.statusCode, received.body).toBe(200);
    expect(received.json().lines[0]).toMatchObject({ restocked: 1, unsellable: 2 });
    expect(await levelOf(t, sku, returnsCenter)).toMatchObject({
      on_hand: 3,
      damaged: 2,
      quality_control: 0,
      available: 1,
    });
    const ledger = (
      await t.request({
        method: 'GET',
        url: `/v1/inventory/movements?sku=${sku}&location=${returnsCenter}&reason=return_restock`,
      })
    ).json().data;
    expect(ledger.map((m: Record<string, unknown>) => [m.stock_state, m.quantity_change])).toEqual([
      ['damaged', 1],
      ['damaged', 1],
      ['sellable', 1],
    ]);
    const availability = (
      await t.request({ method: 'GET', url: `/v1/inventory/availability?sku=${sku}&channel=${channel}` })
    ).json().data[0];
    expect(availability.available).toBe(7 + 1);

    // Repaired: one goes back to sale.
    const repaired = await post('/v1/inventory/state-moves', {
      reference: uniq('repair'),
      items: [{ sku, location: returnsCenter, from: 'damaged', to: 'sellable', quantity: 1 }],
    });
    expect(repaired.statusCode, repaired.body).toBe(201);
    expect(await levelOf(t, sku, returnsCenter)).toMatchObject({ on_hand: 3, damaged: 1, available: 2 });
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});
