import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopes } from '../../src/http/caller.js';
import { generateOpenApiDocument } from '../../src/openapi-document.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

const document = JSON.parse(await generateOpenApiDocument()) as {
  paths: Record<string, Record<string, { 'x-required-scope'?: string; security?: unknown[] }>>;
};
// Every /v1 operation in the document, so a new route joins this matrix by existing.
const routes = Object.entries(document.paths)
  .filter(([path]) => path.startsWith('/v1/'))
  .flatMap(([path, methods]) =>
    // Shopify's signed deliveries take no key (test/modules/connectors covers their signature).
    Object.entries(methods)
      .filter(([, operation]) => JSON.stringify(operation.security) === JSON.stringify([{ apiKey: [] }]))
      .map(([method, operation]) => ({
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase() as Method,
        url: path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000'),
        scope: operation['x-required-scope'],
      })),
  );

let t: TestApp;
let revokedKey: string;
const keysWithout = new Map<string, string>();
let readerKey: string;

beforeAll(async () => {
  t = await createTestApp();
  revokedKey = await t.keyWith(['admin']);
  const [row] = (await t.pool.query("SELECT id FROM api_keys WHERE name = 'test admin'")).rows;
  await t.request({ method: 'DELETE', url: `/v1/api-keys/${row.id}` });
  for (const scope of scopes) {
    keysWithout.set(scope, await t.keyWith(scopes.filter((s) => s !== 'admin' && s !== scope)));
  }
  readerKey = await t.keyWith(['orders:read']);
});
afterAll(() => t.close());

const send = (route: (typeof routes)[number], key: string | null) =>
  t.request({
    method: route.method,
    url: route.url,
    key,
    ...(route.method === 'POST' || route.method === 'PATCH' || route.method === 'PUT' ? { payload: {} } : {}),
  });

describe('the auth matrix', () => {
  it('covers every API route', () => {
    expect(routes.length).toBeGreaterThan(15);
  });

  it.each(routes)('$name refuses a missing, malformed, unknown or revoked key with 401', async (route) => {
    for (const key of [null, 'not-a-key with spaces', 'ordo_sk_unknown', revokedKey]) {
      const res = await send(route, key);
      expect(res.statusCode, `key ${key}`).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="ordo"');
    }
  });

  it.each(routes)('$name checks its scope', async (route) => {
    if (route.scope) {
      const wrong = await send(route, keysWithout.get(route.scope) ?? null);
      expect(wrong.statusCode).toBe(403);
      expect(wrong.json()).toMatchObject({ code: 'forbidden', detail: expect.stringContaining(route.scope) });
      const right = await send(route, await t.keyWith([route.scope as (typeof scopes)[number]]));
      expect([401, 403]).not.toContain(right.statusCode);
    } else {
      const anyKey = await send(route, readerKey);
      expect([401, 403]).not.toContain(anyKey.statusCode);
    }
    const admin = await send(route, t.adminKey);
    expect([401, 403]).not.toContain(admin.statusCode);
  });

  it('accepts the scheme name in any case', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/v1/channels',
      key: null,
      headers: { authorization: `bearer ${t.adminKey}` },
    });
    expect(res.statusCode).toBe(200);
  });

  it('leaves system routes and the documents public', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
      const res = await t.request({ method: 'GET', url, key: null });
      expect(res.statusCode, url).toBeLessThan(400);
    }
  });
});
