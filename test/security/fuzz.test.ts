import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { documentOf, type Operation, operationsOf, type Parameter, pathParams } from '../helpers/openapi.js';
import { expectProblem } from '../helpers/problems.js';
import { hostileParam, hostileValue, mutate, mutation, valid } from '../helpers/schema-arbitrary.js';
import { buildWorld, realId, type World } from '../helpers/world.js';

/**
 * Every route of the OpenAPI document, called with what a hostile or broken client sends: bodies
 * that are valid, valid with one field spoiled (wrong type, huge or odd string, overflowing number,
 * missing or unknown field), any JSON at all, or not JSON; path parameters that are real ids or junk;
 * query strings with valid, junk, repeated and unknown parameters. No answer is a 5xx, and every
 * 4xx is a problem document. Fixed seed, bounded runs: the same requests on every run.
 */

const seed = 13;
const runsPerOperation = 100;

let t: TestApp;
let world: World;
let operations: Operation[];

beforeAll(async () => {
  // Thousands of requests from one key: the rate limit is not what this test is about.
  t = await createTestApp({ config: { rateLimitMax: 1_000_000 } });
  world = await buildWorld(t);
  operations = operationsOf(documentOf(t.app));
}, 120_000);
afterAll(() => t.close());

/** A path segment as a client could send it; a lone surrogate becomes invalid UTF-8 on the wire. */
function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

const pathValue = (operation: Operation) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(String(realId(world, world.a, operation.path))) },
    { weight: 2, arbitrary: hostileParam },
  );

/** A valid value for a query parameter (`wait` stays 0: a long-poll would stall the run). */
function validQueryValue(parameter: Parameter): fc.Arbitrary<string> {
  if (parameter.name === 'wait') {
    return fc.constant('0');
  }
  return valid(parameter.schema, 0, hints()).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

const toQuery = (pairs: ReadonlyArray<readonly [string, string | undefined]>) => {
  const query = pairs
    .filter((pair): pair is readonly [string, string] => pair[1] !== undefined)
    .map(([name, value]) => `${encodeSegment(name)}=${encodeSegment(value)}`)
    .join('&');
  return query === '' ? '' : `?${query}`;
};

/** Half the time a valid query string (each parameter given or not); else junk values, repeats, unknowns. */
function queryOf(operation: Operation): fc.Arbitrary<string> {
  const parameters = operation.parameters.filter((p) => p.in === 'query');
  const pairs = (value: (p: Parameter) => fc.Arbitrary<string | undefined>) =>
    fc.tuple(
      ...parameters.map((p) => fc.option(value(p), { nil: undefined }).map((v) => [p.name, v] as const)),
    );
  // A valid cursor is one a list handed out; any other is junk, which the hostile half sends.
  const validValue = (p: Parameter) => (p.name === 'cursor' ? fc.constant(undefined) : validQueryValue(p));
  const hostile = fc.tuple(
    pairs((p) => fc.oneof(validQueryValue(p), hostileParam)),
    fc.array(fc.tuple(fc.constantFrom('extra', 'limit', 'cursor', '__proto__', ''), hostileParam), {
      maxLength: 2,
    }),
  );
  return fc.oneof(
    pairs(validValue).map(toQuery),
    hostile.map(([given, extra]) => toQuery([...given, ...extra])),
  );
}

const notJson = fc.constantFrom(
  '{',
  '{"a":',
  '[1,2',
  'nul',
  '"unterminated',
  '{"a":1}{"b":2}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '\u0000',
  '\ufeff{}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `{"a":"${'x'.repeat(2_000_000)}"}`,
);

interface Body {
  payload?: string;
  contentType?: string;
}

/** Real values by field name, so bodies name things that exist and reach the handlers' logic. */
const hints = () => ({
  sku: [world.sku],
  channel: [world.a.channel, world.b.channel],
  location: [world.location],
  carrier: [world.carrier],
  line_id: [world.a.order.lineId, world.a.delivered.lineId],
  country: ['US'],
  region: ['NY'],
  postal_code: ['10118'],
  city: ['New York'],
  currency: ['USD'],
  service_level: ['standard'],
  barcode: [world.sku],
  url: ['http://127.0.0.1:9/hooks'],
  event_types: [['order.*'], ['order.created', 'inventory.shortfall']],
  types: ['order.*', '*'],
  time_zone: ['America/New_York'],
  order_id: [world.a.order.id],
  customer_email: ['nobody@example.com'],
});

function bodyOf(operation: Operation): fc.Arbitrary<Body> {
  if (!operation.body) {
    return fc.oneof(
      { weight: 4, arbitrary: fc.constant({}) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }).map((v) => ({ payload: JSON.stringify(v) })) },
    );
  }
  const schema = operation.body;
  const validBody = valid(schema, 0, hints());
  const json = (value: unknown) => ({
    payload: JSON.stringify(value) ?? 'null',
    contentType: 'application/json',
  });
  return fc.oneof(
    { weight: 3, arbitrary: validBody.map(json) },
    {
      weight: 6,
      arbitrary: fc.tuple(validBody, mutation).map(([value, change]) => json(mutate(value, change))),
    },
    { weight: 1, arbitrary: hostileValue.map(json) },
    { weight: 1, arbitrary: notJson.map((payload) => ({ payload, contentType: 'application/json' })) },
    {
      weight: 1,
      arbitrary: fc.record({
        payload: fc.oneof(
          fc.constant(''),
          validBody.map((v) => JSON.stringify(v) ?? ''),
        ),
        contentType: fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=latin1',
          'application/json',
          'application/jsonx',
          '',
        ),
      }),
    },
  );
}

