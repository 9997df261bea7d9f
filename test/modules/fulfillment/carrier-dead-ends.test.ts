import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShipmentView } from '../../../src/modules/fulfillment/shipments.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import {
  flatRateCard,
  makeCarrier,
  makeChannel,
  makeLocation,
  newYork,
  orderBody,
  stocked,
} from '../../helpers/factories.js';
import { captureReleased, eventsOf, eventTypes, orderOf, shipmentsOf } from '../../helpers/orders.js';
import { expectProblem } from '../../helpers/problems.js';
import { brokenInvariants, levelOf } from '../../helpers/stock.js';

/**
 * Shipments whose service level no carrier serves, or whose carrier went away after packing: packing
 * refuses and changes nothing, and once a carrier service exists the shipment packs (or is rated
 * again) and ships. Carriers are global, so each test uses its own service level or carrier.
 */

let t: TestApp;
let channel: string;
let location: string;
let ops: string;
/** The only carrier at the start: `ground`, for the standard service level. */
let standard: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t)).code;
  location = (await makeLocation(t, { latitude: 40.5187, longitude: -74.4121, channels: [channel] })).code;
  ops = await t.keyWith(['fulfillment:write', 'orders:read']);
  standard = (await makeCarrier(t, { name: 'Standard only' }, ['standard'])).code;
});
afterAll(() => t.close());

const post = (url: string, payload?: object, key: string | null = ops) =>
  t.request({ method: 'POST', url, ...(payload === undefined ? {} : { payload }), key });

/** A released order of `units` × a 500 g product (`grams` each) at the service level; its one shipment. */
async function releasedShipment(serviceLevel: string, options: { units?: number; grams?: number } = {}) {
  const sku = await stocked(t, { [location]: 20 }, { product: { weight_grams: options.grams ?? 500 } });
  const order = await captureReleased(
    t,
    orderBody(channel, [{ sku, quantity: options.units ?? 1 }], {
      ship_to: newYork,
      shipping: { service_level: serviceLevel, amount: 500 },
    }),
  );
  const [shipment] = await shipmentsOf(t, order.id);
  expect(shipment).toMatchObject({ status: 'pending', service_level: serviceLevel });
  return { order, sku, shipment: shipment as ShipmentView };
}

/** Scans every unit of the shipment at the pack station. */
async function scanAll(shipment: ShipmentView) {
  for (const line of shipment.lines) {
    for (let i = 0; i < line.quantity; i++) {
      expect((await post(`/v1/shipments/${shipment.id}/scan`, { barcode: line.sku })).statusCode).toBe(200);
    }
  }
}

const shipmentRow = async (id: string) =>
  (await t.request({ method: 'GET', url: `/v1/shipments/${id}`, key: ops })).json() as ShipmentView;

