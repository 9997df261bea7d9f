import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeCarrier, makeChannel, makeLocation, orderBody, stocked, uniq } from '../../helpers/factories.js';
import { captureOrder, settleReleaser } from '../../helpers/orders.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';
import { linkOf, lookup, notFoundBody, track } from './helpers.js';

/**
 * Finding an order without a link: its number and the customer's email or delivery postal code, one
 * 404 for anything that does not match, and a limit per client address so numbers cannot be tried
 * one after another.
 */

let t: TestApp;
let channel: string;
let sku: string;
/** A fresh client address per test: the lookup limit (3 here) counts per address. */
let client = 0;
const nextIp = () => `10.20.${Math.floor(++client / 250)}.${client % 250}`;

beforeAll(async () => {
  t = await createTestApp({ config: { trackLookupRateLimit: 3, trackRateLimit: 5 } });
  channel = (await makeChannel(t)).code;
  const location = (await makeLocation(t)).code;
  await makeCarrier(t);
  sku = await stocked(t, { [location]: 100 }, { product: { name: 'Linen shirt' } });
});
afterAll(() => t.close());

async function order(fields: Record<string, unknown> = {}) {
  const email = `${uniq('Grace.Hopper')}@Example.com`;
  const placed = await captureOrder(
    t,
    orderBody(channel, [{ sku, quantity: 1 }], { customer: { email, name: 'Grace Hopper' }, ...fields }),
  );
  // Released now, so the views compared below do not change in between
  await settleReleaser(t);
  return { ...placed, email } as { id: string; number: number; email: string };
}

