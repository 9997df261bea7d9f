import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '../../../src/http/pagination.js';
import type { Address } from '../../../src/modules/addresses/address.schemas.js';
import type { CreateLocation, Location } from '../../../src/modules/catalog/locations.schemas.js';
import { isoTime, listAll } from '../../helpers/api.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { uniq } from '../../helpers/factories.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';

let t: TestApp;
/** Two channels every test may bind locations to. */
let web: string;
let pos: string;
beforeAll(async () => {
  t = await createTestApp();
  web = uniq('web');
  pos = uniq('pos');
  for (const code of [web, pos]) {
    const res = await t.request({ method: 'POST', url: '/v1/channels', payload: { code, name: code } });
    expect(res.statusCode).toBe(201);
  }
});
afterAll(() => t.close());

const beverlyHills: Address = {
  line1: '9500 Wilshire Blvd',
  city: 'Beverly Hills',
  region: 'CA',
  postal_code: '90210',
  country: 'US',
};
const toronto: Address = {
  line1: '290 Bremner Blvd',
  city: 'Toronto',
  region: 'ON',
  postal_code: 'M5V 2T6',
  country: 'CA',
};
const london: Address = { line1: '10 Downing St', city: 'London', postal_code: 'SW1A 1AA', country: 'GB' };
const newYork: Address = {
  line1: '350 5th Ave',
  city: 'New York',
  region: 'NY',
  postal_code: '10001',
  country: 'US',
};

const rowCount = async (code: string): Promise<number> =>
  (await t.pool.query('SELECT count(*)::int AS n FROM locations WHERE code = $1', [code])).rows[0].n;

const totalRows = async (): Promise<{ locations: number; links: number }> => {
  const { rows } = await t.pool.query(
    'SELECT (SELECT count(*)::int FROM locations) AS locations, (SELECT count(*)::int FROM location_channels) AS links',
  );
  return rows[0];
};

const create = (body: Record<string, unknown>, key?: string) =>
  t.request({ method: 'POST', url: '/v1/locations', payload: body, ...(key === undefined ? {} : { key }) });

const patch = (code: string, body: unknown) =>
  t.request({ method: 'PATCH', url: `/v1/locations/${code}`, payload: body as object });

