import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Page } from '../../../src/http/pagination.js';
import type { Carrier } from '../../../src/modules/carriers/carriers.schemas.js';
import { createCarrierService, type ServiceRate } from '../../../src/modules/carriers/carriers.service.js';
import { isoTime, listAll } from '../../helpers/api.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeLocation, uniq } from '../../helpers/factories.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';

let t: TestApp;
/** Two locations pickup cut-offs may name. */
let nj: string;
let la: string;
beforeAll(async () => {
  t = await createTestApp();
  nj = (await makeLocation(t)).code;
  la = (await makeLocation(t)).code;
});
afterAll(() => t.close());

const totalRows = async (): Promise<{ carriers: number; services: number }> =>
  (
    await t.pool.query(
      'SELECT (SELECT count(*)::int FROM carriers) AS carriers, (SELECT count(*)::int FROM carrier_services) AS services',
    )
  ).rows[0];

const rateCard = () => ({
  distance_bands: [
    { min_km: 0, max_km: 300 },
    { min_km: 300, max_km: 5000 },
  ],
  weight_brackets: [
    { min_grams: 0, max_grams: 1000 },
    { min_grams: 1000, max_grams: 30_000 },
  ],
  rates: [
    [
      { price: 650, transit_days: 1 },
      { price: 990, transit_days: 2 },
    ],
    [
      { price: 890, transit_days: 4 },
      { price: 1490, transit_days: 5 },
    ],
  ],
});

const service = (fields: Record<string, unknown> = {}) => ({
  code: 'ground',
  name: 'Ground',
  service_levels: ['standard'],
  rate_card: rateCard(),
  ...fields,
});

const create = (body: Record<string, unknown>, key?: string) =>
  t.request({ method: 'POST', url: '/v1/carriers', payload: body, ...(key === undefined ? {} : { key }) });

const patch = (code: string, body: unknown, key?: string) =>
  t.request({
    method: 'PATCH',
    url: `/v1/carriers/${code}`,
    payload: body as object,
    ...(key === undefined ? {} : { key }),
  });

