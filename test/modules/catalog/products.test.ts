import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '../../../src/http/pagination.js';
import type { CreateProduct, Product } from '../../../src/modules/catalog/products.schemas.js';
import { isoTime, listAll } from '../../helpers/api.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

let counter = 0;
function uniqueSku(prefix = 'SKU'): string {
  counter += 1;
  return `${prefix}-${counter}-${randomUUID().slice(0, 8)}`;
}

/** A GTIN-13 with a correct check digit, different at every call. */
let gtinCounter = 100_000_000_000;
function nextGtin(): string {
  gtinCounter += 1;
  return withCheckDigit(String(gtinCounter));
}
function withCheckDigit(body: string): string {
  const sum = [...body].reverse().reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}
/** The same code with a wrong check digit. */
const breakCheckDigit = (gtin: string) => `${gtin.slice(0, -1)}${(Number(gtin.slice(-1)) + 1) % 10}`;

const rowCount = async (sku: string): Promise<number> =>
  (await t.pool.query('SELECT count(*)::int AS n FROM products WHERE sku = $1', [sku])).rows[0].n;

const totalRows = async (): Promise<{ products: number; barcodes: number; digest: string }> => {
  const { rows } = await t.pool.query(`
    SELECT (SELECT count(*)::int FROM products) AS products,
           (SELECT count(*)::int FROM product_barcodes) AS barcodes,
           (SELECT md5(coalesce(string_agg(p::text, ',' ORDER BY id), '')) FROM products p) AS digest`);
  return rows[0];
};

const create = (body: Record<string, unknown>, key?: string) =>
  t.request({ method: 'POST', url: '/v1/products', payload: body, ...(key === undefined ? {} : { key }) });

const patch = (sku: string, body: unknown) =>
  t.request({ method: 'PATCH', url: `/v1/products/${encodeURIComponent(sku)}`, payload: body as object });

const bulk = (products: unknown[], key?: string) =>
  t.request({
    method: 'POST',
    url: '/v1/products/bulk',
    payload: { products },
    ...(key === undefined ? {} : { key }),
  });

