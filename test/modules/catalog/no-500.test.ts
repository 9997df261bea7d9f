import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';

/**
 * Whatever a client sends to the catalog, the answer is never a 5xx, and every 4xx is a problem
 * document. Bodies are random JSON, or objects with the real field names and random values.
 */

let t: TestApp;
const existing = { sku: 'FUZZ-SKU', location: 'fuzz-loc', channel: 'fuzz-web' };
beforeAll(async () => {
  t = await createTestApp();
  const setup = [
    { url: '/v1/channels', payload: { code: existing.channel, name: 'Fuzz' } },
    { url: '/v1/products', payload: { sku: existing.sku, name: 'Fuzz', barcodes: ['4006381333931'] } },
    {
      url: '/v1/locations',
      payload: {
        code: existing.location,
        name: 'Fuzz',
        kind: 'warehouse',
        address: {
          line1: '1 Main St',
          city: 'Beverly Hills',
          region: 'CA',
          postal_code: '90210',
          country: 'US',
        },
        channels: [existing.channel],
      },
    },
  ];
  for (const { url, payload } of setup) {
    const res = await t.request({ method: 'POST', url, payload });
    expect(res.statusCode, res.body).toBe(201);
  }
});
afterAll(() => t.close());

/** The property every response must have. */
function expectHandled(res: LightMyRequestResponse, what: string): void {
  expect(res.statusCode, `${what} -> ${res.body.slice(0, 500)}`).toBeLessThan(500);
  if (res.statusCode >= 400) {
    expect(res.headers['content-type'], what).toMatch(/^application\/problem\+json/);
    const body = res.json() as { status?: unknown; code?: unknown };
    expect(body.status, what).toBe(res.statusCode);
    expect(typeof body.code, what).toBe('string');
  }
}

type Method = 'POST' | 'PATCH' | 'GET';

async function send(method: Method, url: string, body?: unknown): Promise<void> {
  const res = await t.request({
    method,
    url,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) ?? 'null' }),
  });
  expectHandled(res, `${method} ${url} ${JSON.stringify(body)?.slice(0, 300)}`);
}

// ---- value generators -------------------------------------------------------------------------

const anyJson = fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' });
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '   ',
    '\u0000',
    'a\u0000b',
    'web',
    'US',
    '90210',
    'NULL',
    '{a,b}',
    '"q"',
    '\\',
    'x'.repeat(600),
  ),
);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 1, 60, 61, 90, 180, 1000, 1001, 2 ** 31, 2 ** 53, 1e308, -1e308, 1.5),
);
const gtin = fc.constantFrom(
  '4006381333931',
  '4006381333932',
  '036000291452',
  '96385074',
  '00012345600012',
  '123',
);
const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 70 }))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const country = fc.oneof(fc.constantFrom('US', 'CA', 'GB', 'HK', 'DE', 'XX', 'us', 'USA', ''), text);
const timeZone = fc.oneof(fc.constantFrom('UTC', 'America/New_York', 'Mars/Base', '+05:00', 'utc', ''), text);

const wildValue = fc.oneof(anyJson, text, number);
const shortText = fc.string({ minLength: 1, maxLength: 30 });
const tag = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
const tags = fc.uniqueArray(tag, { maxLength: 3 });
const validGtin = fc.constantFrom(
  '4006381333931',
  '036000291452',
  '96385074',
  '00012345600012',
  '5901234123457',
);
const validTimeZone = fc.constantFrom(
  ...Intl.supportedValuesOf('timeZone').filter((_, i) => i % 7 === 0),
  'UTC',
);
/** Unique codes mostly, and a few that repeat so duplicates and conflicts happen too. */
const code = (prefix: string, repeated: string) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.uuid().map((id) => `${prefix}-${id}`) },
    { weight: 1, arbitrary: fc.constantFrom(`${prefix}-A`, `${prefix}-B`, repeated) },
  );

type Fields = Record<string, fc.Arbitrary<unknown>>;

/**
 * A valid body (`valid`; optional fields present or not) with up to two fields replaced by wild
 * values, so requests get past the schema and reach the services' own rules.
 */
