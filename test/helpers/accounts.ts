import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { createAppEventCatalog } from '../../src/services.js';
import type { TestApp } from './app.js';
import { orderBody, uniq } from './factories.js';

/** A B2B account (net_30, USD, a 100.00 limit enforced, one buyer); override any field. */
export async function makeAccount(t: TestApp, fields: Record<string, unknown> = {}) {
  const res = await t.request({
    method: 'POST',
    url: '/v1/accounts',
    payload: {
      code: uniq('ACC'),
      name: 'Acme Hardware',
      payment_terms: 'net_30',
      currency: 'USD',
      credit_limit: 10_000,
      credit_limit_mode: 'enforce',
      buyers: [{ email: `${uniq('buyer')}@acme.example`, name: 'Wile E. Coyote' }],
      ...fields,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** An order body for the account, from its first buyer, with no payment (terms pay). */
export function accountOrder(
  account: { id: string; buyers: Array<{ email: string }> },
  channel: string,
  lines: Array<{ sku: string; quantity: number; unit_price?: number }>,
  fields: Record<string, unknown> = {},
) {
  const { payment: _payment, ...body } = orderBody(channel, lines);
  return {
    ...body,
    account: account.id,
    customer: { email: account.buyers[0]?.email ?? 'anyone@example.com', name: 'Wile E. Coyote' },
    ...fields,
  };
}

/** The account as GET /v1/accounts/:id shows it (asserting the 200). */
export async function accountOf(t: TestApp, id: string) {
  const res = await t.request({ method: 'GET', url: `/v1/accounts/${id}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Records a payment (asserting `status`, 201 by default) and returns the body. */
export async function pay(t: TestApp, accountId: string, payload: Record<string, unknown>, status = 201) {
  const res = await t.request({
    method: 'POST',
    url: `/v1/accounts/${accountId}/payments`,
    payload: { reference: uniq('PAY'), currency: 'USD', ...payload },
  });
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
}

/** Asserts the account and invoice events stored are of exactly these types, each matching its catalog schema. */
export async function expectAccountEventsValid(t: TestApp, types: string[]) {
  const ajv = addFormats.default(new Ajv({ allErrors: true, strict: false }));
  const catalog = createAppEventCatalog();
  const { rows } = await t.pool.query(
    "SELECT type, data FROM events WHERE type LIKE 'account.%' OR type LIKE 'invoice.%'",
  );
  expect(new Set(rows.map((r) => r.type))).toEqual(new Set(types));
  for (const row of rows) {
    const check = ajv.compile(catalog.definitionOf(row.type)?.data as object);
    expect(check(row.data), `${row.type}: ${JSON.stringify(check.errors)}`).toBe(true);
  }
}
