import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { ShipmentView } from '../../src/modules/fulfillment/shipments.schemas.js';
import type { TestApp } from './app.js';

/** POST /v1/orders, answering whatever the API answers (`key`: as in `TestApp.request`). */
export const postOrder = (
  t: TestApp,
  body: object,
  options: { key?: string | null; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> =>
  t.request({ method: 'POST', url: '/v1/orders', payload: body, ...options });

/** Captures an order, asserts the 201, and returns the order. */
export async function captureOrder(t: TestApp, body: object) {
  const res = await postOrder(t, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** The shipments of an order, through GET /v1/shipments (asserting the 200). */
export async function shipmentsOf(t: TestApp, orderId: string): Promise<ShipmentView[]> {
  const res = await t.request({ method: 'GET', url: `/v1/shipments?order_id=${orderId}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

export interface EventRow {
  type: string;
  channel: string | null;
  data: Record<string, unknown>;
}

/** The events stored for a resource, in the order they were written (rows, numbered or not). */
export const eventsOf = async (t: TestApp, resourceId: string): Promise<EventRow[]> =>
  (
    await t.pool.query('SELECT type, channel, data FROM events WHERE resource_id = $1 ORDER BY sequence', [
      resourceId,
    ])
  ).rows;

/** The types of the events stored for a resource, in the order they were written. */
export const eventTypes = async (t: TestApp, resourceId: string): Promise<string[]> =>
  (await eventsOf(t, resourceId)).map((e) => e.type);

/**
 * The reservations of an order's lines, oldest first: `{ quantity, status, expires_at }`, and with
 * `ids` also `id` and `order_line_id`.
 */
export async function reservationsOf(t: TestApp, orderId: string, options: { ids?: boolean } = {}) {
  const { rows } = await t.pool.query(
    `SELECT ${options.ids ? 'r.id, r.order_line_id, ' : ''}r.quantity, r.status, r.expires_at FROM reservations r
       JOIN order_lines ol ON r.order_line_id = ol.id WHERE ol.order_id = $1 ORDER BY r.id`,
    [orderId],
  );
  return rows;
}

/** Waits for the release run a capture nudged, then runs the releaser once more. */
export async function settleReleaser(t: TestApp): Promise<void> {
  await t.app.services.releaser.idle();
  await t.app.services.releaser.run();
}

/**
 * Releases the order's shipments, packs them (overriding the scan) and ships them. Orders of earlier tests
 * share the release queue, and a run a capture nudged may hold the order (claims skip locked rows): wait
 * for it and run again until this order's turn came.
 */
export async function releaseAndShip(t: TestApp, orderId: string): Promise<void> {
  let shipments: ShipmentView[] = [];
  for (let pass = 0; shipments.length === 0 && pass < 11; pass++) {
    await settleReleaser(t);
    shipments = await shipmentsOf(t, orderId);
  }
  expect(shipments.length).toBeGreaterThan(0);
  for (const shipment of shipments) {
    for (const [step, payload] of [
      ['pack', { override: { reason: 'test' } }],
      ['ship', {}],
    ] as const) {
      const res = await t.request({ method: 'POST', url: `/v1/shipments/${shipment.id}/${step}`, payload });
      expect(res.statusCode, res.body).toBe(200);
    }
  }
}

/** Captures an order (asserting the 201) and lets the releaser release it; returns the order as captured. */
export async function captureReleased(t: TestApp, body: object) {
  const order = await captureOrder(t, body);
  await settleReleaser(t);
  return order;
}

/** An order as GET /v1/orders/:id shows it (asserting the 200). */
export async function orderOf(t: TestApp, id: string) {
  const res = await t.request({ method: 'GET', url: `/v1/orders/${id}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