const get = async (code: string): Promise<Location> => {
  const res = await t.request({ method: 'GET', url: `/v1/locations/${code}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Location;
};

async function makeLocation(overrides: Partial<CreateLocation> = {}): Promise<Location> {
  const res = await create({
    code: uniq('loc'),
    name: 'Location',
    kind: 'warehouse',
    address: beverlyHills,
    ...overrides,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Location;
}

const codesOf = async (query: string) =>
  (await listAll<Location>(t, '/v1/locations', query)).map((l) => l.code);

describe('POST /v1/locations', () => {
  it('creates a location with defaults, placed by its US ZIP code', async () => {
    const code = uniq('loc');
    const res = await create({ code, name: 'LA store', kind: 'store', address: beverlyHills });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json() as Location;
    expect(body).toEqual({
      code,
      name: 'LA store',
      kind: 'store',
      address: beverlyHills,
      latitude: expect.closeTo(34.09, 1),
      longitude: expect.closeTo(-118.41, 1),
      coordinates_source: 'postal_code',
      tags: [],
      priority: 0,
      processing_days: 0,
      cutoff_time: '17:00',
      time_zone: 'UTC',
      capacity_orders_per_day: null,
      capacity_units_per_day: null,
      max_feed_age_minutes: null,
      fulfillment: 'ordo',
      channels: [],
      active: true,
      created_at: isoTime,
      updated_at: isoTime,
    });
    expect(body.latitude).toBeCloseTo(34.09, 1);
    expect(body.longitude).toBeCloseTo(-118.41, 1);
    const { rows } = await t.pool.query('SELECT * FROM locations WHERE code = $1', [code]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: 'store',
      coordinates_source: 'postal_code',
      address: beverlyHills,
    });
    expect(await get(code)).toEqual(body);
  });

  it('stores every field given, with its channels sorted by code', async () => {
    const code = uniq('loc');
    const input = {
      code,
      name: 'New Jersey DC',
      kind: 'warehouse',
      address: {
        ...newYork,
        name: 'Receiving',
        company: 'Ordo Inc',
        line2: 'Dock 4',
        phone: '+1 212 555 0100',
      },
      latitude: 40.5,
      longitude: -74.3,
      tags: ['ambient', 'hazmat'],
      priority: 1000,
      processing_days: 60,
      cutoff_time: '23:59',
      time_zone: 'America/New_York',
      capacity_orders_per_day: 500,
      capacity_units_per_day: 0,
      max_feed_age_minutes: 90,
      fulfillment: 'external_wms',
      channels: [web, pos],
      active: false,
    };
    const res = await create(input);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({
      ...input,
      channels: [web, pos].sort(),
      coordinates_source: 'given',
      created_at: isoTime,
      updated_at: isoTime,
    });
    expect(await get(code)).toEqual(res.json());
    const links = await t.pool.query(
      'SELECT c.code FROM location_channels lc JOIN channels c ON c.id = lc.channel_id JOIN locations l ON l.id = lc.location_id WHERE l.code = $1 ORDER BY c.code',
      [code],
    );
    expect(links.rows.map((r: { code: string }) => r.code)).toEqual([web, pos].sort());
  });

  it('accepts the lower boundaries of each number', async () => {
    const location = await makeLocation({
      priority: 0,
      processing_days: 0,
      cutoff_time: '00:00',
      latitude: -90,
      longitude: -180,
    });
    expect(location).toMatchObject({
      priority: 0,
      processing_days: 0,
      cutoff_time: '00:00',
      latitude: -90,
      longitude: -180,
    });
  });

  it('places a Canadian location by its forward sortation area', async () => {
    const location = await makeLocation({ address: toronto, time_zone: 'America/Toronto' });
    expect(location.coordinates_source).toBe('postal_code');
    expect(location.latitude).toBeCloseTo(43.65, 1);
    expect(location.longitude).toBeCloseTo(-79.37, 1);
  });

  it('places a location by a ZIP+4 code', async () => {
    const location = await makeLocation({ address: { ...beverlyHills, postal_code: '90210-1234' } });
    expect(location.coordinates_source).toBe('postal_code');
    expect(location.latitude).toBeCloseTo(34.09, 1);
  });

  it('leaves a location outside the US and CA without coordinates', async () => {
    const location = await makeLocation({ address: london, time_zone: 'Europe/London' });
    expect(location).toMatchObject({
      address: london,
      latitude: null,
      longitude: null,
      coordinates_source: null,
    });
  });

  it('leaves a valid US ZIP code the dataset does not know without coordinates', async () => {
    const location = await makeLocation({ address: { ...beverlyHills, postal_code: '00000' } });
    expect(location).toMatchObject({ latitude: null, longitude: null, coordinates_source: null });
  });

  it('accepts an address without city or postal code where the country uses neither (HK)', async () => {
    const address = { line1: '1 Harbour Rd', country: 'HK' };
    const location = await makeLocation({ address, time_zone: 'Asia/Hong_Kong' });
    expect(location.address).toEqual(address);
  });

  it('lets given coordinates win over the postal code', async () => {
    const location = await makeLocation({ latitude: 10.5, longitude: 20.25 });
    expect(location).toMatchObject({ latitude: 10.5, longitude: 20.25, coordinates_source: 'given' });
  });

  it('takes coordinates given inside the address', async () => {
    const address = { ...beverlyHills, latitude: 1.5, longitude: 2.5 };
    const location = await makeLocation({ address });
    expect(location).toMatchObject({ address, latitude: 1.5, longitude: 2.5, coordinates_source: 'given' });
  });

  it('refuses a duplicate code with 409 and keeps the first location', async () => {
    const first = await makeLocation({ name: 'First' });
    const res = await create({
      code: first.code,
      name: 'Second',
      kind: 'store',
      address: london,
      channels: [web],
    });
    const body = expectProblem(res, 409, 'conflict');
    expect(body.detail).toContain(first.code);
    expect(await rowCount(first.code)).toBe(1);
    expect(await get(first.code)).toEqual(first);
  });

  const long = (n: number) => 'x'.repeat(n);
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['a code of the wrong type', { code: 7 }, '/code'],
    ['an empty code', { code: '' }, '/code'],
    ['a code with a space', { code: 'a b' }, '/code'],
    ['a code over 64 characters', { code: `a${long(64)}` }, '/code'],
    ['a missing name', { name: undefined }, '/name'],
    ['a name of the wrong type', { name: 1 }, '/name'],
    ['an empty name', { name: '' }, '/name'],
    ['a name over 200 characters', { name: long(201) }, '/name'],
    ['a missing kind', { kind: undefined }, '/kind'],
    ['an unknown kind', { kind: 'factory' }, '/kind'],
    ['a kind of the wrong type', { kind: ['store'] }, '/kind'],
    ['a missing address', { address: undefined }, '/address'],
    ['an address of the wrong type', { address: '1 Main St, LA' }, '/address'],
    ['an address without line1', { address: { ...beverlyHills, line1: undefined } }, '/address/line1'],
    ['an empty line1', { address: { ...beverlyHills, line1: '' } }, '/address/line1'],
    ['a line1 over 200 characters', { address: { ...beverlyHills, line1: long(201) } }, '/address/line1'],
    ['a line2 over 200 characters', { address: { ...beverlyHills, line2: long(201) } }, '/address/line2'],
    [
      'an address name over 200 characters',
      { address: { ...beverlyHills, name: long(201) } },
      '/address/name',
    ],
    [
      'a company over 200 characters',
      { address: { ...beverlyHills, company: long(201) } },
      '/address/company',
    ],
    ['a city over 100 characters', { address: { ...beverlyHills, city: long(101) } }, '/address/city'],
    ['a region over 100 characters', { address: { ...beverlyHills, region: long(101) } }, '/address/region'],
    ['a phone over 40 characters', { address: { ...beverlyHills, phone: long(41) } }, '/address/phone'],
    [
      'a postal code over 20 characters',
      { address: { ...beverlyHills, postal_code: long(21) } },
      '/address/postal_code',
    ],
    [
      'a postal code of the wrong type',
      { address: { ...beverlyHills, postal_code: 90210 } },
      '/address/postal_code',
    ],
    ['a missing country', { address: { ...beverlyHills, country: undefined } }, '/address/country'],
    ['an unknown country', { address: { ...beverlyHills, country: 'XX' } }, '/address/country'],
    ['a lower-case country', { address: { ...beverlyHills, country: 'us' } }, '/address/country'],
    ['a three-letter country', { address: { ...beverlyHills, country: 'USA' } }, '/address/country'],
    [
      'a US postal code that is not a ZIP',
      { address: { ...beverlyHills, postal_code: 'ABCDE' } },
      '/address/postal_code',
    ],
    [
      'a US address without a postal code',
      { address: { ...beverlyHills, postal_code: undefined } },
      '/address/postal_code',
    ],
    [
      'a GB postal code that is not one',
      { address: { ...london, postal_code: '90210' } },
      '/address/postal_code',
    ],
    ['a US address without a region', { address: { ...beverlyHills, region: undefined } }, '/address/region'],
    ['a CA address without a region', { address: { ...toronto, region: undefined } }, '/address/region'],
    ['a US address without a city', { address: { ...beverlyHills, city: undefined } }, '/address/city'],
    [
      'an address latitude without longitude',
      { address: { ...beverlyHills, latitude: 1 } },
      '/address/latitude',
    ],
    [
      'an address latitude over 90',
      { address: { ...beverlyHills, latitude: 91, longitude: 0 } },
      '/address/latitude',
    ],
    [
      'an address longitude under -180',
      { address: { ...beverlyHills, latitude: 0, longitude: -181 } },
      '/address/longitude',
    ],
    ['an unknown address field', { address: { ...beverlyHills, state: 'CA' } }, '/address/state'],
    ['a latitude of the wrong type', { latitude: '34.1', longitude: -118 }, '/latitude'],
    ['a latitude over 90', { latitude: 90.5, longitude: 0 }, '/latitude'],
    ['a latitude under -90', { latitude: -91, longitude: 0 }, '/latitude'],
    ['a longitude over 180', { latitude: 0, longitude: 180.1 }, '/longitude'],
    ['a longitude of the wrong type', { latitude: 0, longitude: null }, '/longitude'],
    ['a latitude without a longitude', { latitude: 34.1 }, '/latitude'],
    ['a longitude without a latitude', { longitude: -118.4 }, '/latitude'],
    ['tags of the wrong type', { tags: 'cold' }, '/tags'],
    ['a tag with a space', { tags: ['ok', 'not ok'] }, '/tags/1'],
    ['a tag with a comma', { tags: ['a,b'] }, '/tags/0'],
    ['an empty tag', { tags: [''] }, '/tags/0'],
    ['a tag over 64 characters', { tags: [long(65)] }, '/tags/0'],
    ['a repeated tag', { tags: ['cold', 'cold'] }, '/tags'],
    ['over 50 tags', { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, '/tags'],
    ['a tag of the wrong type', { tags: [5] }, '/tags/0'],
    ['a priority of the wrong type', { priority: '1' }, '/priority'],
    ['a negative priority', { priority: -1 }, '/priority'],
    ['a priority over 1000', { priority: 1001 }, '/priority'],
    ['a fractional priority', { priority: 2.5 }, '/priority'],
    ['negative processing days', { processing_days: -1 }, '/processing_days'],
    ['processing days over 60', { processing_days: 61 }, '/processing_days'],
    ['fractional processing days', { processing_days: 0.5 }, '/processing_days'],
    ['a cutoff hour of 25', { cutoff_time: '25:00' }, '/cutoff_time'],
    ['a cutoff hour of 24', { cutoff_time: '24:00' }, '/cutoff_time'],
    ['a cutoff minute of 60', { cutoff_time: '12:60' }, '/cutoff_time'],
    ['a cutoff time without a leading zero', { cutoff_time: '9:00' }, '/cutoff_time'],
    ['a cutoff time with seconds', { cutoff_time: '09:00:00' }, '/cutoff_time'],
    ['a cutoff time of the wrong type', { cutoff_time: 1500 }, '/cutoff_time'],
    ['a time zone that is not IANA', { time_zone: 'Mars/Base' }, '/time_zone'],
    ['an offset for a time zone', { time_zone: '+05:00' }, '/time_zone'],
    ['an empty time zone', { time_zone: '' }, '/time_zone'],
    ['a time zone over 64 characters', { time_zone: `Europe/${long(60)}` }, '/time_zone'],
    ['a time zone of the wrong type', { time_zone: 0 }, '/time_zone'],
    ['a negative order capacity', { capacity_orders_per_day: -1 }, '/capacity_orders_per_day'],
    ['a negative unit capacity', { capacity_units_per_day: -5 }, '/capacity_units_per_day'],
    ['an order capacity of the wrong type', { capacity_orders_per_day: '100' }, '/capacity_orders_per_day'],
    ['a unit capacity of the wrong type', { capacity_units_per_day: true }, '/capacity_units_per_day'],
    ['a fractional order capacity', { capacity_orders_per_day: 1.5 }, '/capacity_orders_per_day'],
    [
      'a unit capacity over an integer column',
      { capacity_units_per_day: 2 ** 31 },
      '/capacity_units_per_day',
    ],
    ['channels of the wrong type', { channels: 'web' }, '/channels'],
    ['an empty channel code', { channels: [''] }, '/channels/0'],
    ['a repeated channel', { channels: ['a', 'a'] }, '/channels'],
    ['over 100 channels', { channels: Array.from({ length: 101 }, (_, i) => `c${i}`) }, '/channels'],
    ['active of the wrong type', { active: 'true' }, '/active'],
    ['an unknown field', { warehouse_id: 3 }, '/warehouse_id'],
    ['coordinates_source (read-only)', { coordinates_source: 'given' }, '/coordinates_source'],
  ];

  it.each(bad)('refuses %s with 422 and stores nothing', async (_name, change, pointer) => {
    const before = await totalRows();
    const code = uniq('loc');
    const payload = JSON.parse(
      JSON.stringify({
        code,
        name: 'Bad',
        kind: 'warehouse',
        address: beverlyHills,
        channels: [web],
        ...change,
      }),
    );
    const body = expectInvalid(await create(payload), [pointer]);
    if (['/warehouse_id', '/coordinates_source', '/address/state'].includes(pointer)) {
      expect(body.errors).toContainEqual({ in: 'body', pointer, detail: 'is not a known field' });
    }
    expect(await totalRows()).toEqual(before);
    expect(await rowCount(code)).toBe(0);
  });

  it('names an unknown channel by its index and stores nothing', async () => {
    const before = await totalRows();
    const code = uniq('loc');
    const res = await create({
      code,
      name: 'X',
      kind: 'store',
      address: beverlyHills,
      channels: [web, 'no-such-channel', pos, 'nor-this'],
    });
    const body = expectInvalid(res, ['/channels/1', '/channels/3']);
    expect(body.errors).toHaveLength(2);
    expect(body.errors?.[0]?.detail).toContain('no-such-channel');
    expect(await totalRows()).toEqual(before);
  });

  it('reports address, time zone and channel problems together', async () => {
    const res = await create({
      code: uniq('loc'),
      name: 'X',
      kind: 'store',
      address: { line1: '1 Main St', country: 'US', postal_code: 'ABCDE' },
      time_zone: 'Mars/Base',
      channels: ['ghost'],
    });
    expectInvalid(res, [
      '/address/postal_code',
      '/address/city',
      '/address/region',
      '/time_zone',
      '/channels/0',
    ]);
  });
});

describe('concurrent creation', () => {
  it('creates one location when the same code is posted in parallel; the others get 409', async () => {
    const code = uniq('loc');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        create({ code, name: `Racer ${i}`, kind: 'store', address: beverlyHills, channels: [web] }),
      ),
    );
    expect(results.map((res) => res.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await rowCount(code)).toBe(1);
    const links = await t.pool.query(
      'SELECT count(*)::int AS n FROM location_channels lc JOIN locations l ON l.id = lc.location_id WHERE l.code = $1',
      [code],
    );
    expect(links.rows[0].n).toBe(1);
  });
});

describe('GET /v1/locations/:code', () => {
  it('returns the location', async () => {
    const location = await makeLocation({ channels: [pos], tags: ['x'] });
    const res = await t.request({ method: 'GET', url: `/v1/locations/${location.code}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(location);
  });

  it('answers an unknown code with a 404 problem', async () => {
    const body = expectProblem(
      await t.request({ method: 'GET', url: '/v1/locations/nowhere' }),
      404,
      'not_found',
    );
    expect(body.instance).toBe('/v1/locations/nowhere');
  });

  it('answers a code over 64 characters with a 422 naming the parameter', async () => {
    expectInvalid(
      await t.request({ method: 'GET', url: `/v1/locations/${'x'.repeat(65)}` }),
      ['/code'],
      'params',
    );
  });
});