const get = async (sku: string): Promise<Product> => {
  const res = await t.request({ method: 'GET', url: `/v1/products/${encodeURIComponent(sku)}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Product;
};

async function makeProduct(overrides: Partial<CreateProduct> = {}): Promise<Product> {
  const res = await create({ sku: uniqueSku(), name: 'Product', ...overrides });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Product;
}

const skusOf = async (query: string) =>
  (await listAll<Product>(t, '/v1/products', query, 200)).map((p) => p.sku);

describe('POST /v1/products', () => {
  it('creates a product with defaults and returns the full body', async () => {
    const sku = uniqueSku();
    const res = await create({ sku, name: 'T-shirt' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      sku,
      name: 'T-shirt',
      barcodes: [],
      weight_grams: null,
      dimensions_mm: null,
      tags: [],
      active: true,
      kit: null,
      created_at: isoTime,
      updated_at: isoTime,
    });
    expect(await rowCount(sku)).toBe(1);
    expect(await get(sku)).toEqual(res.json());
  });

  it('stores every field given, keeping the barcode order', async () => {
    const input = {
      sku: uniqueSku(),
      name: 'T-shirt, black, M',
      barcodes: [nextGtin(), '4006381333931', '036000291452', '96385074', '00012345600012'],
      weight_grams: 180,
      dimensions_mm: { length: 300, width: 200, height: 20 },
      tags: ['apparel', 'summer'],
      active: false,
    };
    const res = await create(input);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ ...input, kit: null, created_at: isoTime, updated_at: isoTime });
    expect(await get(input.sku)).toEqual(res.json());
    const { rows } = await t.pool.query(
      'SELECT b.barcode FROM product_barcodes b JOIN products p ON p.id = b.product_id WHERE p.sku = $1 ORDER BY b.position',
      [input.sku],
    );
    expect(rows.map((r: { barcode: string }) => r.barcode)).toEqual(input.barcodes);
  });

  it('accepts the boundaries of each number, and null weight and dimensions', async () => {
    const top = await makeProduct({
      weight_grams: 10_000_000,
      dimensions_mm: { length: 100_000, width: 0, height: 1 },
    });
    expect(top).toMatchObject({
      weight_grams: 10_000_000,
      dimensions_mm: { length: 100_000, width: 0, height: 1 },
    });
    const none = await makeProduct({ weight_grams: null, dimensions_mm: null });
    expect(none).toMatchObject({ weight_grams: null, dimensions_mm: null });
    const zero = await makeProduct({ weight_grams: 0 });
    expect(zero.weight_grams).toBe(0);
  });

  it('trims the SKU', async () => {
    const sku = uniqueSku();
    const res = await create({ sku: `  ${sku}  `, name: 'Padded' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ sku });
    expect(await rowCount(sku)).toBe(1);
    expect(await rowCount(`  ${sku}  `)).toBe(0);
    expect((await get(sku)).name).toBe('Padded');

    const tabbed = uniqueSku();
    expect((await create({ sku: `\t${tabbed}\n`, name: 'Tabbed' })).json()).toMatchObject({ sku: tabbed });
  });

  it('treats a SKU that differs only by surrounding spaces as a duplicate', async () => {
    const product = await makeProduct();
    const res = await create({ sku: ` ${product.sku} `, name: 'Again' });
    expectProblem(res, 409, 'conflict');
    expect(await rowCount(product.sku)).toBe(1);
  });

  it('accepts a SKU of 64 characters after trimming, and any characters inside it', async () => {
    const sku = `L${uniqueSku().padEnd(63, 'x')}`;
    expect(sku).toHaveLength(64);
    const res = await create({ sku: `   ${sku}   `, name: 'Long' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ sku });

    const odd = `Ä/ß #${uniqueSku()}?&%`;
    const created = await create({ sku: odd, name: 'Odd' });
    expect(created.statusCode, created.body).toBe(201);
    expect((await get(odd)).sku).toBe(odd);
  });

  it('counts SKU length in characters, not UTF-16 units', async () => {
    const emoji = `${'😀'.repeat(56)}${String(counter).padStart(8, '0')}`;
    counter += 1;
    expect([...emoji]).toHaveLength(64);
    const res = await create({ sku: emoji, name: 'Emoji' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ sku: emoji });
    expect(await rowCount(emoji)).toBe(1);
    expectInvalid(await create({ sku: '😀'.repeat(65), name: 'Too long' }), ['/sku']);
  });

  // Known gap, reported: Fastify's default maxParamLength (100) is below what a valid SKU can
  // take in the path (64 characters, up to 128 UTF-16 units), and its 414 is not a problem.
  // Fix in src/app.ts (`routerOptions: { maxParamLength: 512 }`), then turn this into `it`.
  it('fetches, changes and deactivates a product whose SKU is over 100 UTF-16 units', async () => {
    const sku = `${'😀'.repeat(56)}${String(counter).padStart(8, '0')}`;
    counter += 1;
    expect((await create({ sku, name: 'Emoji' })).statusCode).toBe(201);
    expect((await get(sku)).sku).toBe(sku);
    expect((await patch(sku, { name: 'Renamed' })).statusCode).toBe(200);
    const off = await t.request({
      method: 'POST',
      url: `/v1/products/${encodeURIComponent(sku)}/deactivate`,
    });
    expect(off.statusCode).toBe(200);
  });

  it('refuses a SKU with a line break inside', async () => {
    const sku = uniqueSku();
    expectInvalid(await create({ sku: `${sku}\nB`, name: 'Broken' }), ['/sku']);
    expect(await rowCount(`${sku}\nB`)).toBe(0);
  });

  it('refuses a duplicate SKU with 409 and keeps the first product', async () => {
    const barcode = nextGtin();
    const first = await makeProduct({ name: 'First', barcodes: [barcode] });
    const res = await create({ sku: first.sku, name: 'Second', barcodes: [nextGtin()] });
    const body = expectProblem(res, 409, 'conflict');
    expect(body.detail).toContain(first.sku);
    expect(await rowCount(first.sku)).toBe(1);
    expect(await get(first.sku)).toEqual(first);
  });

  it('validates GTIN check digits', async () => {
    const before = await totalRows();
    const sku = uniqueSku();
    const res = await create({ sku, name: 'Bad', barcodes: ['4006381333932'] });
    const body = expectInvalid(res, ['/barcodes/0']);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.detail).toContain('4006381333932');
    expect(await totalRows()).toEqual(before);

    const second = await create({ sku, name: 'Bad', barcodes: [nextGtin(), breakCheckDigit(nextGtin())] });
    expect(expectInvalid(second, ['/barcodes/1']).errors).toHaveLength(1);
    expect(await rowCount(sku)).toBe(0);
  });

  it('refuses a barcode that belongs to another product, naming that product', async () => {
    const barcode = nextGtin();
    const owner = await makeProduct({ barcodes: [barcode] });
    const before = await totalRows();
    const sku = uniqueSku();
    const res = await create({ sku, name: 'Thief', barcodes: [nextGtin(), barcode] });
    const body = expectInvalid(res, ['/barcodes/1']);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.detail).toContain(owner.sku);
    expect(await totalRows()).toEqual(before);
    expect(await get(owner.sku)).toEqual(owner);
  });

  const long = (n: number) => 'x'.repeat(n);
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['a missing SKU', { sku: undefined }, '/sku'],
    ['a SKU of the wrong type', { sku: 12345 }, '/sku'],
    ['an empty SKU', { sku: '' }, '/sku'],
    ['a SKU of only spaces', { sku: '     ' }, '/sku'],
    ['a SKU of only whitespace', { sku: ' \t\n ' }, '/sku'],
    ['a SKU over 64 characters once trimmed', { sku: `  ${long(65)}  ` }, '/sku'],
    ['a SKU over 128 characters', { sku: long(129) }, '/sku'],
    ['a missing name', { name: undefined }, '/name'],
    ['a name of the wrong type', { name: { en: 'x' } }, '/name'],
    ['an empty name', { name: '' }, '/name'],
    ['a name over 500 characters', { name: long(501) }, '/name'],
    ['barcodes of the wrong type', { barcodes: '4006381333931' }, '/barcodes'],
    ['a barcode of the wrong type', { barcodes: [4006381333931] }, '/barcodes/0'],
    ['a barcode with a wrong check digit', { barcodes: ['4006381333932'] }, '/barcodes/0'],
    ['a barcode with letters', { barcodes: ['40063813339AB'] }, '/barcodes/0'],
    ['a barcode of 9 digits', { barcodes: ['123456789'] }, '/barcodes/0'],
    ['a barcode of 15 digits', { barcodes: ['400638133393100'] }, '/barcodes/0'],
    ['a barcode with spaces', { barcodes: [' 4006381333931'] }, '/barcodes/0'],
    ['a repeated barcode', { barcodes: ['4006381333931', '4006381333931'] }, '/barcodes'],
    [
      'over 20 barcodes',
      { barcodes: Array.from({ length: 21 }, (_, i) => withCheckDigit(String(900_000_000_000 + i))) },
      '/barcodes',
    ],
    ['a weight of the wrong type', { weight_grams: '180' }, '/weight_grams'],
    ['a negative weight', { weight_grams: -1 }, '/weight_grams'],
    ['a fractional weight', { weight_grams: 1.5 }, '/weight_grams'],
    ['a weight over 10,000 kg', { weight_grams: 10_000_001 }, '/weight_grams'],
    ['dimensions of the wrong type', { dimensions_mm: [1, 2, 3] }, '/dimensions_mm'],
    ['dimensions without a height', { dimensions_mm: { length: 1, width: 1 } }, '/dimensions_mm/height'],
    ['a negative length', { dimensions_mm: { length: -1, width: 1, height: 1 } }, '/dimensions_mm/length'],
    [
      'a width over 100 m',
      { dimensions_mm: { length: 1, width: 100_001, height: 1 } },
      '/dimensions_mm/width',
    ],
    ['a fractional height', { dimensions_mm: { length: 1, width: 1, height: 0.5 } }, '/dimensions_mm/height'],
    [
      'a height of the wrong type',
      { dimensions_mm: { length: 1, width: 1, height: '1' } },
      '/dimensions_mm/height',
    ],
    [
      'an unknown dimension',
      { dimensions_mm: { length: 1, width: 1, height: 1, depth: 1 } },
      '/dimensions_mm/depth',
    ],
    ['tags of the wrong type', { tags: { a: 1 } }, '/tags'],
    ['a tag with a space', { tags: ['a b'] }, '/tags/0'],
    ['a tag with a comma', { tags: ['ok', 'a,b'] }, '/tags/1'],
    ['a tag over 64 characters', { tags: [long(65)] }, '/tags/0'],
    ['a repeated tag', { tags: ['a', 'a'] }, '/tags'],
    ['over 50 tags', { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, '/tags'],
    ['active of the wrong type', { active: 'false' }, '/active'],
    ['an unknown field', { colour: 'black' }, '/colour'],
    ['a read-only field', { updated_at: '2026-01-01T00:00:00Z' }, '/updated_at'],
  ];

  it.each(bad)('refuses %s with 422 and stores nothing', async (_name, change, pointer) => {
    const before = await totalRows();
    const sku = uniqueSku();
    const payload = JSON.parse(JSON.stringify({ sku, name: 'Bad', barcodes: [nextGtin()], ...change }));
    const body = expectInvalid(await create(payload), [pointer]);
    if (['/colour', '/updated_at', '/dimensions_mm/depth'].includes(pointer)) {
      expect(body.errors).toContainEqual({ in: 'body', pointer, detail: 'is not a known field' });
    }
    expect(await totalRows()).toEqual(before);
    expect(await rowCount(sku)).toBe(0);
  });
});

