import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundShipmentView } from '../../../src/modules/inbound/inbound.schemas.js';
import type { PromiseView } from '../../../src/modules/promising/promise.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import {
  empireStateBuilding,
  flatRateCard,
  makeCarrier,
  makeChannel,
  makeLocation,
  makeProduct,
  orderBody,
  receive,
  uniq,
} from '../../helpers/factories.js';
import { captureOrder } from '../../helpers/orders.js';

/**
 * POST /v1/promise when on-hand stock is short: a channel that backorders is answered from incoming
 * stock, as capture then promises. Monday 2026-11-23, 10:00 in New York; the location in Edison NJ
 * processes for a day and the carrier takes two: units expected Friday 12-04 arrive Wednesday 12-09,
 * expected Friday 12-11 arrive Wednesday 12-16.
 */
const clock = testClock('2026-11-23T15:00:00Z');

let t: TestApp;
let backorders: string;
let strict: string;
let dc: string;

beforeAll(async () => {
  t = await createTestApp({ clock });
  backorders = (
    await makeChannel(t, { allow_backorders: true, default_safety_stock: 0, release_delay_minutes: 60 })
  ).code;
  strict = (await makeChannel(t, { default_safety_stock: 0 })).code;
  dc = (
    await makeLocation(t, {
      latitude: 40.5187,
      longitude: -74.4121,
      time_zone: 'America/New_York',
      processing_days: 1,
      channels: [backorders, strict],
    })
  ).code;
  // Two business days in transit: the promised dates below count on it.
  await makeCarrier(t, {
    services: [
      {
        code: 'ground',
        name: 'Ground',
        service_levels: ['standard', 'express'],
        rate_card: flatRateCard(600, 2),
      },
    ],
  });
});
afterAll(() => t.close());

async function announce(sku: string, quantity: number, expected_date: string): Promise<InboundShipmentView> {
  const res = await t.request({
    method: 'POST',
    url: '/v1/inbound-shipments',
    payload: { reference: uniq('PO'), location: dc, expected_date, lines: [{ sku, quantity }] },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function promise(
  channel: string,
  lines: Array<{ sku: string; quantity: number }>,
  service_level = 'standard',
) {
  const res = await t.request({
    method: 'POST',
    url: '/v1/promise',
    payload: { channel, lines, destination: empireStateBuilding, service_level },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as PromiseView;
}

/** The incoming units a promise names: [reference, expected date, units]. */
const incomingOf = (view: PromiseView) =>
  (view.chosen?.incoming ?? []).map((units) => [units.reference, units.expected_date, units.quantity]);

describe('POST /v1/promise with on-hand stock short', () => {
  it('names the incoming units and their delivery date, which capture then promises', async () => {
    const sku = (await makeProduct(t)).sku;
    await receive(t, [{ sku, location: dc, delta: 1 }]);
    await t.app.services.backorders.idle();
    const shipment = await announce(sku, 5, '2026-12-04');
    const lines = [{ sku, quantity: 3 }];

    const answer = await promise(backorders, lines);
    expect(answer.chosen).toEqual({
      locations: [{ location: dc, lines: [{ sku, quantity: 1 }] }],
      delivery_date: '2026-12-09',
      unfilled: [{ sku, quantity: 2 }],
      incoming: [
        {
          location: dc,
          inbound_shipment: shipment.id,
          reference: shipment.reference,
          expected_date: '2026-12-04',
          sku,
          quantity: 2,
        },
      ],
    });
    // No location can ship all three now: no on-hand option.
    expect(answer.options).toEqual([]);

    const order = await captureOrder(t, orderBody(backorders, lines));
    expect(order).toMatchObject({
      status: 'backordered',
      promised_delivery_date: answer.chosen?.delivery_date,
      reservations: [{ location: dc, items: [{ sku, quantity: 1 }] }],
      lines: [
        {
          allocated: 1,
          backordered: 2,
          incoming: [{ inbound_shipment: shipment.id, expected_date: '2026-12-04', quantity: 2 }],
        },
      ],
    });
  });

  it('counts what waiting orders ahead were promised, and gives no date when incoming stock falls short', async () => {
    const sku = (await makeProduct(t)).sku;
    const soon = await announce(sku, 3, '2026-12-04');
    const later = await announce(sku, 2, '2026-12-11');
    const waiting = await captureOrder(t, orderBody(backorders, [{ sku, quantity: 2 }]));
    expect(waiting.promised_delivery_date).toBe('2026-12-09');

    // Nothing on hand: nothing reserved, but a promise from incoming stock after the waiting order.
    const two = await promise(backorders, [{ sku, quantity: 2 }]);
    expect(two.chosen).toMatchObject({
      locations: [],
      delivery_date: '2026-12-16',
      unfilled: [{ sku, quantity: 2 }],
    });
    expect(incomingOf(two)).toEqual([
      [soon.reference, '2026-12-04', 1],
      [later.reference, '2026-12-11', 1],
    ]);
    // Lines of one SKU count together, and what is covered is named even when it is not enough.
    const four = await promise(backorders, [
      { sku, quantity: 1 },
      { sku, quantity: 3 },
    ]);
    expect(four.chosen).toMatchObject({ delivery_date: null });
    expect(incomingOf(four)).toEqual([
      [soon.reference, '2026-12-04', 1],
      [later.reference, '2026-12-11', 2],
    ]);
    // An express order would be served before the waiting standard one.
    const express = await promise(backorders, [{ sku, quantity: 2 }], 'express');
    expect([express.chosen?.delivery_date, incomingOf(express)]).toEqual([
      '2026-12-09',
      [[soon.reference, '2026-12-04', 2]],
    ]);
    // And capture agrees with the promise made a moment before.
    const order = await captureOrder(t, orderBody(backorders, [{ sku, quantity: 2 }]));
    expect(order.promised_delivery_date).toBe(two.chosen?.delivery_date);
  });

  it('says nothing of incoming stock that covers nothing, or on a channel that does not backorder', async () => {
    const none = (await makeProduct(t)).sku;
    expect((await promise(backorders, [{ sku: none, quantity: 1 }])).chosen).toBeNull();

    const sku = (await makeProduct(t)).sku;
    await receive(t, [{ sku, location: dc, delta: 1 }]);
    await t.app.services.backorders.idle();
    await announce(sku, 5, '2026-12-04');
    // All or nothing there: capture would hold the order, so nothing is chosen and nothing promised.
    expect((await promise(strict, [{ sku, quantity: 3 }])).chosen).toBeNull();
    // Covered on hand: no incoming field.
    expect((await promise(backorders, [{ sku, quantity: 1 }])).chosen).toEqual({
      locations: [{ location: dc, lines: [{ sku, quantity: 1 }] }],
      delivery_date: '2026-11-26',
      unfilled: [],
    });
  });
});