describe('GET /v1/locations', () => {
  it('filters by active', async () => {
    const on = await makeLocation();
    const off = await makeLocation({ active: false });
    const active = await codesOf('active=true');
    const inactive = await codesOf('active=false');
    expect(active).toContain(on.code);
    expect(active).not.toContain(off.code);
    expect(inactive).toContain(off.code);
    expect(inactive).not.toContain(on.code);
    expect(new Set([...active, ...inactive])).toEqual(new Set(await codesOf('')));
  });

  it('filters by kind', async () => {
    const store = await makeLocation({ kind: 'store' });
    const dropship = await makeLocation({ kind: 'dropship' });
    const stores = await listAll<Location>(t, '/v1/locations', 'kind=store');
    expect(stores.map((l) => l.code)).toContain(store.code);
    expect(stores.map((l) => l.code)).not.toContain(dropship.code);
    expect(stores.every((l) => l.kind === 'store')).toBe(true);
    expect(await codesOf('kind=dropship')).toContain(dropship.code);
  });

  it('filters by tag', async () => {
    const tag = uniq('tag');
    const tagged = await makeLocation({ tags: ['other', tag] });
    const untagged = await makeLocation({ tags: ['other'] });
    expect(await codesOf(`tag=${tag}`)).toEqual([tagged.code]);
    const others = await codesOf('tag=other');
    expect(others).toEqual(expect.arrayContaining([tagged.code, untagged.code]));
  });

  it('filters by channel: bound locations serve only their channels, unbound ones serve every channel', async () => {
    const webOnly = await makeLocation({ channels: [web] });
    const posOnly = await makeLocation({ channels: [pos] });
    const both = await makeLocation({ channels: [web, pos] });
    const any = await makeLocation({ channels: [] });
    const forWeb = await codesOf(`channel=${web}`);
    expect(forWeb).toEqual(expect.arrayContaining([webOnly.code, both.code, any.code]));
    expect(forWeb).not.toContain(posOnly.code);
    const forPos = await codesOf(`channel=${pos}`);
    expect(forPos).toEqual(expect.arrayContaining([posOnly.code, both.code, any.code]));
    expect(forPos).not.toContain(webOnly.code);
    const forUnknown = await codesOf('channel=unknown-channel');
    expect(forUnknown).toContain(any.code);
    expect(forUnknown).not.toEqual(expect.arrayContaining([webOnly.code]));
    expect(
      (await listAll<Location>(t, '/v1/locations', 'channel=unknown-channel')).every(
        (l) => l.channels.length === 0,
      ),
    ).toBe(true);
  });

  it('filters by country', async () => {
    const us = await makeLocation({ address: newYork });
    const gb = await makeLocation({ address: london });
    const ca = await makeLocation({ address: toronto });
    const inGb = await listAll<Location>(t, '/v1/locations', 'country=GB');
    expect(inGb.map((l) => l.code)).toContain(gb.code);
    expect(inGb.every((l) => l.address.country === 'GB')).toBe(true);
    expect(await codesOf('country=US')).toEqual(expect.arrayContaining([us.code]));
    expect(await codesOf('country=US')).not.toContain(ca.code);
    expect(await codesOf('country=FR')).toEqual([]);
  });

  it('combines filters', async () => {
    const tag = uniq('combo');
    const match = await makeLocation({ kind: 'store', tags: [tag], address: london, channels: [web] });
    await makeLocation({ kind: 'warehouse', tags: [tag], address: london, channels: [web] });
    await makeLocation({ kind: 'store', tags: [tag], address: newYork, channels: [web] });
    await makeLocation({ kind: 'store', tags: [tag], address: london, channels: [pos] });
    await makeLocation({ kind: 'store', tags: [tag], address: london, channels: [web], active: false });
    expect(await codesOf(`kind=store&tag=${tag}&country=GB&channel=${web}&active=true`)).toEqual([
      match.code,
    ]);
  });

  it('pages with limit and next_cursor without gaps or repeats', async () => {
    const tag = uniq('page');
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await makeLocation({ tags: [tag] })).code);
    }
    const first = (
      await t.request({ method: 'GET', url: `/v1/locations?tag=${tag}&limit=2` })
    ).json() as Page<Location>;
    expect(first.data.map((l) => l.code)).toEqual(made.slice(0, 2));
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (
      await t.request({ method: 'GET', url: `/v1/locations?tag=${tag}&limit=2&cursor=${first.next_cursor}` })
    ).json() as Page<Location>;
    expect(second.data.map((l) => l.code)).toEqual(made.slice(2, 4));
    const third = (
      await t.request({ method: 'GET', url: `/v1/locations?tag=${tag}&limit=2&cursor=${second.next_cursor}` })
    ).json() as Page<Location>;
    expect(third.data.map((l) => l.code)).toEqual(made.slice(4));
    expect(third.next_cursor).toBeNull();
    expect((await listAll<Location>(t, '/v1/locations', `tag=${tag}`, 2)).map((l) => l.code)).toEqual(made);

    const all = (await listAll<Location>(t, '/v1/locations', '', 3)).map((l) => l.code);
    const { rows } = await t.pool.query('SELECT code FROM locations ORDER BY id');
    expect(all).toEqual(rows.map((r: { code: string }) => r.code));
  });

  it.each([
    ['garbage', 'garbage!'],
    ['a string position', Buffer.from('["1"]').toString('base64url')],
    ['two positions', Buffer.from('[1,2]').toString('base64url')],
    ['truncated JSON', Buffer.from('[1').toString('base64url')],
  ])('refuses a tampered cursor (%s) with 422', async (_name, cursor) => {
    expectInvalid(
      await t.request({ method: 'GET', url: `/v1/locations?cursor=${cursor}` }),
      ['/cursor'],
      'query',
    );
  });

  it.each([
    ['kind=factory', '/kind'],
    ['country=us', '/country'],
    ['country=USA', '/country'],
    ['active=yes', '/active'],
    ['tag=', '/tag'],
    [`tag=${'x'.repeat(65)}`, '/tag'],
    ['channel=', '/channel'],
    [`channel=${'x'.repeat(65)}`, '/channel'],
    ['limit=0', '/limit'],
    ['limit=501', '/limit'],
  ])('refuses the query %s with 422', async (query, pointer) => {
    expectInvalid(await t.request({ method: 'GET', url: `/v1/locations?${query}` }), [pointer], 'query');
  });
});

