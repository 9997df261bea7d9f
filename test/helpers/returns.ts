import { expect } from 'vitest';
import type { ReturnView } from '../../src/modules/returns/returns.schemas.js';
import type { TestApp } from './app.js';
import { orderBody } from './factories.js';
import { captureReleased, orderOf, shipmentsOf } from './orders.js';

const post = (t: TestApp, url: string, payload: object = {}) => t.request({ method: 'POST', url, payload });

/**
 * An order of `channel` captured, released, packed (admin override), shipped and delivered, over HTTP
 * (the channel's service level needs a carrier service). Returns the order as GET shows it.
 */
export async function deliveredOrder(
  t: TestApp,
  channel: string,
  lines: Array<{ sku: string; quantity: number; unit_price?: number; tax_amount?: number }>,
  fields: Record<string, unknown> = {},
) {
  const placed = await captureReleased(t, orderBody(channel, lines, fields));
  for (const shipment of await shipmentsOf(t, placed.id)) {
    const packed = await post(t, `/v1/shipments/${shipment.id}/pack`, { override: { reason: 'test' } });
    expect(packed.statusCode, packed.body).toBe(200);
    expect((await post(t, `/v1/shipments/${shipment.id}/ship`)).statusCode).toBe(200);
    const delivered = await post(t, `/v1/shipments/${shipment.id}/tracking`, { status: 'delivered' });
    expect(delivered.statusCode).toBe(200);
  }
  const order = await orderOf(t, placed.id);
  expect(order.status).toBe('delivered');
  return order;
}

/** The id of the order's line of `sku`. */
export const lineOf = (order: { lines: Array<{ id: number; sku: string }> }, sku: string) =>
  order.lines.find((line) => line.sku === sku)?.id as number;

/** POST /v1/orders/{id}/returns, asserting the 201; `key` defaults to the admin key. */
export async function openReturn(
  t: TestApp,
  orderId: string,
  payload: object,
  key: string = t.adminKey,
): Promise<ReturnView> {
  const res = await t.request({ method: 'POST', url: `/v1/orders/${orderId}/returns`, payload, key });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** The replacement orders captured for a return (by its number), as rows: id, status. */
export const replacementsOf = async (t: TestApp, returnNumber: string) =>
  (
    await t.pool.query<{ id: string; status: string }>(
      `SELECT id, status FROM orders WHERE metadata->>'return' = $1 ORDER BY created_at`,
      [returnNumber],
    )
  ).rows;
