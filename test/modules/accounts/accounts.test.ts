import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount } from '../../helpers/accounts.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, uniq } from '../../helpers/factories.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';

let t: TestApp;
let channel: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t)).code;
});
afterAll(() => t.close());

const create = (payload: Record<string, unknown>, key?: string) =>
  t.request({ method: 'POST', url: '/v1/accounts', payload, ...(key ? { key } : {}) });
const valid = () => ({
  code: uniq('ACC'),
  name: 'Acme',
  payment_terms: 'net_30',
  currency: 'USD',
  credit_limit: 50_000,
});
const count = async () => Number((await t.pool.query('SELECT count(*) FROM accounts')).rows[0].count);

describe('accounts', () => {
  it('opens an account with its buyers, defaults and an empty exposure, and emits account.created', async () => {
    const res = await create({
      ...valid(),
      buyers: [{ email: 'Buyer@Acme.example', name: 'Wile' }, { email: 'second@acme.example' }],
    });
    expect(res.statusCode, res.body).toBe(201);
    const account = res.json();
    expect(account).toMatchObject({
      payment_terms: 'net_30',
      currency: 'USD',
      credit_limit: 50_000,
      credit_limit_mode: 'enforce',
      grace_days: 0,
      priority: 0,
      active: true,
      buyers: [
        { email: 'buyer@acme.example', name: 'Wile' },
        { email: 'second@acme.example', name: null },
      ],
      exposure: {
        invoiced_unpaid: 0,
        open_orders: 0,
        held_orders: 0,
        unapplied_credit: 0,
        total: 0,
        available_credit: 50_000,
        overdue: 0,
        overdue_past_grace: 0,
        oldest_due_date: null,
      },
    });
    const events = await t.pool.query('SELECT type FROM events WHERE resource_id = $1', [account.id]);
    expect(events.rows.map((r) => r.type)).toEqual(['account.created']);
    const got = await t.request({ method: 'GET', url: `/v1/accounts/${account.id}` });
    expect(got.json()).toEqual(account);
  });

  it('enumerates every payment term and rejects others', async () => {
    for (const terms of [
      'prepaid',
      'net_7',
      'net_15',
      'net_30',
      'net_45',
      'net_60',
      'net_90',
      'due_on_fulfillment',
    ]) {
      expect((await create({ ...valid(), payment_terms: terms })).statusCode).toBe(201);
    }
    expectInvalid(await create({ ...valid(), payment_terms: 'net_10' }), ['/payment_terms']);
  });

  it('refuses bad input with a 422 naming each field, and writes nothing', async () => {
    const before = await count();
    expectInvalid(await create({ ...valid(), credit_limit: -1 }), ['/credit_limit']);
    expectInvalid(await create({ ...valid(), currency: 'usd' }), ['/currency']);
    expectInvalid(await create({ ...valid(), currency: 'XYZ' }), ['/currency']);
    expectInvalid(await create({ ...valid(), grace_days: -1 }), ['/grace_days']);
    expectInvalid(await create({ ...valid(), credit_limit_mode: 'block' }), ['/credit_limit_mode']);
    expectInvalid(await create({ ...valid(), buyers: [{ email: 'not-an-email' }] }), ['/buyers/0/email']);
    expectInvalid(await create({ ...valid(), credit_limit: 1.5 }), ['/credit_limit']);
    expect(await count()).toBe(before);
  });

  it('refuses a code in use with a 409', async () => {
    const body = valid();
    expect((await create(body)).statusCode).toBe(201);
    expectProblem(await create(body), 409, 'conflict');
  });

  it('changes fields and buyers with PATCH, emitting account.updated; code and currency stay', async () => {
    const account = await makeAccount(t);
    const res = await t.request({
      method: 'PATCH',
      url: `/v1/accounts/${account.id}`,
      payload: {
        credit_limit: 99_000,
        payment_terms: 'net_60',
        grace_days: 7,
        priority: 5,
        buyers: [{ email: 'new@acme.example' }],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      credit_limit: 99_000,
      payment_terms: 'net_60',
      grace_days: 7,
      priority: 5,
      buyers: [{ email: 'new@acme.example', name: null }],
      exposure: { available_credit: 99_000 },
    });
    const patch = (payload: object) =>
      t.request({ method: 'PATCH', url: `/v1/accounts/${account.id}`, payload });
    expectInvalid(await patch({ currency: 'EUR' }), ['/currency']);
    expectInvalid(await patch({ credit_limit: -5 }), ['/credit_limit']);
    expectInvalid(await patch({ payment_terms: 'net_5' }), ['/payment_terms']);
    const events = await t.pool.query(
      'SELECT type, data FROM events WHERE resource_id = $1 ORDER BY sequence',
      [account.id],
    );
    expect(events.rows.map((r) => r.type)).toEqual(['account.created', 'account.updated']);
    expect(events.rows[1].data.fields).toEqual(expect.arrayContaining(['credit_limit', 'buyers']));
  });

  it('lists accounts by code with cursor pagination and a code filter', async () => {
    const a = await makeAccount(t);
    const page = await t.request({ method: 'GET', url: '/v1/accounts?limit=2' });
    expect(page.statusCode).toBe(200);
    expect(page.json().data).toHaveLength(2);
    expect(page.json().next_cursor).toEqual(expect.any(String));
    const next = await t.request({
      method: 'GET',
      url: `/v1/accounts?limit=2&cursor=${page.json().next_cursor}`,
    });
    expect(next.json().data[0].code > page.json().data[1].code).toBe(true);
    const byCode = await t.request({ method: 'GET', url: `/v1/accounts?code=${a.code}` });
    expect(byCode.json().data.map((x: { id: string }) => x.id)).toEqual([a.id]);
  });

  it('answers 404 for an unknown account and 422 for a malformed id', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expectProblem(await t.request({ method: 'GET', url: `/v1/accounts/${unknown}` }), 404, 'not_found');
    expectProblem(
      await t.request({ method: 'PATCH', url: `/v1/accounts/${unknown}`, payload: { name: 'x' } }),
      404,
      'not_found',
    );
    expectProblem(
      await t.request({ method: 'GET', url: `/v1/accounts/${unknown}/invoices` }),
      404,
      'not_found',
    );
    expectInvalid(await t.request({ method: 'GET', url: '/v1/accounts/not-a-uuid' }), ['/id'], 'params');
  });
});