describe('PATCH /v1/locations/:code', () => {
  it('changes only the fields given', async () => {
    const location = await makeLocation({ tags: ['a'], channels: [web], priority: 3 });
    const res = await patch(location.code, { name: 'Renamed', cutoff_time: '16:30', processing_days: 2 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      ...location,
      name: 'Renamed',
      cutoff_time: '16:30',
      processing_days: 2,
      updated_at: isoTime,
    });
    expect(await get(location.code)).toEqual(res.json());
  });

  it('changes every scalar field at once', async () => {
    const location = await makeLocation();
    const changes = {
      name: 'All new',
      kind: 'dropship',
      priority: 1000,
      processing_days: 60,
      cutoff_time: '00:00',
      time_zone: 'Europe/Berlin',
      active: false,
    };
    const res = await patch(location.code, changes);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ ...changes, address: location.address, latitude: location.latitude });
  });

  it('replaces the tag list', async () => {
    const location = await makeLocation({ tags: ['a', 'b'] });
    expect((await patch(location.code, { tags: ['c'] })).json()).toMatchObject({ tags: ['c'] });
    expect((await patch(location.code, { tags: [] })).json()).toMatchObject({ tags: [] });
  });

  it('replaces the channel list; an empty list serves every channel', async () => {
    const location = await makeLocation({ channels: [web] });
    const swapped = await patch(location.code, { channels: [pos] });
    expect(swapped.statusCode).toBe(200);
    expect(swapped.json()).toMatchObject({ channels: [pos] });
    expect(await codesOf(`channel=${web}`)).not.toContain(location.code);
    expect(await codesOf(`channel=${pos}`)).toContain(location.code);

    const cleared = await patch(location.code, { channels: [] });
    expect(cleared.json()).toMatchObject({ channels: [] });
    expect(await codesOf(`channel=${web}`)).toContain(location.code);
    const links = await t.pool.query(
      'SELECT count(*)::int AS n FROM location_channels lc JOIN locations l ON l.id = lc.location_id WHERE l.code = $1',
      [location.code],
    );
    expect(links.rows[0].n).toBe(0);
  });

  it('keeps the channels when the patch does not mention them', async () => {
    const location = await makeLocation({ channels: [web, pos] });
    const res = await patch(location.code, { priority: 9 });
    expect(res.json()).toMatchObject({ channels: [web, pos].sort(), priority: 9 });
  });

  it('refuses an unknown channel by index and changes nothing', async () => {
    const location = await makeLocation({ channels: [web] });
    const res = await patch(location.code, { channels: [pos, 'ghost'], name: 'Not applied' });
    const body = expectInvalid(res, ['/channels/1']);
    expect(body.errors).toHaveLength(1);
    expect(await get(location.code)).toEqual(location);
  });

  it('re-derives coordinates from a new address when they came from the postal code', async () => {
    const location = await makeLocation({ address: beverlyHills });
    expect(location.coordinates_source).toBe('postal_code');
    const moved = await patch(location.code, { address: newYork });
    expect(moved.statusCode, moved.body).toBe(200);
    const body = moved.json() as Location;
    expect(body).toMatchObject({ address: newYork, coordinates_source: 'postal_code' });
    expect(body.latitude).toBeCloseTo(40.75, 1);
    expect(body.longitude).toBeCloseTo(-74.0, 1);

    const toCanada = (await patch(location.code, { address: toronto })).json() as Location;
    expect(toCanada.latitude).toBeCloseTo(43.65, 1);
    expect(toCanada.longitude).toBeCloseTo(-79.37, 1);

    const abroad = (await patch(location.code, { address: london })).json() as Location;
    expect(abroad).toMatchObject({ latitude: null, longitude: null, coordinates_source: null });

    const back = (await patch(location.code, { address: beverlyHills })).json() as Location;
    expect(back).toMatchObject({ coordinates_source: 'postal_code' });
    expect(back.latitude).toBeCloseTo(34.09, 1);
  });

  it('derives coordinates for a location that had none once its address gets a known ZIP code', async () => {
    const location = await makeLocation({ address: london });
    const res = await patch(location.code, { address: newYork });
    expect(res.json()).toMatchObject({
      coordinates_source: 'postal_code',
      latitude: expect.closeTo(40.75, 1),
    });
  });

  it('keeps coordinates given by hand when only the address changes', async () => {
    const location = await makeLocation({ latitude: 12.5, longitude: 45.25 });
    const res = await patch(location.code, { address: newYork });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      address: newYork,
      latitude: 12.5,
      longitude: 45.25,
      coordinates_source: 'given',
    });
  });

  it('sets coordinates by hand over derived ones', async () => {
    const location = await makeLocation();
    const res = await patch(location.code, { latitude: -33.87, longitude: 151.21 });
    expect(res.json()).toMatchObject({
      address: beverlyHills,
      latitude: -33.87,
      longitude: 151.21,
      coordinates_source: 'given',
    });
    const withAddress = await patch(location.code, { address: { ...newYork, latitude: 1, longitude: 2 } });
    expect(withAddress.json()).toMatchObject({ latitude: 1, longitude: 2, coordinates_source: 'given' });
  });

  it('refuses an empty body with 422', async () => {
    const location = await makeLocation();
    expectInvalid(await patch(location.code, {}), ['/']);
  });

  it.each([
    [{ code: 'new-code' }, '/code'],
    [{ name: '' }, '/name'],
    [{ kind: 'factory' }, '/kind'],
    [{ address: { ...beverlyHills, country: 'XX' } }, '/address/country'],
    [{ address: { ...beverlyHills, postal_code: 'ABCDE' } }, '/address/postal_code'],
    [{ address: { ...beverlyHills, region: undefined } }, '/address/region'],
    [{ address: { country: 'US' } }, '/address/line1'],
    [{ address: null }, '/address'],
    [{ latitude: 10 }, '/latitude'],
    [{ longitude: 10 }, '/latitude'],
    [{ latitude: 100, longitude: 0 }, '/latitude'],
    [{ tags: ['a b'] }, '/tags/0'],
    [{ priority: 1001 }, '/priority'],
    [{ processing_days: 61 }, '/processing_days'],
    [{ cutoff_time: '25:00' }, '/cutoff_time'],
    [{ time_zone: 'Mars/Base' }, '/time_zone'],
    [{ channels: [''] }, '/channels/0'],
    [{ active: null }, '/active'],
    [{ capacity_orders_per_day: -1 }, '/capacity_orders_per_day'],
    [{ capacity_units_per_day: 'lots' }, '/capacity_units_per_day'],
    [{ priority: 1, nickname: 'x' }, '/nickname'],
  ])('refuses %j with 422 and changes nothing', async (change, pointer) => {
    const location = await makeLocation({ channels: [web] });
    expectInvalid(await patch(location.code, JSON.parse(JSON.stringify(change))), [pointer]);
    expect(await get(location.code)).toEqual(location);
  });

  it('answers an unknown code with 404', async () => {
    expectProblem(await patch('nowhere-at-all', { priority: 1 }), 404, 'not_found');
  });
});