describe('GET /v1/products/:sku', () => {
  it('returns the product', async () => {
    const product = await makeProduct({ barcodes: [nextGtin()], tags: ['x'] });
    const res = await t.request({ method: 'GET', url: `/v1/products/${product.sku}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(product);
  });

  it('answers an unknown SKU with a 404 problem', async () => {
    const body = expectProblem(
      await t.request({ method: 'GET', url: '/v1/products/NO-SUCH-SKU' }),
      404,
      'not_found',
    );
    expect(body.instance).toBe('/v1/products/NO-SUCH-SKU');
    expect(body.detail).toContain('NO-SUCH-SKU');
  });

  it('finds a SKU given percent-encoded in the path', async () => {
    const product = await makeProduct({ sku: `Ä ${uniqueSku()}/ü` });
    const res = await t.request({ method: 'GET', url: `/v1/products/${encodeURIComponent(product.sku)}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(product);
  });
});

describe('GET /v1/products', () => {
  it('filters by active', async () => {
    const on = await makeProduct();
    const off = await makeProduct({ active: false });
    const active = await skusOf('active=true');
    const inactive = await skusOf('active=false');
    expect(active).toContain(on.sku);
    expect(active).not.toContain(off.sku);
    expect(inactive).toContain(off.sku);
    expect(inactive).not.toContain(on.sku);
    expect(active.length + inactive.length).toBe((await skusOf('')).length);
  });

  it('filters by tag', async () => {
    const tag = uniqueSku('tag');
    const tagged = await makeProduct({ tags: ['common', tag] });
    const other = await makeProduct({ tags: ['common'] });
    expect(await skusOf(`tag=${tag}`)).toEqual([tagged.sku]);
    expect(await skusOf('tag=common')).toEqual(expect.arrayContaining([tagged.sku, other.sku]));
  });

  it('filters by barcode', async () => {
    const barcode = nextGtin();
    const product = await makeProduct({ barcodes: [nextGtin(), barcode] });
    await makeProduct({ barcodes: [nextGtin()] });
    const found = await listAll<Product>(t, '/v1/products', `barcode=${barcode}`, 200);
    expect(found).toEqual([product]);
    expect(await skusOf(`barcode=${nextGtin()}`)).toEqual([]);
  });

  it('filters by text in the SKU or the name, ignoring case', async () => {
    const token = randomUUID().slice(0, 12);
    const bySku = await makeProduct({ sku: `Q-${token.toUpperCase()}-1`, name: 'Plain' });
    const byName = await makeProduct({ name: `A mug (${token})` });
    await makeProduct({ name: 'Unrelated' });
    const found = await skusOf(`q=${token}`);
    expect(found.sort()).toEqual([bySku.sku, byName.sku].sort());
  });

  it('treats % and _ in the text literally', async () => {
    const token = randomUUID().slice(0, 8);
    const literal = await makeProduct({ name: `${token} 50%_off` });
    await makeProduct({ name: `${token} 50xyoff` });
    await makeProduct({ name: `${token} 50\\off` });
    expect(await skusOf(`q=${encodeURIComponent(`${token} 50%_`)}`)).toEqual([literal.sku]);
    expect(await skusOf(`q=${encodeURIComponent(`${token} 50\\`)}`)).toHaveLength(1);
  });

  it('combines filters', async () => {
    const tag = uniqueSku('combo');
    const match = await makeProduct({ name: 'Combo red', tags: [tag] });
    await makeProduct({ name: 'Combo red', tags: [tag], active: false });
    await makeProduct({ name: 'Combo blue', tags: [tag] });
    expect(await skusOf(`tag=${tag}&active=true&q=red`)).toEqual([match.sku]);
  });

  it('pages with limit and next_cursor without gaps or repeats', async () => {
    const tag = uniqueSku('page');
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await makeProduct({ tags: [tag] })).sku);
    }
    const first = (
      await t.request({ method: 'GET', url: `/v1/products?tag=${tag}&limit=2` })
    ).json() as Page<Product>;
    expect(first.data.map((p) => p.sku)).toEqual(made.slice(0, 2));
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (
      await t.request({ method: 'GET', url: `/v1/products?tag=${tag}&limit=2&cursor=${first.next_cursor}` })
    ).json() as Page<Product>;
    expect(second.data.map((p) => p.sku)).toEqual(made.slice(2, 4));
    expect((await listAll<Product>(t, '/v1/products', `tag=${tag}`, 2)).map((p) => p.sku)).toEqual(made);
    expect((await listAll<Product>(t, '/v1/products', `tag=${tag}`, 5)).map((p) => p.sku)).toEqual(made);

    const all = (await listAll<Product>(t, '/v1/products', '', 7)).map((p) => p.sku);
    const { rows } = await t.pool.query('SELECT sku FROM products ORDER BY id');
    expect(all).toEqual(rows.map((r: { sku: string }) => r.sku));
  });

  it.each([
    ['garbage', 'garbage!'],
    ['a string position', Buffer.from('["5"]').toString('base64url')],
    ['an empty position', Buffer.from('[]').toString('base64url')],
    ['truncated JSON', Buffer.from('[5').toString('base64url')],
  ])('refuses a tampered cursor (%s) with 422', async (_name, cursor) => {
    expectInvalid(
      await t.request({ method: 'GET', url: `/v1/products?cursor=${cursor}` }),
      ['/cursor'],
      'query',
    );
  });

  it.each([
    ['active=1x', '/active'],
    ['tag=', '/tag'],
    [`tag=${'t'.repeat(65)}`, '/tag'],
    ['barcode=', '/barcode'],
    ['barcode=123456789012345', '/barcode'],
    ['q=', '/q'],
    [`q=${'q'.repeat(101)}`, '/q'],
    ['limit=-1', '/limit'],
    ['limit=10000', '/limit'],
  ])('refuses the query %s with 422', async (query, pointer) => {
    expectInvalid(await t.request({ method: 'GET', url: `/v1/products?${query}` }), [pointer], 'query');
  });
});

