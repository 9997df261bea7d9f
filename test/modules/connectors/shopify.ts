import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, uniq } from '../../helpers/factories.js';

/** The fixture `orders/create` body: 2 x TEE-BLK-M at 25.00, 5.00 off, 7.00 shipping, 2.70 tax = 54.70. */
export const fixtureOrder = (): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL('./fixtures/orders-create.json', import.meta.url), 'utf8'));

export const sign = (secret: string, body: string | Buffer) =>
  createHmac('sha256', secret).update(body).digest('base64');

export interface Shop {
  channel: string;
  location: string;
  secret: string;
  token: string;
}

/**
 * A channel (with `channelFields`) and a location, connected to a Shopify store (the location mapped to
 * Location/1).
 */
export async function connectShop(
  t: TestApp,
  fields: Record<string, unknown> = {},
  channelFields: Record<string, unknown> = {},
): Promise<Shop> {
  const channel = (await makeChannel(t, channelFields)).code;
  const location = (await makeLocation(t)).code;
  const secret = uniq('whsec-secret');
  const token = uniq('shpat-token');
  const res = await t.request({
    method: 'PUT',
    url: `/v1/connectors/shopify/${channel}`,
    payload: {
      shop_domain: 'acme-store.myshopify.com',
      webhook_secret: secret,
      access_token: token,
      api_version: '2025-01',
      locations: { [location]: 'gid://shopify/Location/1' },
      ...fields,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { channel, location, secret, token };
}

/** One signed delivery, as Shopify sends it (`hmac: null` leaves the signature out). */
export function deliver(
  t: TestApp,
  shop: Shop,
  topic: string,
  body: string | object,
  options: { eventId?: string; hmac?: string | null; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const hmac = options.hmac === undefined ? sign(shop.secret, raw) : options.hmac;
  return t.app.inject({
    method: 'POST',
    url: `/v1/connectors/shopify/${shop.channel}/webhooks`,
    payload: raw,
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': 'acme-store.myshopify.com',
      'x-shopify-api-version': '2025-01',
      'x-shopify-webhook-id': uniq('wh'),
      'x-shopify-event-id': options.eventId ?? uniq('ev'),
      'x-shopify-triggered-at': new Date().toISOString(),
      ...(hmac === null ? {} : { 'x-shopify-hmac-sha256': hmac }),
      ...options.headers,
    },
  });
}

/** A copy of the fixture as another Shopify order with these SKUs (one unit each at 25.00, no extras). */
export function shopifyOrder(id: number, skus: string[], fields: Record<string, unknown> = {}) {
  const total = (skus.length * 25).toFixed(2);
  return {
    ...fixtureOrder(),
    id,
    line_items: skus.map((sku, i) => ({ id: i + 1, sku, quantity: 1, price: '25.00', tax_lines: [] })),
    shipping_lines: [],
    discount_codes: [],
    total_price: total,
    ...fields,
  };
}