describe('daily capacity', () => {
  it('defaults both capacities to null (unlimited)', async () => {
    const location = await makeLocation();
    expect(location).toMatchObject({ capacity_orders_per_day: null, capacity_units_per_day: null });
    const { rows } = await t.pool.query(
      'SELECT capacity_orders_per_day, capacity_units_per_day FROM locations WHERE code = $1',
      [location.code],
    );
    expect(rows[0]).toEqual({ capacity_orders_per_day: null, capacity_units_per_day: null });
  });

  it('stores capacities given on creation, including 0 and an explicit null', async () => {
    const location = await makeLocation({ capacity_orders_per_day: 0, capacity_units_per_day: null });
    expect(location).toMatchObject({ capacity_orders_per_day: 0, capacity_units_per_day: null });
    const big = await makeLocation({
      capacity_orders_per_day: 1_000_000_000,
      capacity_units_per_day: 25_000,
    });
    expect(big).toMatchObject({ capacity_orders_per_day: 1_000_000_000, capacity_units_per_day: 25_000 });
    expect(await get(big.code)).toEqual(big);
  });

  it('sets a capacity with PATCH, keeps the other, and clears it back to unlimited with null', async () => {
    const location = await makeLocation({ capacity_units_per_day: 800 });
    const set = await patch(location.code, { capacity_orders_per_day: 120 });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toEqual({
      ...location,
      capacity_orders_per_day: 120,
      capacity_units_per_day: 800,
      updated_at: isoTime,
    });

    const untouched = await patch(location.code, { priority: 4 });
    expect(untouched.json()).toMatchObject({ capacity_orders_per_day: 120, capacity_units_per_day: 800 });

    const cleared = await patch(location.code, {
      capacity_orders_per_day: null,
      capacity_units_per_day: null,
    });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json()).toMatchObject({ capacity_orders_per_day: null, capacity_units_per_day: null });
    const { rows } = await t.pool.query(
      'SELECT capacity_orders_per_day, capacity_units_per_day FROM locations WHERE code = $1',
      [location.code],
    );
    expect(rows[0]).toEqual({ capacity_orders_per_day: null, capacity_units_per_day: null });
  });

  it('refuses a negative capacity and a capacity of the wrong type together, changing nothing', async () => {
    const location = await makeLocation({ capacity_orders_per_day: 10 });
    const res = await patch(location.code, { capacity_orders_per_day: -1, capacity_units_per_day: '5' });
    expectInvalid(res, ['/capacity_orders_per_day', '/capacity_units_per_day']);
    expect(await get(location.code)).toEqual(location);
  });
});