function mutated(
  valid: fc.Arbitrary<Record<string, unknown>>,
  wild: Fields,
): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(wild);
  const chosenKeys = fc.oneof(
    { weight: 2, arbitrary: fc.constant<string[]>([]) },
    { weight: 3, arbitrary: fc.subarray(keys, { minLength: 1, maxLength: Math.min(2, keys.length) }) },
  );
  const overrides = chosenKeys.chain((chosen) =>
    fc.tuple(...chosen.map((key) => (wild[key] ?? wildValue).map((value) => [key, value] as const))),
  );
  const extra = fc.oneof(
    { weight: 8, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { minKeys: 1, maxKeys: 2 }),
    },
  );
  return fc
    .tuple(valid, overrides, extra)
    .map(([base, changes, unknown]) => ({ ...(unknown ?? {}), ...base, ...Object.fromEntries(changes) }));
}

const dimensions = fc.record({
  length: fc.integer({ min: 0, max: 100_000 }),
  width: fc.integer({ min: 0, max: 100_000 }),
  height: fc.integer({ min: 0, max: 100_000 }),
});
const productOptional = {
  barcodes: fc.uniqueArray(validGtin, { maxLength: 2 }),
  weight_grams: fc.option(fc.integer({ min: 0, max: 10_000_000 })),
  dimensions_mm: fc.option(dimensions),
  tags,
  active: fc.boolean(),
};
const productWild: Fields = {
  sku: fc.oneof(wildValue, fc.constantFrom('   ', ' \t ', `  ${existing.sku}  `, 'y'.repeat(65))),
  name: wildValue,
  barcodes: fc.oneof(wildValue, fc.array(fc.oneof(gtin, text), { maxLength: 3 })),
  weight_grams: wildValue,
  dimensions_mm: fc.oneof(
    wildValue,
    fc.record({ length: number, width: number, height: number, depth: number }, { requiredKeys: [] }),
  ),
  tags: fc.oneof(wildValue, fc.array(text, { maxLength: 3 })),
  active: wildValue,
};
const productCreate = mutated(
  fc.record(
    { sku: code('FZ', existing.sku), name: shortText, ...productOptional },
    { requiredKeys: ['sku', 'name'] },
  ),
  productWild,
);
const productPatch = mutated(
  fc.record({ name: shortText, ...productOptional }, { requiredKeys: [] }),
  Object.fromEntries(Object.entries(productWild).filter(([key]) => key !== 'sku')),
);

const channelWild: Fields = {
  code: fc.oneof(wildValue, fc.constantFrom('-x', 'a b', 'c'.repeat(65))),
  name: wildValue,
  priority: wildValue,
  default_safety_stock: wildValue,
  allow_backorders: wildValue,
  active: wildValue,
};
const channelOptional = {
  priority: fc.integer({ min: 0, max: 1000 }),
  default_safety_stock: fc.integer({ min: 0, max: 1_000_000_000 }),
  allow_backorders: fc.boolean(),
  active: fc.boolean(),
};
const channelCreate = mutated(
  fc.record(
    { code: code('fz', existing.channel), name: shortText, ...channelOptional },
    {
      requiredKeys: ['code', 'name'],
    },
  ),
  channelWild,
);
const channelPatch = mutated(
  fc.record({ name: shortText, ...channelOptional }, { requiredKeys: [] }),
  Object.fromEntries(Object.entries(channelWild).filter(([key]) => key !== 'code')),
);

