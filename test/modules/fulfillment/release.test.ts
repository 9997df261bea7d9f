import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCarrier } from '../../../src/modules/fulfillment/carrier-adapter.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { flatRateCard, makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder, captureReleased, eventsOf, orderOf, shipmentsOf } from '../../helpers/orders.js';

let t: TestApp;
const clock = testClock('2026-11-30T15:00:00Z');
let location: string;
let carrierServer: Server;
let carrierUrl: string;
let carrierStatus = 200;
const labelRequests: Array<{ headers: IncomingHttpHeaders; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  t = await createTestApp({ clock });
  location = (await makeLocation(t, { latitude: 40.5187, longitude: -74.4121 })).code;
  // A fake carrier API on a real socket: it answers label requests with a tracking number.
  carrierServer = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      labelRequests.push({ headers: req.headers, body: JSON.parse(raw) });
      res.writeHead(carrierStatus, { 'content-type': 'application/json' });
      res.end(
        carrierStatus === 200
          ? JSON.stringify({
              tracking_number: `FAKE${labelRequests.length}`,
              tracking_url: 'https://track.example/x',
            })
          : '{"error":"down"}',
      );
    });
  });
  await new Promise<void>((resolve) => carrierServer.listen(0, '127.0.0.1', resolve));
  carrierUrl = `http://127.0.0.1:${(carrierServer.address() as AddressInfo).port}`;
  const res = await t.request({
    method: 'POST',
    url: '/v1/carriers',
    payload: {
      code: 'fakeship',
      name: 'Fake Ship',
      adapter: 'http',
      endpoint: carrierUrl,
      api_token: 'secret-token',
      services: [
        {
          code: 'ground',
          name: 'Ground',
          service_levels: ['standard'],
          rate_card: flatRateCard(700, 2),
        },
      ],
    },
  });
  expect(res.statusCode, res.body).toBe(201);
});
afterAll(async () => {
  await t.close();
  await new Promise((resolve) => carrierServer.close(resolve));
});

describe('the channel’s edit window', () => {
  it('keeps an allocated order editable, unreleased, until the window has passed', async () => {
    const channel = (await makeChannel(t, { release_delay_minutes: 30 })).code;
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureReleased(t, orderBody(channel, [{ sku: sku, quantity: 1 }]));
    expect(order.status).toBe('allocated');
    expect(await shipmentsOf(t, order.id)).toEqual([]);
    const edit = await t.request({
      method: 'PATCH',
      url: `/v1/orders/${order.id}`,
      payload: { tags: ['vip'] },
    });
    expect(edit.statusCode, edit.body).toBe(200);

    clock.advance(31 * 60_000);
    await t.app.services.releaser.run();
    await t.app.services.releaser.idle();
    const [shipment] = await shipmentsOf(t, order.id);
    expect(shipment).toMatchObject({ status: 'pending', location, lines: [{ sku, quantity: 1 }] });
    const released = await orderOf(t, order.id);
    expect(released.status).toBe('released');
    const late = await t.request({
      method: 'PATCH',
      url: `/v1/orders/${order.id}`,
      payload: { tags: ['late'] },
    });
    expect(late.statusCode).toBe(409);
  });
});

describe('a batch of due orders', () => {
  it('releases them in one run, each with its own shipments, numbers and events', async () => {
    const channel = (await makeChannel(t, { release_delay_minutes: 30 })).code;
    const other = (await makeLocation(t, { latitude: 41.8781, longitude: -87.6298 })).code;
    // One unit here and one there: the order of two is split over both locations.
    const split = await stocked(t, { [location]: 1, [other]: 1 });
    const plenty = await stocked(t, { [location]: 50 });
    const bodies = [
      orderBody(channel, [{ sku: split, quantity: 2 }]),
      orderBody(channel, [
        { sku: plenty, quantity: 3 },
        { sku: plenty, quantity: 1 },
      ]),
      ...Array.from({ length: 12 }, () => orderBody(channel, [{ sku: plenty, quantity: 1 }])),
    ];
    const orders = [];
    for (const body of bodies) {
      orders.push(await captureOrder(t, body));
    }
    expect(orders.map((order) => order.status)).toEqual(orders.map(() => 'allocated'));

    clock.advance(31 * 60_000);
    // More orders than one transaction releases: the run carries on with the next batch.
    await t.app.services.releaser.run();
    await t.app.services.releaser.idle();

    for (const order of orders) {
      expect((await orderOf(t, order.id)).status).toBe('released');
      const shipments = await shipmentsOf(t, order.id);
      const units = order.lines.reduce((sum: number, line: { quantity: number }) => sum + line.quantity, 0);
      expect(shipments.reduce((sum, s) => sum + s.lines.reduce((n, l) => n + l.quantity, 0), 0)).toBe(units);
      expect(shipments.map((s) => s.number).sort()).toEqual(
        shipments.map((_, i) => `${order.number}-${i + 1}`),
      );
      const released = (await eventsOf(t, order.id)).filter((e) => e.type === 'order.released');
      expect(released).toHaveLength(1);
      expect([...((released[0]?.data.shipments ?? []) as string[])].sort()).toEqual(
        shipments.map((s) => s.id).sort(),
      );
      for (const shipment of shipments) {
        expect((await eventsOf(t, shipment.id)).map((e) => e.type)).toEqual(['shipment.created']);
      }
    }
    const [first, second] = orders;
    expect(
      (await shipmentsOf(t, first.id)).map((s) => [s.location, s.lines.map((l) => l.quantity)]).sort(),
    ).toEqual(
      [
        [location, [1]],
        [other, [1]],
      ].sort(),
    );
    expect((await shipmentsOf(t, second.id)).map((s) => s.lines.map((l) => l.quantity).sort())).toEqual([
      [1, 3],
    ]);
  });
});