describe('accounts security', () => {
  it('needs a key (401) with the accounts scopes (403)', async () => {
    const account = await makeAccount(t);
    expectProblem(await t.request({ method: 'GET', url: '/v1/accounts', key: null }), 401);
    const reader = await t.keyWith(['accounts:read']);
    const orders = await t.keyWith(['orders:read', 'orders:write']);
    expectProblem(await t.request({ method: 'GET', url: '/v1/accounts', key: orders }), 403, 'forbidden');
    expect(
      (await t.request({ method: 'GET', url: `/v1/accounts/${account.id}`, key: reader })).statusCode,
    ).toBe(200);
    expectProblem(await create(valid(), reader), 403, 'forbidden');
    expectProblem(
      await t.request({
        method: 'POST',
        url: `/v1/accounts/${account.id}/payments`,
        key: reader,
        payload: { reference: 'R1', amount: 100, currency: 'USD' },
      }),
      403,
      'forbidden',
    );
  });

  it('keeps accounts from a key bound to a channel: 403 on the collection, 404 for one account', async () => {
    const account = await makeAccount(t);
    const bound = await t.keyWith(['accounts:read', 'accounts:write', 'orders:write'], channel);
    expectProblem(await t.request({ method: 'GET', url: '/v1/accounts', key: bound }), 403, 'forbidden');
    expectProblem(await create(valid(), bound), 403, 'forbidden');
    expectProblem(
      await t.request({ method: 'GET', url: `/v1/accounts/${account.id}`, key: bound }),
      404,
      'not_found',
    );
    expectProblem(
      await t.request({ method: 'GET', url: `/v1/accounts/${account.id}/invoices`, key: bound }),
      404,
      'not_found',
    );
    expectProblem(
      await t.request({
        method: 'POST',
        url: `/v1/accounts/${account.id}/payments`,
        key: bound,
        payload: { reference: 'R1', amount: 100, currency: 'USD' },
      }),
      404,
      'not_found',
    );
  });
});