const validAddress = fc.constantFrom(
  { line1: '1 Main St', city: 'Beverly Hills', region: 'CA', postal_code: '90210', country: 'US' },
  { line1: '1 Main St', city: 'Toronto', region: 'ON', postal_code: 'M5V 2T6', country: 'CA' },
  { line1: '10 Downing St', city: 'London', postal_code: 'SW1A 1AA', country: 'GB' },
  { line1: '1 Harbour Rd', country: 'HK' },
  {
    line1: '1 Main St',
    city: 'Nowhere',
    region: 'NV',
    postal_code: '00000',
    country: 'US',
    latitude: 1,
    longitude: 2,
  },
);
const addressWild: Fields = {
  name: wildValue,
  company: wildValue,
  line1: wildValue,
  line2: wildValue,
  city: wildValue,
  region: wildValue,
  postal_code: fc.oneof(wildValue, fc.constantFrom('90210-1234', 'M5V', 'ABCDE', '')),
  country: fc.oneof(wildValue, country),
  phone: wildValue,
  latitude: fc.oneof(wildValue, number),
  longitude: fc.oneof(wildValue, number),
};
const locationOptional = {
  tags,
  priority: fc.integer({ min: 0, max: 1000 }),
  processing_days: fc.integer({ min: 0, max: 60 }),
  cutoff_time: hhmm.filter((value) => /^([01]\d|2[0-3]):[0-5]\d$/.test(value)),
  time_zone: validTimeZone,
  channels: fc.subarray([existing.channel]),
  active: fc.boolean(),
};
const coordinates = fc.option(
  fc.record({
    latitude: fc.double({ min: -90, max: 90, noNaN: true }),
    longitude: fc.double({ min: -180, max: 180, noNaN: true }),
  }),
  { freq: 3 },
);
const locationWild: Fields = {
  code: channelWild.code ?? wildValue,
  name: wildValue,
  kind: fc.oneof(wildValue, fc.constant('factory')),
  address: fc.oneof(wildValue, mutated(validAddress, addressWild)),
  latitude: fc.oneof(wildValue, number),
  longitude: fc.oneof(wildValue, number),
  tags: fc.oneof(wildValue, fc.array(text, { maxLength: 3 })),
  priority: wildValue,
  processing_days: wildValue,
  cutoff_time: fc.oneof(wildValue, hhmm),
  time_zone: fc.oneof(wildValue, timeZone),
  channels: fc.oneof(wildValue, fc.array(fc.oneof(fc.constant(existing.channel), text), { maxLength: 3 })),
  active: wildValue,
};
const withCoordinates = (body: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(body, coordinates).map(([fields, at]) => ({ ...fields, ...(at ?? {}) }));
const locationCreate = mutated(
  withCoordinates(
    fc.record(
      {
        code: code('fz-loc', existing.location),
        name: shortText,
        kind: fc.constantFrom('warehouse', 'store', 'dropship'),
        address: validAddress,
        ...locationOptional,
      },
      { requiredKeys: ['code', 'name', 'kind', 'address'] },
    ),
  ),
  locationWild,
);
const locationPatch = mutated(
  withCoordinates(
    fc.record(
      {
        name: shortText,
        kind: fc.constantFrom('warehouse', 'store', 'dropship'),
        address: validAddress,
        ...locationOptional,
      },
      { requiredKeys: [] },
    ),
  ),
  Object.fromEntries(Object.entries(locationWild).filter(([key]) => key !== 'code')),
);

const writeRoutes: Array<{ method: Method; url: string; body: fc.Arbitrary<unknown> }> = [
  { method: 'POST', url: '/v1/products', body: productCreate },
  { method: 'PATCH', url: `/v1/products/${existing.sku}`, body: productPatch },
  {
    method: 'POST',
    url: '/v1/products/bulk',
    body: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({ products: fc.array(productCreate, { minLength: 1, maxLength: 8 }) }),
      },
      { weight: 1, arbitrary: mutated(fc.record({ products: fc.constant([]) }), { products: wildValue }) },
    ),
  },
  { method: 'POST', url: '/v1/channels', body: channelCreate },
  { method: 'PATCH', url: `/v1/channels/${existing.channel}`, body: channelPatch },
  { method: 'POST', url: '/v1/locations', body: locationCreate },
  { method: 'PATCH', url: `/v1/locations/${existing.location}`, body: locationPatch },
];

/** About 200 runs in all, a few seconds; raise `numRuns` locally to hunt for more. */
const run = { endOnFailure: true } as const;

