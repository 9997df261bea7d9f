import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation } from '../../helpers/factories.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';
import { connectShop } from './shopify.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const body = (location: string) => ({
  shop_domain: 'acme-store.myshopify.com',
  webhook_secret: 'shpss_first_secret_value',
  access_token: 'shpat_first_token_value',
  api_version: '2025-01',
  locations: { [location]: 'gid://shopify/Location/71234567890' },
});

describe('PUT /v1/connectors/shopify/{channel}', () => {
  it('connects a channel and never returns the secrets', async () => {
    const channel = (await makeChannel(t)).code;
    const location = (await makeLocation(t)).code;
    const res = await t.request({
      method: 'PUT',
      url: `/v1/connectors/shopify/${channel}`,
      payload: body(location),
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({
      channel,
      shop_domain: 'acme-store.myshopify.com',
      api_version: '2025-01',
      locations: { [location]: 'gid://shopify/Location/71234567890' },
      webhook_path: `/v1/connectors/shopify/${channel}/webhooks`,
      webhook_secret_set: true,
      access_token_set: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const got = await t.request({ method: 'GET', url: `/v1/connectors/shopify/${channel}` });
    expect(got.statusCode).toBe(200);
    for (const text of [res.body, got.body]) {
      expect(text).not.toContain('shpss_first_secret_value');
      expect(text).not.toContain('shpat_first_token_value');
    }
    // Its orders are created by a channel-bound key of its own, whose secret nobody has.
    const key = await t.pool.query(
      'SELECT k.channel_code, k.scopes FROM shopify_connectors s JOIN api_keys k ON k.id = s.api_key_id JOIN channels c ON c.id = s.channel_id WHERE c.code = $1',
      [channel],
    );
    expect(key.rows[0]).toEqual({ channel_code: channel, scopes: ['orders:read', 'orders:write'] });
  });

  it('keeps the stored secrets when a change leaves them out', async () => {
    const shop = await connectShop(t);
    const res = await t.request({
      method: 'PUT',
      url: `/v1/connectors/shopify/${shop.channel}`,
      payload: { shop_domain: 'acme-store.myshopify.com', api_version: '2025-04', locations: {} },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ api_version: '2025-04', locations: {}, webhook_secret_set: true });
    const row = await t.pool.query(
      'SELECT webhook_secret, access_token FROM shopify_connectors s JOIN channels c ON c.id = s.channel_id WHERE c.code = $1',
      [shop.channel],
    );
    expect(row.rows[0]).toEqual({ webhook_secret: shop.secret, access_token: shop.token });
  });

  it('needs the secrets the first time, and valid fields', async () => {
    const channel = (await makeChannel(t)).code;
    const first = await t.request({
      method: 'PUT',
      url: `/v1/connectors/shopify/${channel}`,
      payload: { shop_domain: 'acme-store.myshopify.com', api_version: '2025-01', locations: {} },
    });
    expectInvalid(first, ['/webhook_secret', '/access_token']);
    const bad = await t.request({
      method: 'PUT',
      url: `/v1/connectors/shopify/${channel}`,
      payload: {
        ...body('x'),
        shop_domain: 'evil.example.com',
        api_version: 'latest',
        locations: { x: 'Location/1' },
      },
    });
    expectProblem(bad, 422, 'validation_failed');
  });

  it('answers 404 for an unknown channel', async () => {
    const res = await t.request({
      method: 'PUT',
      url: '/v1/connectors/shopify/nope-nope',
      payload: body('x'),
    });
    expectProblem(res, 404, 'not_found');
    expectProblem(
      await t.request({ method: 'GET', url: '/v1/connectors/shopify/nope-nope' }),
      404,
      'not_found',
    );
  });

  it('disconnects', async () => {
    const shop = await connectShop(t);
    const res = await t.request({ method: 'DELETE', url: `/v1/connectors/shopify/${shop.channel}` });
    expect(res.statusCode).toBe(204);
    expectProblem(
      await t.request({ method: 'GET', url: `/v1/connectors/shopify/${shop.channel}` }),
      404,
      'not_found',
    );
  });
});

describe('security', () => {
  it('needs a key, the admin scope to change, and hides other channels from a bound key', async () => {
    const shop = await connectShop(t);
    const url = `/v1/connectors/shopify/${shop.channel}`;
    expectProblem(await t.request({ method: 'GET', url, key: null }), 401, 'unauthorized');
    const reader = await t.keyWith(['orders:read']);
    expectProblem(
      await t.request({ method: 'PUT', url, key: reader, payload: body(shop.location) }),
      403,
      'forbidden',
    );
    expectProblem(await t.request({ method: 'DELETE', url, key: reader }), 403, 'forbidden');
    expect((await t.request({ method: 'GET', url, key: reader })).statusCode).toBe(200);
    const other = (await makeChannel(t)).code;
    const bound = await t.keyWith(['orders:read'], other);
    for (const path of ['', '/status', '/inbox', '/fulfilments']) {
      expectProblem(await t.request({ method: 'GET', url: `${url}${path}`, key: bound }), 404, 'not_found');
    }
    const own = await t.keyWith(['orders:read'], shop.channel);
    expect((await t.request({ method: 'GET', url: `${url}/status`, key: own })).json()).toMatchObject({
      channel: shop.channel,
      backlog: 0,
      inbox: 0,
    });
  });
});
