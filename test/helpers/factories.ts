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

/** The Empire State Building, placed: 43 km from Edison NJ (the default location), 1,145 km from Chicago. */
export const newYork = {
  name: 'Ada Lovelace',
  line1: '350 5th Ave',
  city: 'New York',
  region: 'NY',
  postal_code: '10118',
  country: 'US',
  latitude: 40.7484,
  longitude: -73.9967,
};

/** A rate card of one distance band and one weight bracket that covers any parcel. */
export const flatRateCard = (price: number, transitDays: number) => ({
  distance_bands: [{ min_km: 0, max_km: 20_000 }],
  weight_brackets: [{ min_grams: 0, max_grams: 100_000 }],
  rates: [[{ price, transit_days: transitDays }]],
});

/** A carrier; by default one `ground` service for `service_levels` at a flat 600 and 3 days. */
export const makeCarrier = (
  t: TestApp,
  fields: Record<string, unknown> = {},
  serviceLevels: string[] = ['standard'],
) =>
  created(t, '/v1/carriers', {
    code: uniq('car'),
    name: 'Parcel',
    services: [
      { code: 'ground', name: 'Ground', service_levels: serviceLevels, rate_card: flatRateCard(600, 3) },
    ],
    ...fields,
  });
