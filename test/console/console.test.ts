import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium, type PageRecord, record, screenshot } from '../helpers/browser.js';
import { makeChannel, makeLocation, orderBody, stocked, uniq } from '../helpers/factories.js';
import { captureOrder } from '../helpers/orders.js';
import { repositoryRoot } from '../helpers/service.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The operator console in a real headless Chromium against a real Ordo listening on a port: sign-in,
 * the queue, orders, the pages' accessibility, text that stays text, channel-bound keys, and the key
 * that never appears in a URL.
 */

const xss = '<img src=x onerror=alert(1)>';
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let t: TestApp;
let base: string;
let browser: Browser;
const contexts: BrowserContext[] = [];
const records: PageRecord[] = [];
const keys: string[] = [];
/** Every line Ordo logged, at debug level and above. */
const logLines: string[] = [];

const world = {
  web: 'web',
  other: 'marketplace',
  sku: 'TSHIRT-BLK-M',
  /** On hold for payment, released by a test. */
  held: { id: '', number: 0, email: '' },
  /** On hold too, and its customer's name and address are markup. */
  hostile: { id: '', number: 0, hold: 0 },
  /** Another channel's order on hold. */
  foreign: { id: '', number: 0 },
  /** Orders captured: each one's order.created delivery to the ERP failed. */
  orders: 0,
};

const pendingPayment = (amount: number) => ({ status: 'pending', amount, method: 'card' });

async function onHold(channel: string, name: string, fields: Record<string, unknown> = {}) {
  const first =
    name
      .split(' ')[0]
      ?.toLowerCase()
      .replace(/[^a-z]/g, '') || 'buyer';
  const email = `${uniq(first)}@example.com`;
  const lines = [{ sku: world.sku, quantity: 1 }];
  const order = await captureOrder(
    t,
    orderBody(channel, lines, { customer: { email, name }, payment: pendingPayment(1500), ...fields }),
  );
  world.orders += 1;
  return { id: order.id as string, number: order.number as number, email, holds: order.holds };
}

/** A shop (web and marketplace channels, one warehouse, one product), orders on hold, alerts, an ERP. */
async function seed() {
  await makeChannel(t, { code: world.web, name: 'Web store' });
  await makeChannel(t, { code: world.other, name: 'Marketplace' });
  await makeLocation(t, { code: 'NJ-DC', name: 'New Jersey DC' });
  await stocked(t, { 'NJ-DC': 50 }, { product: { sku: world.sku, name: 'T-shirt, black, M' } });
  // An ERP that never answers (nothing listens on port 9): its deliveries fail on their only attempt.
  const webhook = await t.request({
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: 'http://127.0.0.1:9/erp', event_types: ['order.created'], description: xss },
  });
  expect(webhook.statusCode, webhook.body).toBe(201);
  world.held = await onHold(world.web, 'Maria Rossi');
  const hostile = await onHold(world.web, xss, {
    ship_to: { name: xss, line1: xss, city: 'New York', region: 'NY', postal_code: '10118', country: 'US' },
  });
  world.hostile = { ...hostile, hold: hostile.holds[0].id };
  await onHold(world.web, 'Kenji Sato');
  world.foreign = await onHold(world.other, 'Lena Fischer');
  // An alert per open payment hold, so the alerts page has something to acknowledge.
  const rules = await t.request({
    method: 'PUT',
    url: '/v1/alerts/rules',
    payload: { rules: [{ id: 'payments-now', kind: 'hold_age', hours: 0, queues: ['payments'] }] },
  });
  expect(rules.statusCode, rules.body).toBe(200);
  await t.app.services.alerts.evaluate();
  await waitFor(
    async () => {
      await t.app.services.events.sequence();
      await t.app.services.dispatcher.runOnce();
      const { rowCount } = await t.pool.query("SELECT 1 FROM webhook_deliveries WHERE status = 'exhausted'");
      return rowCount === world.orders;
    },
    { what: 'every order.created delivery to fail' },
  );
}

beforeAll(async () => {
  t = await createTestApp({
    config: { webhookRetrySchedule: [], webhookTimeoutMs: 1000 },
    log: pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) }),
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  keys.push(t.adminKey);
  [browser] = await Promise.all([launchChromium(), seed()]);
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

/** A fresh browser tab (its own sessionStorage) that records what it does. */
async function newPage(options: { width?: number; height?: number; bypassCSP?: boolean } = {}) {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
    bypassCSP: options.bypassCSP ?? false,
    acceptDownloads: true,
  });
  contexts.push(context);
  const page = await context.newPage();
  const recorded = record(page);
  records.push(recorded);
  return { page, recorded };
}