const get = async (code: string): Promise<Carrier> => {
  const res = await t.request({ method: 'GET', url: `/v1/carriers/${code}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Carrier;
};

async function makeCarrier(fields: Record<string, unknown> = {}): Promise<Carrier> {
  const res = await create({ code: uniq('car'), name: 'Carrier', services: [service()], ...fields });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Carrier;
}

describe('POST /v1/carriers', () => {
  it('creates a carrier with two services, in the order given, with defaults', async () => {
    const code = uniq('car');
    const express = service({
      code: 'express',
      name: 'Express Saver',
      service_levels: ['express', 'same_day'],
      pickup_cutoffs: { [nj]: '16:30', [la]: '14:00' },
      active: false,
    });
    const res = await create({ code, name: 'UPS', services: [service(), express] });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json() as Carrier;
    expect(body).toEqual({
      code,
      name: 'UPS',
      active: true,
      adapter: 'rate_card',
      endpoint: null,
      has_api_token: false,
      services: [
        {
          code: 'ground',
          name: 'Ground',
          service_levels: ['standard'],
          rate_card: rateCard(),
          pickup_cutoffs: {},
          active: true,
        },
        {
          code: 'express',
          name: 'Express Saver',
          service_levels: ['express', 'same_day'],
          rate_card: rateCard(),
          pickup_cutoffs: { [nj]: '16:30', [la]: '14:00' },
          active: false,
        },
      ],
      created_at: isoTime,
      updated_at: isoTime,
    });
    const { rows } = await t.pool.query(
      `SELECT s.code, s.service_levels, s.pickup_cutoffs, s.active FROM carrier_services s
        JOIN carriers c ON c.id = s.carrier_id WHERE c.code = $1 ORDER BY s.id`,
      [code],
    );
    expect(rows).toEqual([
      { code: 'ground', service_levels: ['standard'], pickup_cutoffs: {}, active: true },
      {
        code: 'express',
        service_levels: ['express', 'same_day'],
        pickup_cutoffs: { [nj]: '16:30', [la]: '14:00' },
        active: false,
      },
    ]);
  });

  it('creates an inactive carrier, and one without services', async () => {
    const inactive = await makeCarrier({ active: false });
    expect(inactive.active).toBe(false);
    const empty = await makeCarrier({ services: [] });
    expect(empty.services).toEqual([]);
  });

  it('accepts a card of one band and one bracket, and boundary values', async () => {
    const card = {
      distance_bands: [{ min_km: 0, max_km: 100_000 }],
      weight_brackets: [{ min_grams: 0, max_grams: 1_000_000_000 }],
      rates: [[{ price: 0, transit_days: 60 }]],
    };
    const carrier = await makeCarrier({
      services: [service({ rate_card: card, pickup_cutoffs: { [nj]: '00:00', [la]: '23:59' } })],
    });
    expect(carrier.services[0]?.rate_card).toEqual(card);
  });

  it('refuses a duplicate code with 409 and keeps the first carrier', async () => {
    const first = await makeCarrier({ name: 'First' });
    const before = await totalRows();
    const res = await create({
      code: first.code,
      name: 'Second',
      services: [service(), service({ code: 'x' })],
    });
    const body = expectProblem(res, 409, 'conflict');
    expect(body.detail).toContain(first.code);
    expect(await totalRows()).toEqual(before);
    expect(await get(first.code)).toEqual(first);
  });

  it('creates one carrier when the same code is posted in parallel; the others get 409', async () => {
    const code = uniq('car');
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => create({ code, name: `Racer ${i}`, services: [service()] })),
    );
    expect(results.map((res) => res.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    const { rows } = await t.pool.query(
      'SELECT count(*)::int AS n FROM carrier_services s JOIN carriers c ON c.id = s.carrier_id WHERE c.code = $1',
      [code],
    );
    expect(rows[0].n).toBe(1);
  });
});

type Card = ReturnType<typeof rateCard>;
const withCard = (change: (card: Card) => void) => {
  const card = rateCard();
  change(card);
  return { services: [service({ rate_card: card })] };
};

const bad: Array<[string, () => Record<string, unknown>, string]> = [
  [
    'a gap between distance bands',
    () =>
      withCard((c) => {
        c.distance_bands[1] = { min_km: 400, max_km: 5000 };
      }),
    '/services/0/rate_card/distance_bands/1',
  ],
  [
    'an overlap between weight brackets',
    () =>
      withCard((c) => {
        c.weight_brackets[1] = { min_grams: 900, max_grams: 30_000 };
      }),
    '/services/0/rate_card/weight_brackets/1',
  ],
  [
    'a first band that does not start at 0',
    () =>
      withCard((c) => {
        c.distance_bands[0] = { min_km: 10, max_km: 300 };
      }),
    '/services/0/rate_card/distance_bands/0',
  ],
  [
    'a first bracket that does not start at 0',
    () =>
      withCard((c) => {
        c.weight_brackets[0] = { min_grams: 1, max_grams: 1000 };
      }),
    '/services/0/rate_card/weight_brackets/0',
  ],
  [
    'a band whose max equals its min',
    () =>
      withCard((c) => {
        c.distance_bands[1] = { min_km: 300, max_km: 300 };
      }),
    '/services/0/rate_card/distance_bands/1',
  ],
  [
    'a bracket whose max is below its min',
    () =>
      withCard((c) => {
        c.weight_brackets[1] = { min_grams: 1000, max_grams: 500 };
      }),
    '/services/0/rate_card/weight_brackets/1',
  ],
  [
    'rates with a row missing',
    () =>
      withCard((c) => {
        c.rates.pop();
      }),
    '/services/0/rate_card/rates',
  ],
  [
    'rates with a row too many',
    () =>
      withCard((c) => {
        c.rates.push([
          { price: 1, transit_days: 1 },
          { price: 1, transit_days: 1 },
        ]);
      }),
    '/services/0/rate_card/rates',
  ],
  [
    'a rates row with a cell missing',
    () =>
      withCard((c) => {
        c.rates[1]?.pop();
      }),
    '/services/0/rate_card/rates/1',
  ],
  [
    'a rates row with a cell too many',
    () =>
      withCard((c) => {
        c.rates[0]?.push({ price: 1, transit_days: 1 });
      }),
    '/services/0/rate_card/rates/0',
  ],
  [
    'a negative price',
    () =>
      withCard((c) => {
        c.rates[0] = [
          { price: -1, transit_days: 1 },
          { price: 1, transit_days: 1 },
        ];
      }),
    '/services/0/rate_card/rates/0/0/price',
  ],
  [
    'a fractional price',
    () =>
      withCard((c) => {
        c.rates[1] = [
          { price: 1, transit_days: 1 },
          { price: 9.99, transit_days: 1 },
        ];
      }),
    '/services/0/rate_card/rates/1/1/price',
  ],
  [
    'transit days over 60',
    () =>
      withCard((c) => {
        c.rates[0] = [
          { price: 1, transit_days: 61 },
          { price: 1, transit_days: 1 },
        ];
      }),
    '/services/0/rate_card/rates/0/0/transit_days',
  ],
  [
    'a negative distance',
    () =>
      withCard((c) => {
        c.distance_bands[0] = { min_km: -5, max_km: 300 };
      }),
    '/services/0/rate_card/distance_bands/0/min_km',
  ],
  [
    'no distance bands',
    () => withCard((c) => Object.assign(c, { distance_bands: [], rates: [] })),
    '/services/0/rate_card/distance_bands',
  ],
  [
    'over 50 distance bands',
    () =>
      withCard((c) => {
        c.distance_bands = Array.from({ length: 51 }, (_, i) => ({ min_km: i * 10, max_km: (i + 1) * 10 }));
      }),
    '/services/0/rate_card/distance_bands',
  ],
  [
    'over 50 weight brackets',
    () =>
      withCard((c) => {
        c.weight_brackets = Array.from({ length: 51 }, (_, i) => ({
          min_grams: i * 10,
          max_grams: (i + 1) * 10,
        }));
      }),
    '/services/0/rate_card/weight_brackets',
  ],
  [
    'an unknown location in pickup_cutoffs',
    () => ({ services: [service({ pickup_cutoffs: { 'no-such-location': '15:00' } })] }),
    '/services/0/pickup_cutoffs/no-such-location',
  ],
  [
    'a pickup cut-off hour of 24',
    () => ({ services: [service({ pickup_cutoffs: { [nj]: '24:00' } })] }),
    '/services/0/pickup_cutoffs/$NJ',
  ],
  [
    'a pickup cut-off without a leading zero',
    () => ({ services: [service({ pickup_cutoffs: { [nj]: '9:30' } })] }),
    '/services/0/pickup_cutoffs/$NJ',
  ],
  [
    'a pickup cut-off of the wrong type',
    () => ({ services: [service({ pickup_cutoffs: { [nj]: 1500 } })] }),
    '/services/0/pickup_cutoffs/$NJ',
  ],
  [
    'pickup_cutoffs of the wrong type',
    () => ({ services: [service({ pickup_cutoffs: [nj] })] }),
    '/services/0/pickup_cutoffs',
  ],
  [
    'an unknown service level',
    () => ({ services: [service({ service_levels: ['standard', 'overnight'] })] }),
    '/services/0/service_levels/1',
  ],
  [
    'no service levels',
    () => ({ services: [service({ service_levels: [] })] }),
    '/services/0/service_levels',
  ],
  [
    'a repeated service level',
    () => ({ services: [service({ service_levels: ['express', 'express'] })] }),
    '/services/0/service_levels',
  ],
  [
    'a duplicate service code',
    () => ({ services: [service(), service({ code: 'air' }), service({ name: 'Ground again' })] }),
    '/services/2/code',
  ],
  [
    'over 20 services',
    () => ({ services: Array.from({ length: 21 }, (_, i) => service({ code: `s${i}` })) }),
    '/services',
  ],
  ['a missing service list', () => ({ services: undefined }), '/services'],
  [
    'a service without a rate card',
    () => ({ services: [service({ rate_card: undefined })] }),
    '/services/0/rate_card',
  ],
  ['a service code with a space', () => ({ services: [service({ code: 'two day' })] }), '/services/0/code'],
  ['a missing name', () => ({ name: undefined }), '/name'],
  ['a code with a slash', () => ({ code: 'a/b' }), '/code'],
  ['active of the wrong type', () => ({ active: 'yes' }), '/active'],
  ['an unknown field', () => ({ colour: 'brown' }), '/colour'],
  ['an unknown service field', () => ({ services: [service({ zone: 3 })] }), '/services/0/zone'],
  [
    'an unknown rate-card field',
    () => withCard((c) => Object.assign(c, { currency: 'USD' })),
    '/services/0/rate_card/currency',
  ],
  [
    'an unknown band field',
    () =>
      withCard((c) => {
        c.distance_bands[0] = Object.assign({ min_km: 0, max_km: 300 }, { zone: 'A' });
      }),
    '/services/0/rate_card/distance_bands/0/zone',
  ],
  ['a read-only field', () => ({ created_at: '2026-01-01T00:00:00.000Z' }), '/created_at'],
];

describe('invalid carriers', () => {
  it.each(bad)('refuses %s with 422 naming the pointer and stores nothing', async (_name, change, named) => {
    const pointer = named.replace('$NJ', nj);
    const before = await totalRows();
    const code = uniq('car');
    const payload = JSON.parse(JSON.stringify({ code, name: 'Bad', services: [service()], ...change() }));
    const body = expectInvalid(await create(payload), [pointer]);
    if (pointer.endsWith('/colour') || pointer.endsWith('/zone') || pointer.endsWith('/currency')) {
      expect(body.errors).toContainEqual({ in: 'body', pointer, detail: 'is not a known field' });
    }
    expect(await totalRows()).toEqual(before);
  });

  it('lists every rate-card, code and location problem of every service in one 422', async () => {
    const before = await totalRows();
    const gappy = rateCard();
    gappy.distance_bands[1] = { min_km: 301, max_km: 5000 };
    gappy.weight_brackets[0] = { min_grams: 5, max_grams: 1000 };
    const res = await create({
      code: uniq('car'),
      name: 'Many problems',
      services: [
        service({ rate_card: gappy }),
        service({ code: 'air', pickup_cutoffs: { [nj]: '12:00', ghost: '12:00', phantom: '13:00' } }),
        service({ code: 'air' }),
      ],
    });
    const body = expectInvalid(res, [
      '/services/0/rate_card/distance_bands/1',
      '/services/0/rate_card/weight_brackets/0',
      '/services/1/pickup_cutoffs/ghost',
      '/services/1/pickup_cutoffs/phantom',
      '/services/2/code',
    ]);
    expect(body.errors).toHaveLength(5);
    expect(body.errors).toContainEqual({
      in: 'body',
      pointer: '/services/1/pickup_cutoffs/ghost',
      detail: '"ghost" is not a known location',
    });
    expect(await totalRows()).toEqual(before);
  });

  it('lists every schema problem at once', async () => {
    const res = await create({
      code: '',
      name: 7,
      services: [service({ service_levels: ['warp'], pickup_cutoffs: { [nj]: '7pm' } })],
      extra: 1,
    });
    expectInvalid(res, [
      '/code',
      '/name',
      '/services/0/service_levels/0',
      `/services/0/pickup_cutoffs/${nj}`,
      '/extra',
    ]);
  });
});

describe('GET /v1/carriers/:code', () => {
  it('returns the carrier with its services', async () => {
    const carrier = await makeCarrier({
      services: [service({ pickup_cutoffs: { [la]: '11:15' } }), service({ code: 'air', name: 'Air' })],
    });
    expect(await get(carrier.code)).toEqual(carrier);
  });

  it('answers an unknown code with a 404 problem', async () => {
    const body = expectProblem(
      await t.request({ method: 'GET', url: '/v1/carriers/no-such-carrier' }),
      404,
      'not_found',
    );
    expect(body.detail).toContain('no-such-carrier');
  });

  it('answers a code over 64 characters with a 422 naming the parameter', async () => {
    expectInvalid(
      await t.request({ method: 'GET', url: `/v1/carriers/${'x'.repeat(65)}` }),
      ['/code'],
      'params',
    );
  });
});

describe('GET /v1/carriers', () => {
  it('filters by active', async () => {
    const on = await makeCarrier();
    const off = await makeCarrier({ active: false });
    const active = (await listAll<Carrier>(t, '/v1/carriers', 'active=true')).map((c) => c.code);
    const inactive = (await listAll<Carrier>(t, '/v1/carriers', 'active=false')).map((c) => c.code);
    expect(active).toContain(on.code);
    expect(active).not.toContain(off.code);
    expect(inactive).toContain(off.code);
    expect(inactive).not.toContain(on.code);
    expect(new Set([...active, ...inactive])).toEqual(
      new Set((await listAll<Carrier>(t, '/v1/carriers', '')).map((c) => c.code)),
    );
  });

  it('pages with limit and next_cursor, in creation order, each carrier with its services', async () => {
    const made: Carrier[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(await makeCarrier({ services: [service(), service({ code: `extra-${i}` })] }));
    }
    const first = await t.request({ method: 'GET', url: '/v1/carriers?limit=2' });
    expect(first.statusCode).toBe(200);
    const page = first.json() as Page<Carrier>;
    expect(page.data).toHaveLength(2);
    expect(page.next_cursor).toEqual(expect.any(String));

    const all = await listAll<Carrier>(t, '/v1/carriers', '', 2);
    const codes = all.map((c) => c.code);
    const { rows } = await t.pool.query('SELECT code FROM carriers ORDER BY id');
    expect(codes).toEqual(rows.map((r: { code: string }) => r.code));
    for (const carrier of made) {
      expect(all.find((c) => c.code === carrier.code)).toEqual(carrier);
    }
    const last = await t.request({ method: 'GET', url: `/v1/carriers?limit=${codes.length}` });
    expect((last.json() as Page<Carrier>).next_cursor).toBeNull();
  });

  it.each([
    ['limit=0', '/limit'],
    ['limit=501', '/limit'],
    ['active=maybe', '/active'],
    ['cursor=garbage!', '/cursor'],
  ])('refuses the query %s with 422', async (query, pointer) => {
    expectInvalid(await t.request({ method: 'GET', url: `/v1/carriers?${query}` }), [pointer], 'query');
  });
});

describe('PATCH /v1/carriers/:code', () => {
  it('changes the name and keeps the services when they are not given', async () => {
    const carrier = await makeCarrier({ services: [service(), service({ code: 'air' })] });
    const res = await patch(carrier.code, { name: 'Renamed' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ...carrier, name: 'Renamed', updated_at: isoTime });
    expect(await get(carrier.code)).toEqual(res.json());
  });

  it('replaces the whole list of services', async () => {
    const carrier = await makeCarrier({ services: [service(), service({ code: 'air' })] });
    const card = rateCard();
    card.rates[0] = [
      { price: 100, transit_days: 0 },
      { price: 200, transit_days: 1 },
    ];
    const replacement = [
      service({ code: 'same-day', name: 'Courier', service_levels: ['same_day'], rate_card: card }),
      service({ pickup_cutoffs: { [nj]: '17:45' }, active: false }),
    ];
    const res = await patch(carrier.code, { services: replacement });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      ...carrier,
      services: [
        { ...replacement[0], pickup_cutoffs: {}, active: true },
        { ...replacement[1], pickup_cutoffs: { [nj]: '17:45' }, active: false },
      ],
      updated_at: isoTime,
    });
    expect(await get(carrier.code)).toEqual(res.json());
    const { rows } = await t.pool.query(
      'SELECT s.code FROM carrier_services s JOIN carriers c ON c.id = s.carrier_id WHERE c.code = $1 ORDER BY s.id',
      [carrier.code],
    );
    expect(rows.map((r: { code: string }) => r.code)).toEqual(['same-day', 'ground']);

    const emptied = await patch(carrier.code, { services: [] });
    expect(emptied.json()).toMatchObject({ services: [] });
  });

  it('refuses invalid services with 422 and changes nothing', async () => {
    const carrier = await makeCarrier({ services: [service(), service({ code: 'air' })] });
    const gappy = rateCard();
    gappy.distance_bands[1] = { min_km: 350, max_km: 5000 };
    const res = await patch(carrier.code, {
      name: 'Not applied',
      services: [service({ rate_card: gappy }), service({ code: 'x', pickup_cutoffs: { ghost: '10:00' } })],
    });
    expectInvalid(res, ['/services/0/rate_card/distance_bands/1', '/services/1/pickup_cutoffs/ghost']);
    expect(await get(carrier.code)).toEqual(carrier);
  });

  it.each([
    [{}, '/'],
    [{ code: 'other' }, '/code'],
    [{ name: '' }, '/name'],
    [{ active: null }, '/active'],
    [{ services: 'ground' }, '/services'],
    [{ services: [{ code: 'ground' }] }, '/services/0/name'],
  ])('refuses %j with 422 and changes nothing', async (change, pointer) => {
    const carrier = await makeCarrier();
    expectInvalid(await patch(carrier.code, change), [pointer]);
    expect(await get(carrier.code)).toEqual(carrier);
  });

  it('answers an unknown code with 404', async () => {
    expectProblem(await patch('nope-nope', { name: 'X' }), 404, 'not_found');
  });
});

describe('carrier adapters', () => {
  const token = 'tok_live_0123456789abcdef';
  const stored = async (code: string) =>
    (await t.pool.query('SELECT adapter, endpoint, api_token FROM carriers WHERE code = $1', [code])).rows[0];

  it('creates an http carrier whose token is stored but never returned', async () => {
    const carrier = await makeCarrier({
      adapter: 'http',
      endpoint: 'https://api.acme.example/v1',
      api_token: token,
    });
    expect(carrier).toMatchObject({
      adapter: 'http',
      endpoint: 'https://api.acme.example/v1',
      has_api_token: true,
    });
    expect(JSON.stringify(carrier)).not.toContain(token);
    expect(carrier).not.toHaveProperty('api_token');
    for (const res of [
      await t.request({ method: 'GET', url: `/v1/carriers/${carrier.code}` }),
      await t.request({ method: 'GET', url: '/v1/carriers?limit=100' }),
    ]) {
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(token);
    }
    expect(await stored(carrier.code)).toEqual({
      adapter: 'http',
      endpoint: 'https://api.acme.example/v1',
      api_token: token,
    });
  });

  it('refuses an http carrier without an endpoint, and endpoints that are not plain http(s) URLs', async () => {
    const before = await totalRows();
    expectInvalid(await create({ code: uniq('car'), name: 'C', adapter: 'http', services: [] }), [
      '/endpoint',
    ]);
    for (const endpoint of [
      'ftp://acme.example',
      'acme.example/labels',
      'https://user:pass@acme.example',
      'https://acme.example/#frag',
      'http://',
    ]) {
      const res = await create({ code: uniq('car'), name: 'C', adapter: 'http', endpoint, services: [] });
      expectInvalid(res, ['/endpoint']);
    }
    expectInvalid(await create({ code: uniq('car'), name: 'C', adapter: 'pigeon', services: [] }), [
      '/adapter',
    ]);
    expectInvalid(await create({ code: uniq('car'), name: 'C', api_token: 'has space', services: [] }), [
      '/api_token',
    ]);
    expect(await totalRows()).toEqual(before);
  });

  it('lists adapter and service problems together', async () => {
    const res = await create({
      code: uniq('car'),
      name: 'C',
      adapter: 'http',
      services: [service(), service()],
    });
    expectInvalid(res, ['/endpoint', '/services/1/code']);
  });

  it('switches adapters with PATCH, keeping an http carrier valid, and replaces or removes the token', async () => {
    const carrier = await makeCarrier();
    expectInvalid(await patch(carrier.code, { adapter: 'http' }), ['/endpoint']);
    expect(await stored(carrier.code)).toEqual({ adapter: 'rate_card', endpoint: null, api_token: null });

    const res = await patch(carrier.code, {
      adapter: 'http',
      endpoint: 'http://127.0.0.1:9/api',
      api_token: token,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      adapter: 'http',
      endpoint: 'http://127.0.0.1:9/api',
      has_api_token: true,
    });

    // Leaving the endpoint of an http carrier empty is refused; other fields keep what is stored.
    expectInvalid(await patch(carrier.code, { endpoint: null }), ['/endpoint']);
    const renamed = await patch(carrier.code, { name: 'Renamed' });
    expect(renamed.json()).toMatchObject({ name: 'Renamed', adapter: 'http', has_api_token: true });
    expect((await stored(carrier.code)).api_token).toBe(token);

    await patch(carrier.code, { api_token: 'tok_new' });
    expect((await stored(carrier.code)).api_token).toBe('tok_new');
    const cleared = await patch(carrier.code, { adapter: 'rate_card', endpoint: null, api_token: null });
    expect(cleared.json()).toMatchObject({ adapter: 'rate_card', endpoint: null, has_api_token: false });
    expect(await stored(carrier.code)).toEqual({ adapter: 'rate_card', endpoint: null, api_token: null });
  });

  it('serves the adapter settings, token included, to fulfillment through adapterConfig', async () => {
    const carriers = createCarrierService({ db: t.db });
    const http = await makeCarrier({
      adapter: 'http',
      endpoint: 'https://api.acme.example',
      api_token: token,
    });
    const builtIn = await makeCarrier();
    expect(await carriers.adapterConfig(http.code)).toEqual({
      adapter: 'http',
      endpoint: 'https://api.acme.example',
      apiToken: token,
    });
    expect(await carriers.adapterConfig(builtIn.code)).toEqual({
      adapter: 'rate_card',
      endpoint: null,
      apiToken: null,
    });
    expect(await carriers.adapterConfig('no-such-carrier')).toBeUndefined();
  });
});

describe('deactivation', () => {
  it('deactivates with POST .../deactivate and reactivates with PATCH active: true', async () => {
    const carrier = await makeCarrier();
    const off = await t.request({ method: 'POST', url: `/v1/carriers/${carrier.code}/deactivate` });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toEqual({ ...carrier, active: false, updated_at: isoTime });
    const again = await t.request({ method: 'POST', url: `/v1/carriers/${carrier.code}/deactivate` });
    expect(again.json()).toMatchObject({ active: false });
    const on = await patch(carrier.code, { active: true });
    expect(on.json()).toEqual({ ...carrier, active: true, updated_at: isoTime });
  });

  it('answers an unknown code with 404', async () => {
    expectProblem(
      await t.request({ method: 'POST', url: '/v1/carriers/ghost/deactivate' }),
      404,
      'not_found',
    );
  });
});

describe('access', () => {
  it('lets any key read but only a fulfillment:write key write', async () => {
    const carrier = await makeCarrier();
    const reader = await t.keyWith(['orders:read']);
    const cataloguer = await t.keyWith(['catalog:write']);
    expect((await t.request({ method: 'GET', url: '/v1/carriers', key: reader })).statusCode).toBe(200);
    expect(
      (await t.request({ method: 'GET', url: `/v1/carriers/${carrier.code}`, key: reader })).statusCode,
    ).toBe(200);

    const before = await totalRows();
    for (const key of [reader, cataloguer]) {
      const body = expectProblem(
        await create({ code: uniq('car'), name: 'X', services: [service()] }, key),
        403,
        'forbidden',
      );
      expect(body.detail).toContain('fulfillment:write');
      expectProblem(await patch(carrier.code, { name: 'Y' }, key), 403, 'forbidden');
      expectProblem(
        await t.request({ method: 'POST', url: `/v1/carriers/${carrier.code}/deactivate`, key }),
        403,
        'forbidden',
      );
    }
    expect(await totalRows()).toEqual(before);
    expect(await get(carrier.code)).toEqual(carrier);

    const writer = await t.keyWith(['fulfillment:write']);
    expect((await create({ code: uniq('car'), name: 'X', services: [service()] }, writer)).statusCode).toBe(
      201,
    );
    expect((await patch(carrier.code, { name: 'By writer' }, writer)).statusCode).toBe(200);
  });

  it('refuses requests without a key with 401', async () => {
    const code = uniq('car');
    for (const req of [
      { method: 'GET' as const, url: '/v1/carriers' },
      { method: 'GET' as const, url: `/v1/carriers/${code}` },
      { method: 'POST' as const, url: '/v1/carriers', payload: { code, name: 'X', services: [service()] } },
      { method: 'PATCH' as const, url: `/v1/carriers/${code}`, payload: { name: 'X' } },
      { method: 'POST' as const, url: `/v1/carriers/${code}/deactivate` },
    ]) {
      expectProblem(await t.request({ ...req, key: null }), 401, 'unauthorized');
    }
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM carriers WHERE code = $1', [code]);
    expect(rows[0].n).toBe(0);
  });
});

describe('activeServices()', () => {
  const ours = (services: ServiceRate[], prefix: string) =>
    services.filter((s) => s.carrier.startsWith(prefix));

  it('returns the active services of active carriers, by carrier code then service code', async () => {
    const prefix = uniq('act');
    const cutoffCard = rateCard();
    // Created out of order, to show the ordering is by code.
    await makeCarrier({
      code: `${prefix}-b`,
      services: [service({ code: 'zeta', pickup_cutoffs: { [nj]: '15:00' } }), service({ code: 'alpha' })],
    });
    await makeCarrier({
      code: `${prefix}-a`,
      services: [
        service({ code: 'on', service_levels: ['express', 'standard'], rate_card: cutoffCard }),
        service({ code: 'off', active: false }),
      ],
    });
    await makeCarrier({ code: `${prefix}-c`, active: false, services: [service()] });

    const services = ours(await t.app.services.carriers.activeServices(), prefix);
    expect(services).toEqual([
      {
        carrier: `${prefix}-a`,
        service: 'on',
        name: 'Ground',
        serviceLevels: ['express', 'standard'],
        rateCard: cutoffCard,
        pickupCutoffs: {},
      },
      expect.objectContaining({ carrier: `${prefix}-b`, service: 'alpha' }),
      expect.objectContaining({ carrier: `${prefix}-b`, service: 'zeta', pickupCutoffs: { [nj]: '15:00' } }),
    ]);
  });

  it('sees every change made through the API at once, and its result cannot be changed by a caller', async () => {
    const prefix = uniq('live');
    const carriers = t.app.services.carriers;
    await makeCarrier({ code: `${prefix}-x`, services: [service()] });
    const first = ours(await carriers.activeServices(), prefix);
    expect(first.map((s) => s.service)).toEqual(['ground']);
    expect(Object.isFrozen(first[0]?.rateCard.rates[0]?.[0])).toBe(true);

    await patch(`${prefix}-x`, {
      services: [service({ code: 'air' }), service({ code: 'ground', active: false })],
    });
    expect(ours(await carriers.activeServices(), prefix).map((s) => s.service)).toEqual(['air']);

    await t.request({ method: 'POST', url: `/v1/carriers/${prefix}-x/deactivate` });
    expect(ours(await carriers.activeServices(), prefix)).toEqual([]);

    await patch(`${prefix}-x`, { active: true });
    expect(ours(await carriers.activeServices(), prefix).map((s) => s.service)).toEqual(['air']);

    await makeCarrier({ code: `${prefix}-y`, services: [service({ code: 'post' })] });
    expect(ours(await carriers.activeServices(), prefix).map((s) => `${s.carrier}/${s.service}`)).toEqual([
      `${prefix}-x/air`,
      `${prefix}-y/post`,
    ]);
  });

  it('serves a write made by another process after at most about a second', async () => {
    const prefix = uniq('other');
    const carriers = t.app.services.carriers;
    const otherProcess = createCarrierService({ db: t.db });
    // A write through this process clears its cache, so the read below starts a fresh window.
    await makeCarrier({ code: `${prefix}-a`, services: [service({ code: 'first' })] });
    // The cache ages by the monotonic clock (`performance.now()`): stop it, and move it by hand.
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      await carriers.activeServices();
      await otherProcess.create({
        code: `${prefix}-z`,
        name: 'Elsewhere',
        services: [{ code: 'ground', name: 'Ground', service_levels: ['standard'], rate_card: rateCard() }],
      });
      // Within the cache window this process still serves what it read.
      vi.advanceTimersByTime(900);
      expect(ours(await carriers.activeServices(), prefix).map((s) => s.service)).toEqual(['first']);
      vi.advanceTimersByTime(200);
      expect(ours(await carriers.activeServices(), prefix).map((s) => `${s.carrier}/${s.service}`)).toEqual([
        `${prefix}-a/first`,
        `${prefix}-z/ground`,
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
