import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { launchChromium, record, screenshot } from '../../helpers/browser.js';
import { makeCarrier, makeChannel, makeLocation, stocked } from '../../helpers/factories.js';
import { deliveredOrder } from '../../helpers/returns.js';
import { linkOf } from './helpers.js';

/**
 * The customer's page at /track/{token}: server-rendered HTML with no JavaScript, every value escaped,
 * strict headers, the same 404 page for every link that shows nothing, and a real headless Chromium
 * on a 375 px wide phone with JavaScript off.
 */

const xss = '<img src=x onerror=alert(1)><script>alert(2)</script>';
const secrets = ['ada.secret@example.com', '350 5th Ave', 'Augusta Ada King', '+1 212 555 0199', 'visa-4242'];

let t: TestApp;
let base: string;
let browser: Browser;
let token: string;
let orderNumber: number;
let revokedToken: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const channel = (await makeChannel(t)).code;
  const location = (await makeLocation(t)).code;
  await makeCarrier(t);
  const sku = await stocked(t, { [location]: 50 }, { product: { name: `Reading lamp ${xss}` } });
  const long = await stocked(
    t,
    { [location]: 50 },
    {
      product: { name: `An-extremely-long-product-name-without-any-spaces-${'x'.repeat(80)}` },
    },
  );
  const fields = {
    customer: { email: secrets[0], name: secrets[2], phone: secrets[3] },
    ship_to: {
      name: secrets[2],
      line1: secrets[1],
      city: 'New York',
      region: 'NY',
      postal_code: '10118',
      country: 'US',
    },
    payment: { status: 'captured', amount: 3500, method: secrets[4] },
  };
  const lines = [
    { sku, quantity: 2 },
    { sku: long, quantity: 1 },
  ];
  const order = await deliveredOrder(t, channel, lines, fields);
  orderNumber = order.number;
  const link = await linkOf(t, order.id);
  token = link.token;
  // With no ORDO_PUBLIC_URL, links point where the app listens (the port it picked)
  expect(link.url).toBe(`${base}/track/${token}`);
  const other = await deliveredOrder(t, channel, lines, fields);
  revokedToken = (await linkOf(t, other.id)).token;
  await t.request({ method: 'DELETE', url: `/v1/orders/${other.id}/status-link` });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

/** A phone: 375 px wide, JavaScript off. */
async function phone() {
  const context = await browser.newContext({
    viewport: { width: 375, height: 740 },
    javaScriptEnabled: false,
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
  });
  contexts.push(context);
  const page = await context.newPage();
  return { page, recorded: record(page) };
}

describe('the page over HTTP', () => {
  it('is HTML with no script, escaped values and headers that keep the token private', async () => {
    const res = await fetch(`${base}/track/${token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-robots-tag')).toBe('noindex');
    const html = await res.text();
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).not.toMatch(/<script|<[^>]*\son[a-z]+=|javascript:/i);
    expect(html).toContain(
      'Reading lamp &lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;',
    );
    for (const secret of secrets) {
      expect(html).not.toContain(secret);
    }
  });

  it('answers every link that shows nothing with the same 404 page', async () => {
    const pages = new Set<string>();
    for (const bad of [
      'A'.repeat(48),
      revokedToken,
      // The last character changed (to x, or to y when it is x: 1 token in 64 ends in x).
      `${token.slice(0, 47)}${token.endsWith('x') ? 'y' : 'x'}`,
      'y'.repeat(700),
      '%ZZ',
      '',
      `${token}/more`,
    ]) {
      const res = await fetch(`${base}/track/${bad}`);
      expect(res.status, bad).toBe(404);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      pages.add(await res.text());
    }
    expect(pages.size).toBe(1);
    expect([...pages][0]).toContain('This order link does not work');
  });
});

describe('the page in a phone’s browser, JavaScript off', () => {
  it('shows what the customer needs, hides what they must not see, and never scrolls sideways', async () => {
    const { page, recorded } = await phone();
    const res = await page.goto(`${base}/track/${token}`);
    expect(res?.status()).toBe(200);
    const text = await page.locator('body').innerText();
    expect(text).toContain(`Order ${orderNumber}`);
    expect(text).toContain('Delivered');
    expect(text).toContain(`Reading lamp ${xss}`);
    expect(text).toMatch(/2 ordered, 2 shipped/);
    expect(text).toMatch(/Tracking number/);
    expect(text).toContain('New York, NY 10118, US');
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
    }
    // Nothing wider than the phone: the document is as wide as the viewport
    const widths = (await page.evaluate(
      '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
    )) as { scroll: number; client: number };
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    expect(widths.client).toBe(375);
    expect(recorded.dialogs).toEqual([]);
    expect(recorded.errors).toEqual([]);
    // Only the page itself was loaded: no script, style sheet, font or image from anywhere
    expect(recorded.urls).toEqual([`${base}/track/${token}`]);
    await screenshot(page, 'track-phone');
  });

  it('shows the not-found page for a revoked link', async () => {
    const { page } = await phone();
    const res = await page.goto(`${base}/track/${revokedToken}`);
    expect(res?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(
      'This order link does not work',
    );
    await screenshot(page, 'track-not-found');
  });
});