describe('the catalog never answers 5xx', () => {
  it('to any JSON value posted to any write route', async () => {
    await fc.assert(
      fc.asyncProperty(anyJson, async (body) => {
        for (const route of writeRoutes) {
          await send(route.method, route.url, body);
        }
      }),
      { ...run, numRuns: 25 },
    );
  });

  it('to objects with the real field names and random values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(...writeRoutes.map((route) => route.body.map((body) => ({ route, body })))),
        async ({ route, body }) => {
          await send(route.method, route.url, body);
        },
      ),
      { ...run, numRuns: 120 },
    );
  });

  // At most 100 UTF-16 units: longer ones hit the framework gap tested at the end of this file.
  const pathParam = fc
    .oneof(
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom(
        ' ',
        '  FUZZ-SKU  ',
        '..',
        '.',
        '%',
        '\u0000',
        'a/b',
        '?x=1',
        '#',
        existing.sku,
        existing.location,
      ),
    )
    .filter((param) => param.length <= 100);

  it('to weird path parameters on every catalog route', async () => {
    await fc.assert(
      fc.asyncProperty(pathParam, async (param) => {
        const p = encodeURIComponent(param);
        for (const base of ['/v1/products', '/v1/locations', '/v1/channels']) {
          await send('GET', `${base}/${p}`);
          await send('PATCH', `${base}/${p}`, { name: 'Renamed by fuzz' });
          await send('POST', `${base}/${p}/deactivate`);
        }
      }),
      { ...run, numRuns: 25 },
    );
  });

  const position = (value: unknown) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url');
  /** Per query key: values the list accepts, then anything. */
  const queryValues: Record<string, fc.Arbitrary<string>> = {
    limit: fc.integer({ min: -5, max: 600 }).map(String),
    cursor: fc.oneof(
      fc.integer({ min: -2, max: 1e6 }).map((n) => position([n])),
      anyJson.map(position),
    ),
    active: fc.constantFrom('true', 'false', '1', '0'),
    tag: tag,
    barcode: validGtin,
    q: fc.string({ minLength: 1, maxLength: 10 }),
    kind: fc.constantFrom('warehouse', 'store', 'dropship'),
    channel: fc.constantFrom(existing.channel, 'nope'),
    country: fc.constantFrom('US', 'GB', 'CA'),
    other: text,
  };
  const queryPair = fc.constantFrom(...Object.keys(queryValues)).chain((key) =>
    fc.tuple(
      fc.constant(key),
      fc.oneof(
        { weight: 3, arbitrary: queryValues[key] ?? text },
        {
          weight: 1,
          arbitrary: fc.oneof(text, fc.constantFrom('', '1e3', '1.5', 'WzFlMzAwXQ', 'WyJhIl0')),
        },
      ),
    ),
  );

  it('to weird query strings on the list routes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(queryPair, { maxLength: 4 }), async (pairs) => {
        const query = new URLSearchParams(pairs).toString();
        for (const base of ['/v1/products', '/v1/locations', '/v1/channels']) {
          await send('GET', `${base}?${query}`);
        }
      }),
      { ...run, numRuns: 30 },
    );
  });

  it('keeps the fixtures readable afterwards', async () => {
    for (const url of [
      `/v1/products/${existing.sku}`,
      `/v1/locations/${existing.location}`,
      `/v1/channels/${existing.channel}`,
    ]) {
      expect((await t.request({ method: 'GET', url })).statusCode).toBe(200);
    }
  });
});

describe('framework-level rejections', () => {
  // Known gap, reported: Fastify answers these before Ordo's error handler runs, with a plain
  // application/json body. Fix in src/app.ts: `routerOptions: { maxParamLength: 512 }` and a
  // `frameworkErrors` handler that sends `toAppError(err)` as a problem. Then turn these into `it`.
  it('answers a path parameter over 100 characters with a problem', async () => {
    expectHandled(await t.request({ method: 'GET', url: `/v1/products/${'x'.repeat(101)}` }), 'long param');
  });

  it('answers a malformed percent-encoding in the path with a problem', async () => {
    expectHandled(await t.request({ method: 'GET', url: '/v1/products/%E0%A4%A' }), 'bad url');
  });
});