describe('PATCH /v1/products/:sku', () => {
  it('changes only the fields given', async () => {
    const product = await makeProduct({
      barcodes: [nextGtin()],
      weight_grams: 100,
      dimensions_mm: { length: 1, width: 2, height: 3 },
      tags: ['a'],
    });
    const res = await patch(product.sku, { name: 'Renamed' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ...product, name: 'Renamed', updated_at: isoTime });
    expect(await get(product.sku)).toEqual(res.json());
  });

  it('clears weight and dimensions with null', async () => {
    const product = await makeProduct({
      weight_grams: 100,
      dimensions_mm: { length: 1, width: 2, height: 3 },
    });
    const noWeight = await patch(product.sku, { weight_grams: null });
    expect(noWeight.json()).toMatchObject({
      weight_grams: null,
      dimensions_mm: { length: 1, width: 2, height: 3 },
    });
    const noDims = await patch(product.sku, { dimensions_mm: null });
    expect(noDims.json()).toMatchObject({ weight_grams: null, dimensions_mm: null });
    const { rows } = await t.pool.query(
      'SELECT weight_grams, length_mm, width_mm, height_mm FROM products WHERE sku = $1',
      [product.sku],
    );
    expect(rows[0]).toEqual({ weight_grams: null, length_mm: null, width_mm: null, height_mm: null });
    const back = await patch(product.sku, {
      weight_grams: 5,
      dimensions_mm: { length: 7, width: 8, height: 9 },
    });
    expect(back.json()).toMatchObject({ weight_grams: 5, dimensions_mm: { length: 7, width: 8, height: 9 } });
  });

  it('replaces the barcode list, freeing the old codes', async () => {
    const [a, b, c] = [nextGtin(), nextGtin(), nextGtin()];
    const product = await makeProduct({ barcodes: [a, b] });
    const replaced = await patch(product.sku, { barcodes: [c, a] });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({ barcodes: [c, a] });
    expect(await skusOf(`barcode=${b}`)).toEqual([]);
    const other = await makeProduct({ barcodes: [b] });
    expect(other.barcodes).toEqual([b]);

    const cleared = await patch(product.sku, { barcodes: [] });
    expect(cleared.json()).toMatchObject({ barcodes: [] });
    const { rows } = await t.pool.query(
      'SELECT count(*)::int AS n FROM product_barcodes b JOIN products p ON p.id = b.product_id WHERE p.sku = $1',
      [product.sku],
    );
    expect(rows[0].n).toBe(0);
  });

  it('replaces the tag list', async () => {
    const product = await makeProduct({ tags: ['a', 'b'] });
    expect((await patch(product.sku, { tags: ['c'] })).json()).toMatchObject({ tags: ['c'] });
    expect((await patch(product.sku, { tags: [] })).json()).toMatchObject({ tags: [] });
  });

  it('refuses a barcode owned by another product, naming it, and changes nothing', async () => {
    const barcode = nextGtin();
    const owner = await makeProduct({ barcodes: [barcode] });
    const product = await makeProduct({ barcodes: [nextGtin()] });
    const res = await patch(product.sku, { barcodes: [barcode], name: 'Not applied' });
    const body = expectInvalid(res, ['/barcodes/0']);
    expect(body.errors?.[0]?.detail).toContain(owner.sku);
    expect(await get(product.sku)).toEqual(product);
    expect(await get(owner.sku)).toEqual(owner);
  });

  it('refuses a wrong check digit by index and changes nothing', async () => {
    const product = await makeProduct({ barcodes: [nextGtin()] });
    const res = await patch(product.sku, { barcodes: [nextGtin(), '4006381333932'] });
    expect(expectInvalid(res, ['/barcodes/1']).errors).toHaveLength(1);
    expect(await get(product.sku)).toEqual(product);
  });

  it('refuses an empty body with 422', async () => {
    const product = await makeProduct();
    expectInvalid(await patch(product.sku, {}), ['/']);
  });

  it.each([
    [{ sku: 'NEW' }, '/sku'],
    [{ name: '' }, '/name'],
    [{ name: null }, '/name'],
    [{ weight_grams: -5 }, '/weight_grams'],
    [{ weight_grams: 'heavy' }, '/weight_grams'],
    [{ dimensions_mm: { length: 1 } }, '/dimensions_mm/width'],
    [{ dimensions_mm: 0 }, '/dimensions_mm'],
    [{ barcodes: null }, '/barcodes'],
    [{ barcodes: ['12'] }, '/barcodes/0'],
    [{ tags: null }, '/tags'],
    [{ tags: ['has space'] }, '/tags/0'],
    [{ active: 0 }, '/active'],
    [{ name: 'ok', size: 'M' }, '/size'],
  ])('refuses %j with 422 and changes nothing', async (change, pointer) => {
    const product = await makeProduct({ barcodes: [nextGtin()], weight_grams: 1 });
    expectInvalid(await patch(product.sku, change), [pointer]);
    expect(await get(product.sku)).toEqual(product);
  });

  it('answers an unknown SKU with 404', async () => {
    expectProblem(await patch('NOPE-NOPE', { name: 'x' }), 404, 'not_found');
  });
});

