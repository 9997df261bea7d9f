import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ config: { rateLimitMax: 3, rateLimitWindowMs: 60_000 } });
});
afterAll(() => t.close());

const list = (key: string) => t.request({ method: 'GET', url: '/v1/channels', key });

describe('per-key rate limits', () => {
  it('counts down in RateLimit headers, then answers 429 with Retry-After', async () => {
    const key = await t.keyWith(['orders:read']);
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const res = await list(key);
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe('3');
      remaining.push(res.headers['ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await list(key);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(limited.json()).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['ratelimit-reset'])).toBeGreaterThan(0);
  });

  it('limits each key on its own', async () => {
    const busy = await t.keyWith(['orders:read']);
    for (let i = 0; i < 4; i++) {
      await list(busy);
    }
    expect((await list(busy)).statusCode).toBe(429);
    expect((await list(await t.keyWith(['orders:read']))).statusCode).toBe(200);
  });

  it("honours a key's own limit", async () => {
    const created = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      payload: { name: 'generous', scopes: ['orders:read'], rate_limit: 10 },
    });
    const key = created.json().secret as string;
    for (let i = 0; i < 10; i++) {
      expect((await list(key)).statusCode).toBe(200);
    }
    expect((await list(key)).statusCode).toBe(429);
  });

  it('does not count system routes or rejected keys', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await t.request({ method: 'GET', url: '/healthz', key: null })).statusCode).toBe(200);
      expect((await t.request({ method: 'GET', url: '/v1/channels', key: 'ordo_sk_nope' })).statusCode).toBe(
        401,
      );
    }
  });
});