describe('a lookup by order number', () => {
  it('finds the order by the email in any case, answering its link and the customer view', async () => {
    const placed = await order();
    const ip = nextIp();
    const res = await lookup(
      t,
      { order_number: placed.number, email: `  ${placed.email.toUpperCase()} ` },
      ip,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const link = await linkOf(t, placed.id);
    const found = res.json();
    expect(found.status_link).toEqual({ url: link.url, token: link.token });
    expect(found.order).toEqual((await track(t, link.token, nextIp())).json());
    expect(found.order).toMatchObject({ order_number: placed.number, items: [{ sku, name: 'Linen shirt' }] });
    expect(res.body).not.toContain(placed.email.toLowerCase());
    // The number as a customer types it
    const typed = await lookup(t, { order_number: `#${placed.number}`, email: placed.email }, ip);
    expect(typed.statusCode, typed.body).toBe(200);
  });

  it('finds it by the delivery postal code, ignoring case, spaces and dashes', async () => {
    const london = {
      name: 'Grace Hopper',
      line1: '10 Downing St',
      city: 'London',
      postal_code: 'SW1A 2AA',
      country: 'GB',
    };
    const placed = await order({ ship_to: london });
    for (const postal of ['sw1a2aa', ' SW1A-2AA ', 'Sw1a 2aA']) {
      const res = await lookup(t, { order_number: placed.number, postal_code: postal }, nextIp());
      expect(res.statusCode, `${postal}: ${res.body}`).toBe(200);
      expect(res.json().order.ship_to).toEqual({
        city: 'London',
        region: null,
        postal_code: 'SW1A 2AA',
        country: 'GB',
      });
    }
  });

  it('answers a wrong email, a wrong postal code, an unknown number and a revoked link with one 404', async () => {
    const placed = await order();
    const revoked = await order();
    expect(
      (await t.request({ method: 'DELETE', url: `/v1/orders/${revoked.id}/status-link` })).statusCode,
    ).toBe(204);
    const unknownToken = notFoundBody(await track(t, 'A'.repeat(48), nextIp()));
    const attempts = [
      { order_number: placed.number, email: 'someone.else@example.com' },
      { order_number: placed.number, postal_code: '90210' },
      { order_number: 999_999_999, email: placed.email },
      { order_number: '999999999999999', postal_code: '10118' },
      { order_number: revoked.number, email: revoked.email },
      { order_number: placed.number, email: `${placed.email}x` },
    ];
    for (const attempt of attempts) {
      const res = await lookup(t, attempt, nextIp());
      expectProblem(res, 404, 'not_found', { instance: '/v1/track' });
      expect(notFoundBody(res), JSON.stringify(attempt)).toBe(unknownToken);
    }
  });

  it('needs the number and exactly one of email and postal code (422)', async () => {
    const placed = await order();
    const both = { order_number: placed.number, email: placed.email, postal_code: '10118' };
    expectInvalid(await lookup(t, both, nextIp()), ['/email', '/postal_code']);
    expectInvalid(await lookup(t, { order_number: placed.number }, nextIp()), ['/email', '/postal_code']);
    expectInvalid(await lookup(t, { email: placed.email }, nextIp()), ['/order_number']);
    expectInvalid(await lookup(t, { order_number: 'abc', email: placed.email }, nextIp()), ['/order_number']);
    expectInvalid(await lookup(t, { order_number: -1, email: placed.email }, nextIp()), ['/order_number']);
    const extra = { order_number: placed.number, email: placed.email, name: 'x' };
    expectInvalid(await lookup(t, extra, nextIp()), ['/name']);
  });
});

describe('the limits per client address', () => {
  it('answers the lookup after the limit with a 429 and Retry-After, for that address only', async () => {
    const placed = await order();
    const ip = nextIp();
    const guess = (n: number) => lookup(t, { order_number: placed.number + n, email: placed.email }, ip);
    for (let i = 0; i < 3; i++) {
      expect((await guess(i + 1)).statusCode).toBe(404);
    }
    const limited = await guess(0);
    expectProblem(limited, 429, 'rate_limited', { instance: '/v1/track/lookup' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Even the right answer waits: guesses cannot be told apart from it
    expect(limited.body).not.toContain(String(placed.number));
    const elsewhere = await lookup(t, { order_number: placed.number, email: placed.email }, nextIp());
    expect(elsewhere.statusCode, elsewhere.body).toBe(200);
  });

  it('limits views of links (JSON and page) per address too', async () => {
    const placed = await order();
    const { token } = await linkOf(t, placed.id);
    const ip = nextIp();
    for (let i = 0; i < 5; i++) {
      expect((await track(t, i % 2 ? 'B'.repeat(48) : token, ip)).statusCode).toBeLessThan(429);
    }
    const limited = await track(t, token, ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await track(t, token, nextIp())).statusCode).toBe(200);
    const page = () => t.app.inject({ method: 'GET', url: `/track/${token}`, remoteAddress: ip });
    for (let i = 0; i < 5; i++) {
      expect((await page()).statusCode).toBe(200);
    }
    expect((await page()).statusCode).toBe(429);
  });

  it('takes the client address from X-Forwarded-For only when ORDO_TRUST_PROXY trusts the proxy', async () => {
    const placed = await order();
    const proxy = '10.99.0.1';
    const through = (client: string, app = t.app) =>
      app.inject({
        method: 'POST',
        url: '/v1/track/lookup',
        payload: { order_number: placed.number, email: 'wrong@example.com' },
        remoteAddress: proxy,
        headers: { 'x-forwarded-for': client },
      });
    // Not trusted: every client behind the proxy shares its address
    for (let i = 0; i < 3; i++) {
      expect((await through(`203.0.113.${i}`)).statusCode).toBe(404);
    }
    expect((await through('203.0.113.77')).statusCode).toBe(429);
    // Trusted: each client has its own count
    const trusting = await createTestApp({ config: { trackLookupRateLimit: 1, trustProxy: [proxy] } });
    try {
      expect((await through('203.0.113.1', trusting.app)).statusCode).toBe(404);
      expect((await through('203.0.113.2', trusting.app)).statusCode).toBe(404);
      expect((await through('203.0.113.1', trusting.app)).statusCode).toBe(429);
    } finally {
      await trusting.close();
    }
  });
});