describe('a shipment whose service level no carrier serves', () => {
  it('is refused at packing, naming the level and what to do, changing nothing; it packs and ships once a carrier service exists', async () => {
    const { order, shipment } = await releasedShipment('express');
    await scanAll(shipment);
    const before = await shipmentRow(shipment.id);

    const refused = await post(`/v1/shipments/${shipment.id}/pack`, {});
    const problem = expectProblem(refused, 409, 'conflict');
    expect(problem.detail).toContain('no active carrier service serves the express service level');
    expect(problem.detail).toContain('Add a carrier service for express');
    expect(problem.detail).toContain('pack it again');
    expect(await shipmentRow(shipment.id)).toEqual(before);
    expect(before).toMatchObject({
      status: 'pending',
      carrier: null,
      rate_options: [],
      lines: [{ scanned: 1 }],
    });
    expect(await eventTypes(t, shipment.id)).toEqual(['shipment.created']);
    expectProblem(await post(`/v1/shipments/${shipment.id}/ship`), 409, 'conflict');

    const express = (await makeCarrier(t, { name: 'Express' }, ['express'])).code;
    const packed = await post(`/v1/shipments/${shipment.id}/pack`, {});
    expect(packed.statusCode, packed.body).toBe(200);
    expect(packed.json()).toMatchObject({ status: 'packed', carrier: express, service: 'ground', cost: 600 });
    const shipped = await post(`/v1/shipments/${shipment.id}/ship`);
    expect(shipped.statusCode, shipped.body).toBe(200);
    expect(shipped.json()).toMatchObject({ status: 'shipped', carrier: express });
    expect((await orderOf(t, order.id)).status).toBe('shipped');
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('says so when services of the level exist but no rate card covers the parcel', async () => {
    // The flat rate card covers parcels up to 100 kg: this one weighs 120 kg.
    const { shipment } = await releasedShipment('standard', { grams: 120_000 });
    const refused = await post(
      `/v1/shipments/${shipment.id}/pack`,
      { override: { reason: 'heavy' } },
      t.adminKey,
    );
    const { detail } = expectProblem(refused, 409, 'conflict');
    expect(detail).toContain(`none of the carrier services for standard (${standard} ground)`);
    expect(detail).toContain('has a rate for a 120000 g parcel');
    expect((await shipmentRow(shipment.id)).status).toBe('pending');
  });
});

describe('a packed shipment whose carrier service is gone', () => {
  it('cannot ship, is rated again once a carrier service exists, then ships', async () => {
    const first = (await makeCarrier(t, { name: 'Same day A' }, ['same_day'])).code;
    const { shipment, sku } = await releasedShipment('same_day', { units: 2 });
    await scanAll(shipment);
    const packed = await post(`/v1/shipments/${shipment.id}/pack`, {});
    expect(packed.json()).toMatchObject({ status: 'packed', carrier: first, weight_grams: 1000 });
    expect((await post(`/v1/carriers/${first}/deactivate`, undefined, t.adminKey)).statusCode).toBe(200);

    const blocked = expectProblem(await post(`/v1/shipments/${shipment.id}/ship`), 409, 'conflict');
    expect(blocked.detail).toContain(`${first} ground, chosen when shipment ${shipment.number} was packed`);
    expect(blocked.detail).toContain(`POST /v1/shipments/${shipment.id}/rate`);
    const stillNone = expectProblem(await post(`/v1/shipments/${shipment.id}/rate`), 409, 'conflict');
    expect(stillNone.detail).toContain('no active carrier service serves the same_day service level');
    expect(stillNone.detail).toContain('rate it again');
    expect(await shipmentRow(shipment.id)).toMatchObject({ status: 'packed', carrier: first });

    const second = (
      await makeCarrier(
        t,
        {
          name: 'Same day B',
          services: [
            {
              code: 'courier',
              name: 'Courier',
              service_levels: ['same_day'],
              rate_card: flatRateCard(900, 0),
            },
          ],
        },
        ['same_day'],
      )
    ).code;
    const rated = await post(`/v1/shipments/${shipment.id}/rate`);
    expect(rated.statusCode, rated.body).toBe(200);
    expect(rated.json()).toMatchObject({
      status: 'packed',
      carrier: second,
      service: 'courier',
      cost: 900,
      weight_grams: 1000,
      packing: packed.json().packing,
      rate_options: [{ carrier: second, service: 'courier', chosen: true }],
    });
    const events = await eventsOf(t, shipment.id);
    expect(events.map((e) => e.type)).toEqual(['shipment.created', 'shipment.packed', 'shipment.updated']);
    expect(events[2]?.data).toMatchObject({ change: 'rated', reason: `was ${first} ground` });

    const before = await levelOf(t, sku, location);
    const shipped = await post(`/v1/shipments/${shipment.id}/ship`);
    expect(shipped.statusCode, shipped.body).toBe(200);
    expect(shipped.json()).toMatchObject({ status: 'shipped', carrier: second, service: 'courier' });
    expect(await levelOf(t, sku, location)).toMatchObject({
      on_hand: before.on_hand - 2,
      reserved: before.reserved - 2,
    });
  });

  it('rates a packed shipment that was never given a carrier service, then ships it', async () => {
    const { shipment } = await releasedShipment('standard');
    await scanAll(shipment);
    expect((await post(`/v1/shipments/${shipment.id}/pack`, {})).statusCode).toBe(200);
    // As an older version left it: packed with no carrier service.
    await t.pool.query('UPDATE shipments SET carrier = NULL, service = NULL, cost = NULL WHERE id = $1', [
      shipment.id,
    ]);
    const blocked = expectProblem(await post(`/v1/shipments/${shipment.id}/ship`), 409, 'conflict');
    expect(blocked.detail).toContain('has no carrier service');
    const rated = await post(`/v1/shipments/${shipment.id}/rate`);
    expect(rated.statusCode, rated.body).toBe(200);
    expect(rated.json()).toMatchObject({ carrier: standard, service: 'ground' });
    expect((await eventsOf(t, shipment.id)).at(-1)?.data).toMatchObject({
      change: 'rated',
      reason: 'no carrier service was chosen',
    });
    expect((await post(`/v1/shipments/${shipment.id}/ship`)).statusCode).toBe(200);
  });

  it('rates only packed shipments, for keys that may work them and see them', async () => {
    const { shipment } = await releasedShipment('standard');
    const pending = expectProblem(await post(`/v1/shipments/${shipment.id}/rate`), 409, 'conflict');
    expect(pending.detail).toContain('packing it chooses its carrier service');
    expectProblem(await post(`/v1/shipments/${shipment.id}/rate`, undefined, null), 401);
    const reader = await t.keyWith(['orders:read']);
    expectProblem(await post(`/v1/shipments/${shipment.id}/rate`, undefined, reader), 403);
    const outsider = await t.keyWith(['fulfillment:write'], (await makeChannel(t)).code);
    expectProblem(await post(`/v1/shipments/${shipment.id}/rate`, undefined, outsider), 404, 'not_found');
    const unknown = `/v1/shipments/${crypto.randomUUID()}/rate`;
    expectProblem(await post(unknown), 404, 'not_found');
  });
});