async function signIn(page: Page, key = t.adminKey) {
  await page.goto(`${base}/console/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Queues' }).waitFor();
}

/** The queue's row of an order (by its number link). */
const queueRow = (page: Page, number: number) =>
  page.getByRole('row').filter({ has: page.getByRole('link', { name: String(number), exact: true }) });

/** Violations axe rates serious or critical, as `rule: nodes` lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as {
    violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the console’s source', () => {
  it('never parses data as HTML, styles inline or keeps the key beyond the tab', async () => {
    const folder = path.join(repositoryRoot, 'console');
    const files = (await readdir(folder, { recursive: true })).filter((file) => /\.(js|html)$/.test(file));
    expect(files.length).toBeGreaterThan(10);
    const offending: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(folder, file), 'utf8');
      for (const pattern of [
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write/,
        /\beval\(|new Function/,
      ]) {
        if (pattern.test(text)) {
          offending.push(`${file}: ${pattern}`);
        }
      }
      if (file.endsWith('.html') && /<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=/i.test(text)) {
        offending.push(`${file}: inline script, style or handler`);
      }
      if (/localStorage|document\.cookie/.test(text)) {
        offending.push(`${file}: the key belongs in sessionStorage only`);
      }
    }
    expect(offending).toEqual([]);
  });
});

describe('the operator console', () => {
  it('is served by Ordo with a strict Content-Security-Policy, and signs in with a key', async () => {
    const res = await fetch(`${base}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const script = await fetch(`${base}/console/js/app.js`);
    expect(script.headers.get('content-type')).toMatch(/^(application|text)\/javascript/);
    expect((await fetch(`${base}/console`, { redirect: 'manual' })).headers.get('location')).toBe(
      '/console/',
    );
    for (const outside of [
      '..%2f..%2fpackage.json',
      '..%2f..%2f.ordo-data',
      'js/..%2f..%2f..%2fsrc%2fconfig.ts',
    ]) {
      expect([403, 404], outside).toContain((await fetch(`${base}/console/${outside}`)).status);
    }

    const { page, recorded } = await newPage();
    await page.goto(`${base}/console`);
    await page.getByLabel('API key').fill('ordo_sk_not-a-key-at-all-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('unknown or revoked');
    await screenshot(page, 'sign-in');

    await page.getByLabel('API key').fill(t.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Queues' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Console' });
    for (const name of ['Queues', 'Orders', 'Stock', 'Alerts', 'Webhooks', 'Reports']) {
      await expect.poll(() => nav.getByRole('link', { name }).count()).toBe(1);
    }
    // The key lives in this tab's sessionStorage only: no cookie, nothing in localStorage.
    expect(
      await page.evaluate('JSON.stringify([sessionStorage.length, localStorage.length, document.cookie])'),
    ).toBe('[1,0,""]');
    // Reloading keeps the session; signing out forgets the key.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Queues' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(recorded.errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  });

  it('releases a hold from the queue, and the order moves on', async () => {
    const { page } = await newPage();
    await signIn(page);
    const row = queueRow(page, world.held.number);
    await row.waitFor();
    expect(await row.textContent()).toContain('payments');
    await expect.poll(() => row.getByText(/SLA/).textContent()).toMatch(/SLA/);
    await screenshot(page, 'queues');
    // The README's picture of the console: written when missing, or again with UPDATE_SCREENSHOTS=1.
    const readmeShot = path.join(repositoryRoot, 'docs', 'console-queues.png');
    if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(readmeShot)) {
      await page.screenshot({ path: readmeShot });
    }

    await row.getByRole('button', { name: `Assign to me: order ${world.held.number}` }).click();
    await expect.poll(() => row.textContent()).toContain('bootstrap');
    await row.getByRole('button', { name: `Release hold on order ${world.held.number}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Note (optional)').fill('Payment confirmed by phone');
    await dialog.getByRole('button', { name: 'Release' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toMatch(new RegExp(`Order ${world.held.number} released from hold: now (allocated|released)`));
    await expect.poll(() => queueRow(page, world.held.number).count()).toBe(0);

    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByLabel('Search orders').fill(String(world.held.number));
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { level: 1, name: `Order ${world.held.number}` }).waitFor();
    const holds = page.getByRole('region', { name: 'Holds' });
    await expect.poll(() => holds.textContent()).toContain('Payment confirmed by phone');
    const order = await t.request({ method: 'GET', url: `/v1/orders/${world.held.id}` });
    expect(['allocated', 'released']).toContain(order.json().status);
  });

  it('finds an order by customer email and reads its timeline and routing', async () => {
    const { page } = await newPage();
    await signIn(page);
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByLabel('Search orders').fill(world.held.email);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: String(world.held.number), exact: true }).click();
    await page.getByRole('heading', { level: 1, name: `Order ${world.held.number}` }).waitFor();
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await expect.poll(() => timeline.getByRole('listitem').count()).toBeGreaterThan(1);
    const first = await timeline.getByRole('listitem').first().textContent();
    expect(first).toContain('bootstrap');
    expect(first).toContain('order.created');
    const routing = page.getByRole('region', { name: 'Why it ships from there' });
    await expect.poll(() => routing.textContent()).toMatch(/Routing used|not been routed/);
    await expect.poll(() => page.getByRole('region', { name: 'Lines' }).textContent()).toContain(world.sku);
    await screenshot(page, 'order');
  });

  it('shows what customers wrote as text: markup in a name, an address or an assignee runs nothing', async () => {
    const assigned = await t.request({
      method: 'POST',
      url: `/v1/holds/${world.hostile.hold}/assign`,
      payload: { assignee: xss },
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    const { page, recorded } = await newPage();
    await signIn(page);
    const row = queueRow(page, world.hostile.number);
    await row.waitFor();
    expect(await row.textContent()).toContain(xss);
    await page.goto(`${base}/console/#/orders/${world.hostile.id}`);
    await page.getByRole('heading', { level: 1, name: `Order ${world.hostile.number}` }).waitFor();
    await expect.poll(() => page.getByText(xss).count()).toBeGreaterThanOrEqual(2);
    await page.goto(`${base}/console/#/webhooks`);
    await page.getByRole('cell', { name: xss }).waitFor();
    expect(await page.locator('img').count()).toBe(0);
    expect(recorded.dialogs).toEqual([]);
    expect(recorded.errors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
    expect(recorded.urls.some((url) => url.endsWith('/x'))).toBe(false);
  });

  it('shows the queue on a 375 px wide phone screen', async () => {
    const { page } = await newPage({ width: 375, height: 740 });
    await signIn(page);
    await queueRow(page, world.hostile.number).waitFor();
    await page.getByRole('button', { name: `Cancel order ${world.hostile.number}` }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    const box = await page
      .getByRole('button', { name: `Release hold on order ${world.hostile.number}` })
      .boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 375).toBe(true);
    await screenshot(page, 'queues-phone');
  });

  it('gives a channel-bound key its channel only, and no action its scopes lack', async () => {
    const key = await t.keyWith(['orders:read', 'inventory:read'], world.web);
    keys.push(key);
    const { page } = await newPage();
    await signIn(page, key);
    await queueRow(page, world.hostile.number).waitFor();
    expect(await queueRow(page, world.foreign.number).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Release|Cancel order|Assign/ }).count()).toBe(0);
    const nav = page.getByRole('navigation', { name: 'Console' });
    expect(await nav.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
    expect(await page.locator('#who').textContent()).toContain(`${world.web} only`);
    await page.goto(`${base}/console/#/orders/${world.foreign.id}`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not found');
    await page.goto(`${base}/console/#/orders/${world.hostile.id}`);
    await page.getByRole('heading', { level: 1, name: `Order ${world.hostile.number}` }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel order' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Edit address' }).count()).toBe(0);
  });

  it('passes an accessibility check (axe) on every page, and saves a screenshot of each', async () => {
    const { page } = await newPage({ bypassCSP: true });
    const pages: Array<[string, string, string]> = [
      ['queues', '#/queues', 'Queues'],
      ['orders', '#/orders', 'Orders'],
      ['order', `#/orders/${world.hostile.id}`, `Order ${world.hostile.number}`],
      ['stock', `#/stock?sku=${world.sku}`, `Stock of ${world.sku}`],
      ['alerts', '#/alerts', 'Alerts'],
      ['webhooks', '#/webhooks', 'Webhooks'],
      ['reports', '#/reports', 'Reports'],
    ];
    await page.goto(`${base}/console/`);
    await page.getByLabel('API key').waitFor();
    const found: Record<string, string[]> = { 'sign-in': await seriousViolations(page) };
    await signIn(page);
    for (const [name, hash, heading] of pages) {
      await page.goto(`${base}/console/${hash}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await expect.poll(() => page.getByText('Loading…').count()).toBe(0);
      await screenshot(page, name);
      found[name] = await seriousViolations(page);
    }
    const subscription = page.getByRole('link', { name: 'http://127.0.0.1:9/erp' });
    await page.goto(`${base}/console/#/webhooks`);
    await subscription.click();
    await page.getByRole('heading', { level: 1, name: 'Webhook subscription' }).waitFor();
    await screenshot(page, 'webhook');
    found.webhook = await seriousViolations(page);
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((name) => [name, []])));
  });

  it('acknowledges an alert and saves a reorder point', async () => {
    const { page } = await newPage();
    await signIn(page);
    await page.getByRole('link', { name: 'Alerts' }).click();
    const acknowledge = page.getByRole('button', { name: /^Acknowledge alert/ }).first();
    await acknowledge.waitFor();
    const before = await page.getByRole('button', { name: /^Acknowledge alert/ }).count();
    await acknowledge.click();
    await expect
      .poll(() => page.getByRole('button', { name: /^Acknowledge alert/ }).count())
      .toBe(before - 1);

    await page.goto(`${base}/console/#/stock?sku=${world.sku}`);
    const point = page.getByRole('spinbutton', { name: /Reorder point at/ });
    await point.fill('12');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Reorder point');
    const levels = await t.request({ method: 'GET', url: `/v1/inventory/levels?sku=${world.sku}` });
    expect(levels.json().data[0].reorder_point).toBe(12);
  });

  it('retries a failed webhook delivery and replays events', async () => {
    const { page } = await newPage();
    await signIn(page);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    const row = page.getByRole('row').filter({ hasText: 'http://127.0.0.1:9/erp' });
    await expect.poll(() => row.textContent()).toMatch(/failing since/);
    await row.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Webhook subscription' }).waitFor();
    const retry = page.getByRole('button', { name: /^Retry now: delivery/ });
    await expect.poll(() => retry.count()).toBe(world.orders);
    expect(await page.getByRole('region', { name: 'Deliveries' }).textContent()).toContain('order.created');
    await retry.first().click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Queued for another try');
    await expect.poll(() => retry.count()).toBe(world.orders - 1);
    await page.getByLabel('From sequence').fill('1');
    await page.getByLabel('To sequence').fill('10000');
    await page.getByRole('button', { name: 'Replay' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`${world.orders} deliveries queued`);
  });

  it('edits the address of an order before release, then cancels it with a reason', async () => {
    const { page } = await newPage();
    await signIn(page);
    await page.goto(`${base}/console/#/orders/${world.foreign.id}`);
    await page.getByRole('heading', { level: 1, name: `Order ${world.foreign.number}` }).waitFor();
    await page.getByRole('button', { name: 'Edit address' }).click();
    const form = page.getByRole('form', { name: 'Ship-to address' });
    await form.getByLabel('Address line 1').fill('20 W 34th St');
    await form.getByLabel('Address line 2').fill('Floor 3');
    await form.getByRole('button', { name: 'Save address' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Address saved');
    await expect.poll(() => page.getByText('20 W 34th St, Floor 3').count()).toBe(1);

    await page.getByRole('button', { name: 'Cancel order' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Cancel the order' }).click();
    expect(await dialog.isVisible()).toBe(true); // a cancellation needs its reason
    await dialog.getByLabel('Reason').fill('Customer asked by phone');
    await dialog.getByRole('button', { name: 'Cancel the order' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('is cancelled');
    const order = (await t.request({ method: 'GET', url: `/v1/orders/${world.foreign.id}` })).json();
    expect(order).toMatchObject({ status: 'cancelled', cancel_reason: 'Customer asked by phone' });
    expect(order.ship_to).toMatchObject({ line1: '20 W 34th St', line2: 'Floor 3' });
  });

  it('downloads report CSV with the key in a header, never in a URL', async () => {
    const { page } = await newPage();
    await signIn(page);
    await page.getByRole('link', { name: 'Reports' }).click();
    const section = page.getByRole('region', { name: 'Orders per day' });
    await section.getByRole('button', { name: 'Download CSV' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      section.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const csv = await readFile((await download.path()) ?? '', 'utf8');
    expect(csv.split('\n')[0]).toContain('day');
    expect(download.suggestedFilename()).toMatch(/^orders-by_day-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);

    // Every page every test opened: no request URL carries a key, whole or in part; no log line either.
    const requestLines = logLines.filter((line) => line.includes('request completed'));
    expect(requestLines.filter((line) => line.includes('/v1/holds')).length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(logLines.filter((line) => line.includes(key))).toEqual([]);
    }
    expect(logLines.filter((line) => /bearer|authorization/i.test(line))).toEqual([]);
    const urls = records.flatMap((r) => r.urls);
    expect(urls.length).toBeGreaterThan(50);
    for (const key of keys) {
      expect(urls.filter((url) => url.includes(key) || url.includes(encodeURIComponent(key)))).toEqual([]);
    }
    expect(urls.filter((url) => /ordo_sk_/.test(decodeURIComponent(url)))).toEqual([]);
  });
});
