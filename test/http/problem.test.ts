import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { expectProblem } from '../helpers/problems.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ config: { bodyLimitBytes: 2048 } });
});
afterAll(() => t.close());

describe('problem responses', () => {
  it('answers an unknown route with a 404 problem, with or without a key', async () => {
    const body = expectProblem(
      await t.request({ method: 'GET', url: '/v1/nothing-here?x=1' }),
      404,
      'not_found',
    );
    expect(body.instance).toBe('/v1/nothing-here');
    expectProblem(await t.request({ method: 'DELETE', url: '/nowhere', key: null }), 404, 'not_found', {
      instance: '/nowhere',
    });
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/channels',
      headers: { 'content-type': 'application/json' },
      payload: '{"code": "web",',
    });
    expectProblem(res, 400, 'bad_request');
  });

  it('answers an empty JSON body with a 400 problem', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/channels',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expectProblem(res, 400, 'bad_request');
  });

  it('answers a body that is not JSON with a 415 problem', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/channels',
      headers: { 'content-type': 'text/plain' },
      payload: 'code=web',
    });
    expectProblem(res, 415, 'unsupported_media_type');
  });

  it('answers a body over the size limit with a 413 problem', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/channels',
      payload: { code: 'big', name: 'x'.repeat(4000) },
    });
    expectProblem(res, 413, 'payload_too_large');
  });

  it('rejects prototype poisoning', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/channels',
      headers: { 'content-type': 'application/json' },
      payload: '{"code":"p","name":"p","__proto__":{"admin":true}}',
    });
    expectProblem(res, 400, 'bad_request');
  });

  it('names every failing field, including unknown ones, and stores nothing', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/channels',
      payload: { code: '', priority: 'high', default_safety_stock: -1, colour: 'red' },
    });
    const body = expectProblem(res, 422, 'validation_failed');
    const pointers = (body.errors as Array<{ in: string; pointer: string }>).map(
      (e) => `${e.in}:${e.pointer}`,
    );
    expect(pointers).toEqual(
      expect.arrayContaining([
        'body:/code',
        'body:/name',
        'body:/priority',
        'body:/default_safety_stock',
        'body:/colour',
      ]),
    );
    const rows = await t.pool.query('SELECT count(*)::int AS n FROM channels');
    expect(rows.rows[0].n).toBe(0);
  });

  it('does not coerce body types (a string is not a number)', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/channels',
      payload: { code: 'c1', name: 'C', priority: '5' },
    });
    const body = expectProblem(res, 422, 'validation_failed');
    expect(body.errors).toEqual([{ in: 'body', pointer: '/priority', detail: expect.any(String) }]);
  });

  it('reports query string problems against the query', async () => {
    const res = await t.request({ method: 'GET', url: '/v1/channels?limit=0&active=maybe' });
    const body = expectProblem(res, 422, 'validation_failed');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'query', pointer: '/limit' }),
        expect.objectContaining({ in: 'query', pointer: '/active' }),
      ]),
    );
  });
});

describe('request ids', () => {
  it('generates one per request and returns it in x-request-id', async () => {
    const a = await t.request({ method: 'GET', url: '/healthz', key: null });
    const b = await t.request({ method: 'GET', url: '/healthz', key: null });
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('keeps a well-formed incoming x-request-id and replaces a malformed one', async () => {
    const kept = await t.request({
      method: 'GET',
      url: '/healthz',
      key: null,
      headers: { 'x-request-id': 'lb-123.abc' },
    });
    expect(kept.headers['x-request-id']).toBe('lb-123.abc');
    const replaced = await t.request({
      method: 'GET',
      url: '/healthz',
      key: null,
      headers: { 'x-request-id': 'bad id\twith spaces' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
