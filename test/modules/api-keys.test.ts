import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyService } from '../../src/modules/api-keys/api-keys.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await t.request({ method: 'POST', url: '/v1/channels', payload: { code: 'web', name: 'Web' } });
});
afterAll(() => t.close());

const create = (payload: object) => t.request({ method: 'POST', url: '/v1/api-keys', payload });

describe('API keys', () => {
  it('creates a key whose secret is shown once and stored only as a hash', async () => {
    const res = await create({ name: 'storefront', scopes: ['orders:write', 'orders:read'], channel: 'web' });
    expect(res.statusCode).toBe(201);
    const key = res.json();
    expect(key).toMatchObject({
      name: 'storefront',
      scopes: ['orders:write', 'orders:read'],
      channel: 'web',
      rate_limit: null,
      revoked_at: null,
    });
    expect(key.secret).toMatch(/^ordo_sk_[A-Za-z0-9_-]{43}$/);
    expect(key.secret.startsWith(key.prefix)).toBe(true);

    const { rows } = await t.pool.query('SELECT * FROM api_keys WHERE id = $1', [key.id]);
    expect(JSON.stringify(rows[0])).not.toContain(key.secret);
    expect(rows[0].secret_hash).toBe(createHash('sha256').update(key.secret).digest('hex'));

    const fetched = await t.request({ method: 'GET', url: `/v1/api-keys/${key.id}` });
    expect(fetched.json()).not.toHaveProperty('secret');
    const listed = await t.request({ method: 'GET', url: '/v1/api-keys?limit=500' });
    expect(JSON.stringify(listed.json())).not.toContain(key.secret);

    const used = await t.request({ method: 'GET', url: '/v1/channels', key: key.secret });
    expect(used.statusCode).toBe(200);
  });

  it('refuses bad input', async () => {
    const cases: Array<[object, string]> = [
      [{ scopes: ['admin'] }, '/name'],
      [{ name: 'x', scopes: [] }, '/scopes'],
      [{ name: 'x', scopes: ['superuser'] }, '/scopes/0'],
      [{ name: 'x', scopes: ['admin', 'admin'] }, '/scopes'],
      [{ name: 'x', scopes: ['orders:read'], channel: 'nowhere' }, '/channel'],
      [{ name: 'x', scopes: ['admin'], channel: 'web' }, '/scopes'],
      [{ name: 'x', scopes: ['admin'], rate_limit: 0 }, '/rate_limit'],
      [{ name: 'x', scopes: ['admin'], secret: 'mine' }, '/secret'],
    ];
    for (const [payload, pointer] of cases) {
      const res = await create(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(res.json().errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    }
  });

  it('revokes a key: it is refused at once, and revoking again is harmless', async () => {
    const key = (await create({ name: 'temp', scopes: ['orders:read'] })).json();
    expect((await t.request({ method: 'DELETE', url: `/v1/api-keys/${key.id}` })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/v1/channels', key: key.secret })).statusCode).toBe(401);
    expect((await t.request({ method: 'DELETE', url: `/v1/api-keys/${key.id}` })).statusCode).toBe(204);
    const fetched = await t.request({ method: 'GET', url: `/v1/api-keys/${key.id}` });
    expect(fetched.json().revoked_at).not.toBeNull();
  });

  it('answers 404 for unknown ids and 422 for malformed ones', async () => {
    const missing = '4a1e6c2d-0f3b-4c5d-8e9f-a0b1c2d3e4f5';
    expect((await t.request({ method: 'GET', url: `/v1/api-keys/${missing}` })).statusCode).toBe(404);
    expect((await t.request({ method: 'DELETE', url: `/v1/api-keys/${missing}` })).statusCode).toBe(404);
    const malformed = await t.request({ method: 'GET', url: '/v1/api-keys/not-a-uuid' });
    expect(malformed.statusCode).toBe(422);
    expect(malformed.json().errors[0]).toMatchObject({ in: 'params', pointer: '/id' });
  });

  it('pages through keys newest first, and hides revoked ones unless asked', async () => {
    const names = [];
    for (let i = 0; i < 7; i++) {
      names.push((await create({ name: `page-${i}`, scopes: ['orders:read'] })).json().name);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.request({
        method: 'GET',
        url: `/v1/api-keys?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      });
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.data.map((k: { name: string }) => k.name));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(2);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((n) => n.startsWith('page-'))).toEqual([...names].reverse());
    expect(seen).not.toContain('temp');

    const all = await t.request({ method: 'GET', url: '/v1/api-keys?limit=500&include_revoked=true' });
    expect(all.json().data.map((k: { name: string }) => k.name)).toContain('temp');
  });

  it('rejects a cursor it did not hand out, and limits outside 1-500', async () => {
    for (const query of ['cursor=abc', 'cursor=WzFd', 'limit=0', 'limit=501', 'limit=ten']) {
      const res = await t.request({ method: 'GET', url: `/v1/api-keys?${query}` });
      expect(res.statusCode, query).toBe(422);
      expect(res.json().errors[0].in).toBe('query');
    }
  });

  it('defaults a page to 50 items', async () => {
    for (let i = 0; i < 45; i++) {
      await create({ name: `bulk-${i}`, scopes: ['orders:read'] });
    }
    const res = await t.request({ method: 'GET', url: '/v1/api-keys' });
    expect(res.json().data).toHaveLength(50);
    expect(res.json().next_cursor).not.toBeNull();
  });
});

describe('the bootstrap key', () => {
  it('is created once, kept, and reinstated if revoked', async () => {
    const service = createApiKeyService({ db: t.db });
    const secret = 'bootstrap-secret-for-tests-0123456789';
    expect(await service.ensureBootstrapKey(secret)).toBe('created');
    expect(await service.ensureBootstrapKey(secret)).toBe('existed');
    expect((await t.request({ method: 'GET', url: '/v1/api-keys', key: secret })).statusCode).toBe(200);
    const [row] = (
      await t.pool.query("SELECT id FROM api_keys WHERE name = 'bootstrap' AND prefix = $1", [
        secret.slice(0, 12),
      ])
    ).rows;
    expect((await t.request({ method: 'DELETE', url: `/v1/api-keys/${row.id}` })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/v1/api-keys', key: secret })).statusCode).toBe(401);
    expect(await service.ensureBootstrapKey(secret)).toBe('reinstated');
    expect((await t.request({ method: 'GET', url: '/v1/api-keys', key: secret })).statusCode).toBe(200);
  });

  it('creates a first admin key only on an empty database', async () => {
    const service = createApiKeyService({ db: t.db });
    expect(await service.createFirstAdminKey()).toBeUndefined();
  });
});

describe('GET /v1/api-keys/current', () => {
  it('tells any key its own name, scopes and channel, never its secret', async () => {
    const created = (
      await create({ name: 'console reader', scopes: ['orders:read', 'inventory:read'], channel: 'web' })
    ).json();
    const res = await t.request({ method: 'GET', url: '/v1/api-keys/current', key: created.secret });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: created.id,
      name: 'console reader',
      prefix: created.prefix,
      scopes: ['orders:read', 'inventory:read'],
      channel: 'web',
      rate_limit: null,
      created_at: created.created_at,
      revoked_at: null,
    });
    expect(res.body).not.toContain(created.secret);
    const admin = await t.request({ method: 'GET', url: '/v1/api-keys/current' });
    expect(admin.json()).toMatchObject({ name: 'bootstrap', scopes: ['admin'], channel: null });
  });

  it('needs a valid key', async () => {
    expect((await t.request({ method: 'GET', url: '/v1/api-keys/current', key: null })).statusCode).toBe(401);
    const revoked = (await create({ name: 'gone', scopes: ['orders:read'] })).json();
    await t.request({ method: 'DELETE', url: `/v1/api-keys/${revoked.id}` });
    const res = await t.request({ method: 'GET', url: '/v1/api-keys/current', key: revoked.secret });
    expect(res.statusCode).toBe(401);
  });
});