const idempotencyKey = fc.option(fc.oneof(fc.uuid(), hostileParam), { nil: undefined, freq: 3 });

/** The property every response has. */
function expectHandled(res: LightMyRequestResponse, what: string): void {
  expect(res.statusCode, `${what} -> ${res.body.slice(0, 400)}`).toBeLessThan(500);
  if (res.statusCode >= 400) {
    const problem = expectProblem(res, res.statusCode, undefined, { instance: /^\// });
    expect(problem.status, what).toBe(res.statusCode);
  }
}

function requestOf(operation: Operation) {
  const params = pathParams(operation.path);
  return fc.record({
    path: fc.tuple(...params.map(() => pathValue(operation))),
    query: queryOf(operation),
    body: bodyOf(operation),
    idempotencyKey,
  });
}

type FuzzRequest = ReturnType<typeof requestOf> extends fc.Arbitrary<infer R> ? R : never;

async function send(operation: Operation, request: FuzzRequest) {
  let i = 0;
  const url =
    operation.path.replace(/\{\w+\}/g, () => encodeSegment(request.path[i++] ?? '')) + request.query;
  const headers: Record<string, string> = {};
  if (request.body.contentType) {
    headers['content-type'] = request.body.contentType;
  }
  if (request.idempotencyKey !== undefined && /^[\x20-\x7e]*$/.test(request.idempotencyKey)) {
    headers['idempotency-key'] = request.idempotencyKey;
  }
  const res = await t.request({
    method: operation.method,
    url,
    headers,
    ...(request.body.payload === undefined || operation.method === 'GET'
      ? {}
      : { payload: request.body.payload }),
  });
  expectHandled(res, `${operation.method} ${url.slice(0, 300)} ${request.body.payload?.slice(0, 300) ?? ''}`);
}

describe('every route, fuzzed from the OpenAPI document', () => {
  it('covers the document', () => {
    expect(operations.length).toBeGreaterThan(80);
  });

  it('answers no 5xx and only problem documents for 4xx', async () => {
    const failures: string[] = [];
    for (const operation of operations) {
      if (operation.path === '/metrics' || operation.path === '/readyz' || operation.path === '/healthz') {
        continue;
      }
      try {
        await fc.assert(
          fc.asyncProperty(requestOf(operation), (request) => send(operation, request)),
          { seed, numRuns: runsPerOperation, endOnFailure: true },
        );
      } catch (err) {
        failures.push(`${operation.name}: ${(err as Error).message.split('\n').slice(0, 40).join('\n')}`);
      }
    }
    expect(failures).toEqual([]);
  }, 240_000);

  it.each([
    ['/v1/holds?older_than_minutes=1e999', 'query'],
    ['/v1/holds?older_than_minutes=9999999999999999', 'query'],
    ['/v1/events?after=1e999', 'query'],
    ['/v1/events?after=9999999999999999', 'query'],
    ['/v1/orders?limit=1e999', 'query'],
    ['/v1/pick-lists/9999999999999999', 'params'],
    ['/v1/pick-lists/1e999', 'params'],
  ])('refuses the overflowing number in %s with a 422', async (url, part) => {
    const res = await t.request({ method: 'GET', url });
    const problem = expectProblem(res, 422, 'validation_failed');
    expect(problem.errors?.[0]?.in).toBe(part);
  });
});