describe('the HTTP carrier adapter', () => {
  it('buys the label from the carrier’s API, idempotently keyed by the shipment, and reports a failing carrier as 502', async () => {
    const channel = (await makeChannel(t)).code;
    const sku = await stocked(t, { [location]: 5 }, { product: { weight_grams: 800 } });
    const order = await captureReleased(t, orderBody(channel, [{ sku: sku, quantity: 1 }]));
    const [shipment] = await shipmentsOf(t, order.id);
    const scan = await t.request({
      method: 'POST',
      url: `/v1/shipments/${shipment.id}/scan`,
      payload: { barcode: sku },
    });
    expect(scan.statusCode, scan.body).toBe(200);
    const packed = await t.request({ method: 'POST', url: `/v1/shipments/${shipment.id}/pack`, payload: {} });
    expect(packed.json()).toMatchObject({ carrier: 'fakeship', service: 'ground', cost: 700 });

    carrierStatus = 500;
    const failed = await t.request({ method: 'POST', url: `/v1/shipments/${shipment.id}/ship` });
    expect(failed.statusCode).toBe(502);
    expect(failed.json().detail).not.toContain('secret-token');
    const level = await t.pool.query(
      `SELECT l.on_hand, l.reserved FROM inventory_levels l JOIN products p ON p.id = l.product_id WHERE p.sku = $1`,
      [sku],
    );
    expect(level.rows[0]).toEqual({ on_hand: 5, reserved: 1 });

    carrierStatus = 200;
    const shipped = await t.request({ method: 'POST', url: `/v1/shipments/${shipment.id}/ship` });
    expect(shipped.statusCode, shipped.body).toBe(200);
    expect(shipped.json()).toMatchObject({
      status: 'shipped',
      tracking_number: `FAKE${labelRequests.length}`,
    });
    const last = labelRequests.at(-1);
    expect(last?.headers['idempotency-key']).toBe(shipment.id);
    expect(last?.headers.authorization).toBe('Bearer secret-token');
    expect(last?.body).toMatchObject({
      shipment_id: shipment.id,
      carrier: 'fakeship',
      service: 'ground',
      weight_grams: 800,
    });
    expect(labelRequests.every((r) => r.headers['idempotency-key'] === shipment.id)).toBe(true);
  });
});

describe('carrier endpoints and private addresses', () => {
  it('refuses a private endpoint at registration and at connection time unless the operator allows it', async () => {
    const strict = await createTestApp({ config: { webhookAllowPrivate: false } });
    try {
      const res = await strict.request({
        method: 'POST',
        url: '/v1/carriers',
        payload: {
          code: 'internal',
          name: 'Internal',
          adapter: 'http',
          endpoint: 'http://127.0.0.1:9/api',
          services: [],
        },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().errors).toEqual([expect.objectContaining({ pointer: '/endpoint' })]);
    } finally {
      await strict.close();
    }
    // A host name is checked after resolution, when the adapter connects.
    const adapter = httpCarrier({ endpoint: carrierUrl.replace('127.0.0.1', 'localhost'), apiToken: null });
    await expect(
      adapter.createLabel({
        shipment_id: '00000000-0000-4000-8000-000000000000',
        shipment_number: '1-1',
        order_number: 1,
        carrier: 'fakeship',
        service: 'ground',
        ship_from: { line1: '1 Main St', city: 'Edison', postal_code: '08837', country: 'US' },
        ship_to: { line1: '350 5th Ave', city: 'New York', postal_code: '10118', country: 'US' },
        weight_grams: 100,
      }),
    ).rejects.toMatchObject({ code: 'upstream_failed' });
  });
});
