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

/**
 * A new product (with `options.product` fields) and its stock: `at` maps location codes to units
 * received there (nothing received when empty). `settle`: then waits for the backorder run the
 * receipt nudged. Returns the SKU.
 */
export async function stocked(
  t: TestApp,
  at: Record<string, number>,
  options: { product?: Record<string, unknown>; settle?: boolean } = {},
): Promise<string> {
  const { sku } = await makeProduct(t, options.product);
  const items = Object.entries(at).map(([location, delta]) => ({ sku, location, delta }));
  if (items.length > 0) {
    await receive(t, items);
    if (options.settle) {
      await t.app.services.backorders.idle();
    }
  }
  return sku;
}

/** Ada Lovelace at the Empire State Building: where `orderBody` ships to (no coordinates given). */
export const empireStateBuilding = {
  name: 'Ada Lovelace',
  line1: '350 5th Ave',
  city: 'New York',
  region: 'NY',
  postal_code: '10118',
  country: 'US',
};

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
    ship_to: { ...empireStateBuilding },
    lines: priced,
    currency: 'USD',
    shipping: { service_level: 'standard', amount: 500 },
    payment: { status: 'captured', amount: total, method: 'card' },
    ...fields,
  };
}

/** The Empire State Building, placed: 43 km from Edison NJ (the default location), 1,145 km from Chicago. */
export const newYork = { ...empireStateBuilding, latitude: 40.7484, longitude: -73.9967 };

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

/**
 * Two locations serving only `channel`, seen from New York: `near` in Edison NJ (preferred by
 * routing, priority 10) and `far` in Chicago (priority 1). `fields.near`: more fields for `near`.
 */
export async function nearAndFar(
  t: TestApp,
  channel: string,
  fields: { near?: Record<string, unknown> } = {},
): Promise<{ near: string; far: string }> {
  const near = (
    await makeLocation(t, {
      latitude: 40.5187,
      longitude: -74.4121,
      priority: 10,
      channels: [channel],
      time_zone: 'America/New_York',
      ...fields.near,
    })
  ).code;
  const far = (
    await makeLocation(t, {
      address: { line1: '1 Lake St', city: 'Chicago', region: 'IL', postal_code: '60601', country: 'US' },
      latitude: 41.8781,
      longitude: -87.6298,
      priority: 1,
      channels: [channel],
      time_zone: 'America/Chicago',
    })
  ).code;
  return { near, far };
}