describe('deactivation', () => {
  it('deactivates with POST .../deactivate and reactivates with PATCH active: true', async () => {
    const product = await makeProduct({ barcodes: [nextGtin()] });
    const off = await t.request({ method: 'POST', url: `/v1/products/${product.sku}/deactivate` });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toEqual({ ...product, active: false, updated_at: isoTime });
    expect(await skusOf('active=false')).toContain(product.sku);

    const on = await patch(product.sku, { active: true });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toEqual({ ...product, active: true, updated_at: isoTime });
    expect(await skusOf('active=true')).toContain(product.sku);
  });

  it('answers an unknown SKU with 404', async () => {
    expectProblem(
      await t.request({ method: 'POST', url: '/v1/products/ghost/deactivate' }),
      404,
      'not_found',
    );
  });
});

describe('POST /v1/products/bulk', () => {
  it('creates 5000 products in one request, then updates them all when posted again', async () => {
    const prefix = uniqueSku('BULK');
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      sku: `${prefix}-${String(i).padStart(4, '0')}`,
      name: `Bulk product ${i}`,
      barcodes: [nextGtin()],
      weight_grams: i,
      tags: ['bulk'],
    }));
    const first = await bulk(rows);
    expect(first.statusCode, first.body.slice(0, 500)).toBe(200);
    expect(first.json()).toEqual({ created: 5000, updated: 0 });
    const count = async () =>
      (
        await t.pool.query(
          `SELECT count(*)::int AS n, count(DISTINCT b.barcode)::int AS barcodes
             FROM products p LEFT JOIN product_barcodes b ON b.product_id = p.id WHERE p.sku LIKE $1`,
          [`${prefix}-%`],
        )
      ).rows[0];
    expect(await count()).toEqual({ n: 5000, barcodes: 5000 });
    expect(await get(rows[1234]?.sku ?? '')).toMatchObject({
      name: 'Bulk product 1234',
      barcodes: rows[1234]?.barcodes,
      weight_grams: 1234,
    });

    const renamed = rows.map((row) => ({ ...row, name: `${row.name} v2` }));
    const second = await bulk(renamed);
    expect(second.statusCode, second.body.slice(0, 500)).toBe(200);
    expect(second.json()).toEqual({ created: 0, updated: 5000 });
    expect(await count()).toEqual({ n: 5000, barcodes: 5000 });
    expect((await get(rows[4999]?.sku ?? '')).name).toBe('Bulk product 4999 v2');
  });

  it('counts created and updated rows in a mixed batch', async () => {
    const existing = await makeProduct();
    const fresh = uniqueSku();
    const res = await bulk([
      { sku: existing.sku, name: 'Updated' },
      { sku: fresh, name: 'Created' },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ created: 1, updated: 1 });
    expect((await get(existing.sku)).name).toBe('Updated');
    expect((await get(fresh)).name).toBe('Created');
  });

  it('replaces each listed product as given: omitted fields take their defaults', async () => {
    const product = await makeProduct({
      barcodes: [nextGtin()],
      weight_grams: 10,
      dimensions_mm: { length: 1, width: 1, height: 1 },
      tags: ['old'],
      active: false,
    });
    const res = await bulk([{ sku: ` ${product.sku} `, name: 'Replaced' }]);
    expect(res.json()).toEqual({ created: 0, updated: 1 });
    expect(await get(product.sku)).toEqual({
      ...product,
      name: 'Replaced',
      barcodes: [],
      weight_grams: null,
      dimensions_mm: null,
      tags: [],
      active: true,
      updated_at: isoTime,
    });
  });

  it('moves barcodes between products of the same batch', async () => {
    const [x, y] = [nextGtin(), nextGtin()];
    const a = await makeProduct({ barcodes: [x] });
    const b = await makeProduct({ barcodes: [y] });
    const res = await bulk([
      { sku: a.sku, name: 'A', barcodes: [y] },
      { sku: b.sku, name: 'B', barcodes: [x] },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect((await get(a.sku)).barcodes).toEqual([y]);
    expect((await get(b.sku)).barcodes).toEqual([x]);
  });

  it('lists every bad row by index and writes nothing', async () => {
    const owned = nextGtin();
    const owner = await makeProduct({ barcodes: [owned] });
    const existing = await makeProduct({ name: 'Untouched' });
    const before = await totalRows();
    const prefix = uniqueSku('BAD');
    const rows: Array<Record<string, unknown>> = Array.from({ length: 50 }, (_, i) => ({
      sku: `${prefix}-${i}`,
      name: `Row ${i}`,
      barcodes: [nextGtin()],
    }));
    const shared = nextGtin();
    rows[0] = { sku: existing.sku, name: 'Would update' };
    rows[29] = { sku: `${prefix}-29`, name: 'Has a barcode', barcodes: [shared] };
    rows[3] = { sku: '   ', name: 'Blank SKU' };
    rows[17] = { sku: `${prefix}-17`, name: 'Bad GTIN', barcodes: ['4006381333932'] };
    rows[25] = { sku: ` ${prefix}-24 `, name: 'Repeats row 24 once trimmed' };
    rows[30] = {
      sku: `${prefix}-30`,
      name: 'Shares a barcode',
      barcodes: [nextGtin(), shared],
    };
    rows[40] = { sku: `${prefix}-40`, name: 'Owned elsewhere', barcodes: [owned] };
    rows[45] = { sku: 'y'.repeat(70), name: 'Too long once trimmed' };
    const res = await bulk(rows);
    const body = expectInvalid(res, [
      '/products/3/sku',
      '/products/17/barcodes/0',
      '/products/25/sku',
      '/products/30/barcodes/1',
      '/products/40/barcodes/0',
      '/products/45/sku',
    ]);
    expect(body.errors).toHaveLength(6);
    expect(body.detail).toMatch(/6 of 50/);
    const detailOf = (pointer: string) => body.errors?.find((e) => e.pointer === pointer)?.detail;
    expect(detailOf('/products/25/sku')).toContain('/products/24');
    expect(detailOf('/products/30/barcodes/1')).toContain('/products/29');
    expect(detailOf('/products/40/barcodes/0')).toContain(owner.sku);
    expect(await totalRows()).toEqual(before);
    expect(await skusOf(`q=${prefix}`)).toEqual([]);
    expect((await get(existing.sku)).name).toBe('Untouched');
  });

  it('lists schema problems in every row at once and writes nothing', async () => {
    const before = await totalRows();
    const prefix = uniqueSku('SCHEMA');
    const rows: Array<Record<string, unknown>> = Array.from({ length: 20 }, (_, i) => ({
      sku: `${prefix}-${i}`,
      name: `Row ${i}`,
    }));
    rows[2] = { sku: `${prefix}-2` };
    rows[9] = { sku: `${prefix}-9`, name: 'x', weight_grams: -1 };
    rows[11] = { sku: `${prefix}-11`, name: 'x', colour: 'red' };
    rows[19] = { sku: `${prefix}-19`, name: 'x', barcodes: ['nope'] };
    const body = expectInvalid(await bulk(rows), [
      '/products/2/name',
      '/products/9/weight_grams',
      '/products/11/colour',
      '/products/19/barcodes/0',
    ]);
    expect(new Set(body.errors?.map((e) => e.pointer))).toEqual(
      new Set([
        '/products/2/name',
        '/products/9/weight_grams',
        '/products/11/colour',
        '/products/19/barcodes/0',
      ]),
    );
    expect(await totalRows()).toEqual(before);
  });

  it('refuses more than 5000 products', async () => {
    const before = await totalRows();
    const rows = Array.from({ length: 5001 }, (_, i) => ({ sku: `OVER-${i}`, name: 'x' }));
    expectInvalid(await bulk(rows), ['/products']);
    expect(await totalRows()).toEqual(before);
  });

  it.each([
    ['an empty list', { products: [] }, '/products'],
    ['a missing list', {}, '/products'],
    ['a list of the wrong type', { products: { sku: 'A', name: 'A' } }, '/products'],
    ['an unknown top-level field', { products: [{ sku: 'A', name: 'A' }], mode: 'merge' }, '/mode'],
    ['a row of the wrong type', { products: ['A'] }, '/products/0'],
  ])('refuses %s with 422', async (_name, payload, pointer) => {
    const before = await totalRows();
    expectInvalid(await t.request({ method: 'POST', url: '/v1/products/bulk', payload }), [pointer]);
    expect(await totalRows()).toEqual(before);
  });
});

