import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from './app.js';

/** Short unique suffixes, so tests sharing a file's database never collide. */
export const uniq = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function created(t: TestApp, url: string, payload: object) {
  const res = await t.request({ method: 'POST', url, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

export const makeChannel = (t: TestApp, fields: Record<string, unknown> = {}) =>
  created(t, '/v1/channels', { code: uniq('ch'), name: 'Channel', ...fields });

export const makeLocation = (t: TestApp, fields: Record<string, unknown> = {}) =>
  created(t, '/v1/locations', {
    code: uniq('loc'),
    name: 'Location',
    kind: 'warehouse',
    address: { line1: '1 Main St', city: 'Edison', region: 'NJ', postal_code: '08837', country: 'US' },
    ...fields,
  });

export const makeProduct = (t: TestApp, fields: Record<string, unknown> = {}) =>
  created(t, '/v1/products', { sku: uniq('SKU'), name: 'Product', ...fields });

/** Puts stock on the shelf through the adjustments feed. */
export async function receive(t: TestApp, items: Array<{ sku: string; location: string; delta: number }>) {
  const res = await t.request({
    method: 'POST',
    url: '/v1/inventory/adjustments',
    payload: { reference: uniq('rcv'), reason: 'receipt', items },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** A complete, valid order body for `channel`; override any field. */
export function orderBody(
  channel: string,
  lines: Array<{ sku: string; quantity: number; unit_price?: number }>,
  fields: Record<string, unknown> = {},
) {
  const priced = lines.map((line) => ({ unit_price: 1000, ...line }));
  const total = priced.reduce((sum, line) => sum + line.quantity * line.unit_price, 0) + 500;
  return {
    channel,
    external_id: uniq('EXT'),
    customer: { email: `${uniq('buyer')}@example.com`, name: 'Ada Lovelace' },
    ship_to: {
      name: 'Ada Lovelace',
      line1: '350 5th Ave',
      city: 'New York',
      region: 'NY',
      postal_code: '10118',
      country: 'US',
    },
    lines: priced,
    currency: 'USD',
    shipping: { service_level: 'standard', amount: 500 },
    payment: { status: 'captured', amount: total, method: 'card' },
    ...fields,
  };
}