describe('deactivation', () => {
  it('deactivates with POST .../deactivate and reactivates with PATCH active: true', async () => {
    const location = await makeLocation({ channels: [web] });
    const off = await t.request({ method: 'POST', url: `/v1/locations/${location.code}/deactivate` });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toEqual({ ...location, active: false, updated_at: isoTime });
    expect(await codesOf('active=false')).toContain(location.code);
    expect(await codesOf('active=true')).not.toContain(location.code);

    const on = await patch(location.code, { active: true });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toEqual({ ...location, active: true, updated_at: isoTime });
    expect(await codesOf('active=true')).toContain(location.code);
  });

  it('answers an unknown code with 404', async () => {
    expectProblem(
      await t.request({ method: 'POST', url: '/v1/locations/ghost/deactivate' }),
      404,
      'not_found',
    );
  });
});

describe('access', () => {
  it('lets a key without catalog:write read but not write', async () => {
    const location = await makeLocation();
    const reader = await t.keyWith(['inventory:read', 'orders:write']);
    expect((await t.request({ method: 'GET', url: '/v1/locations', key: reader })).statusCode).toBe(200);
    expect(
      (await t.request({ method: 'GET', url: `/v1/locations/${location.code}`, key: reader })).statusCode,
    ).toBe(200);
    const code = uniq('loc');
    const body = expectProblem(
      await create({ code, name: 'X', kind: 'store', address: beverlyHills }, reader),
      403,
      'forbidden',
    );
    expect(body.detail).toContain('catalog:write');
    expect(await rowCount(code)).toBe(0);
    expectProblem(
      await t.request({
        method: 'PATCH',
        url: `/v1/locations/${location.code}`,
        payload: { priority: 5 },
        key: reader,
      }),
      403,
      'forbidden',
    );
    expectProblem(
      await t.request({ method: 'POST', url: `/v1/locations/${location.code}/deactivate`, key: reader }),
      403,
      'forbidden',
    );
    expect(await get(location.code)).toEqual(location);
  });

  it('lets a catalog:write key write', async () => {
    const writer = await t.keyWith(['catalog:write']);
    const res = await create({ code: uniq('loc'), name: 'X', kind: 'store', address: london }, writer);
    expect(res.statusCode).toBe(201);
  });

  it('refuses requests without a key with 401', async () => {
    const code = uniq('loc');
    for (const req of [
      { method: 'GET' as const, url: '/v1/locations' },
      { method: 'GET' as const, url: `/v1/locations/${code}` },
      {
        method: 'POST' as const,
        url: '/v1/locations',
        payload: { code, name: 'X', kind: 'store', address: london },
      },
      { method: 'PATCH' as const, url: `/v1/locations/${code}`, payload: { priority: 1 } },
      { method: 'POST' as const, url: `/v1/locations/${code}/deactivate` },
    ]) {
      expectProblem(await t.request({ ...req, key: null }), 401, 'unauthorized');
    }
    expect(await rowCount(code)).toBe(0);
  });
});