describe('concurrent writes', () => {
  it('creates one product when the same SKU is posted in parallel; the others get 409', async () => {
    const sku = uniqueSku();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => create({ sku, name: `Racer ${i}` })),
    );
    expect(results.map((res) => res.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(await rowCount(sku)).toBe(1);
  });

  it('gives a barcode claimed by parallel requests to exactly one product', async () => {
    const barcode = nextGtin();
    const skus = Array.from({ length: 6 }, () => uniqueSku());
    const results = await Promise.all(
      skus.map((sku) => create({ sku, name: 'Claimer', barcodes: [barcode] })),
    );
    const statuses = results.map((res) => res.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    for (const res of results.filter((r) => r.statusCode !== 201)) {
      expect([409, 422]).toContain(res.statusCode);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const winner = skus[statuses.indexOf(201)];
    expect(await skusOf(`barcode=${barcode}`)).toEqual([winner]);
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM products WHERE sku = ANY($1)', [
      skus,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('runs overlapping bulk upserts in parallel without deadlocks or lost rows', async () => {
    const prefix = uniqueSku('RACE');
    const rows = Array.from({ length: 400 }, (_, i) => ({ sku: `${prefix}-${i}`, name: `Race ${i}` }));
    const results = await Promise.all([
      bulk(rows),
      bulk([...rows].reverse().map((row) => ({ ...row, name: `${row.name} reversed` }))),
      bulk(rows.slice(100, 300).map((row) => ({ ...row, tags: ['middle'] }))),
    ]);
    for (const res of results) {
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    }
    const created = results.reduce((sum, res) => sum + (res.json() as { created: number }).created, 0);
    expect(created).toBe(400);
    const { rows: stored } = await t.pool.query('SELECT count(*)::int AS n FROM products WHERE sku LIKE $1', [
      `${prefix}-%`,
    ]);
    expect(stored[0].n).toBe(400);
  });
});

describe('access', () => {
  it('lets a key without catalog:write read but not write', async () => {
    const product = await makeProduct();
    const reader = await t.keyWith(['orders:read', 'inventory:write']);
    expect((await t.request({ method: 'GET', url: '/v1/products', key: reader })).statusCode).toBe(200);
    expect(
      (await t.request({ method: 'GET', url: `/v1/products/${product.sku}`, key: reader })).statusCode,
    ).toBe(200);
    const before = await totalRows();
    const sku = uniqueSku();
    const body = expectProblem(await create({ sku, name: 'x' }, reader), 403, 'forbidden');
    expect(body.detail).toContain('catalog:write');
    expectProblem(await bulk([{ sku, name: 'x' }], reader), 403, 'forbidden');
    expectProblem(
      await t.request({
        method: 'PATCH',
        url: `/v1/products/${product.sku}`,
        payload: { name: 'y' },
        key: reader,
      }),
      403,
      'forbidden',
    );
    expectProblem(
      await t.request({ method: 'POST', url: `/v1/products/${product.sku}/deactivate`, key: reader }),
      403,
      'forbidden',
    );
    expect(await totalRows()).toEqual(before);
  });

  it('lets a catalog:write key write', async () => {
    const writer = await t.keyWith(['catalog:write']);
    expect((await create({ sku: uniqueSku(), name: 'x' }, writer)).statusCode).toBe(201);
    expect((await bulk([{ sku: uniqueSku(), name: 'x' }], writer)).statusCode).toBe(200);
  });

  it('refuses requests without a key with 401', async () => {
    const sku = uniqueSku();
    const before = await totalRows();
    for (const req of [
      { method: 'GET' as const, url: '/v1/products' },
      { method: 'GET' as const, url: `/v1/products/${sku}` },
      { method: 'POST' as const, url: '/v1/products', payload: { sku, name: 'x' } },
      { method: 'POST' as const, url: '/v1/products/bulk', payload: { products: [{ sku, name: 'x' }] } },
      { method: 'PATCH' as const, url: `/v1/products/${sku}`, payload: { name: 'x' } },
      { method: 'POST' as const, url: `/v1/products/${sku}/deactivate` },
    ]) {
      expectProblem(await t.request({ ...req, key: null }), 401, 'unauthorized');
    }
    expect(await totalRows()).toEqual(before);
  });
});
