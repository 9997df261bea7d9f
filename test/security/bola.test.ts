import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { documentOf, fillPath, type Operation, operationsOf, pathParams } from '../helpers/openapi.js';
import { expectProblem } from '../helpers/problems.js';
import { buildWorld, databaseDigest, realId, type Side, type World } from '../helpers/world.js';

/**
 * Object-level and scope authorization, for every operation of the OpenAPI document: a key bound to
 * one channel gets a 404 for everything that belongs to another channel and changes nothing; a key
 * without a route's scope gets a 403; no key, an unknown key or a revoked one gets a 401. The lists
 * of operations come from the document, so a new route is covered (or the test names it).
 */

let t: TestApp;
let world: World;
let operations: Operation[];

beforeAll(async () => {
  t = await createTestApp();
  world = await buildWorld(t);
  operations = operationsOf(documentOf(t.app));
}, 120_000);
afterAll(() => t.close());

/**
 * Path templates whose object is not a channel's: a channel binding narrows the orders a key sees
 * and everything hanging off them (README: "it then creates and sees only that channel's orders");
 * the catalog and the administration are shared by every channel.
 */
const shared: Record<string, string> = {
  '/v1/api-keys/{id}': 'keys are administration (admin scope)',
  '/v1/locations/{code}': 'locations serve many channels',
  '/v1/locations/{code}/deactivate': 'locations serve many channels',
  '/v1/locations/{code}/bins': 'bins are a location’s',
  '/v1/locations/{code}/pick-lists': 'takes only the key’s own channel’s shipments (checked below)',
  '/v1/carriers/{code}': 'carriers are shared',
  '/v1/carriers/{code}/deactivate': 'carriers are shared',
  '/v1/routing/rule-sets/{scope}': 'routing rules are administration (admin scope)',
  '/v1/products/{sku}': 'the product catalog is shared',
  '/v1/products/{sku}/deactivate': 'the product catalog is shared',
  '/v1/transfers/{id}':
    'transfers move stock between locations for every channel; bound keys get 403 (test/modules/transfers)',
  '/v1/transfers/{id}/ship': 'transfers are back-office work; bound keys get 403 (test/modules/transfers)',
  '/v1/transfers/{id}/receive': 'transfers are back-office work; bound keys get 403 (test/modules/transfers)',
  '/v1/transfers/{id}/cancel': 'transfers are back-office work; bound keys get 403 (test/modules/transfers)',
  '/v1/inbound-shipments/{id}': 'inbound shipments bring stock to a location for every channel',
  '/v1/inbound-shipments/{id}/ship': 'inbound shipments bring stock to a location for every channel',
  '/v1/inbound-shipments/{id}/receipts': 'inbound shipments bring stock to a location for every channel',
  '/v1/inbound-shipments/{id}/cancel': 'inbound shipments bring stock to a location for every channel',
  '/v1/accounts/{id}': 'B2B accounts are back-office work; bound keys get 404 (test/modules/accounts)',
  '/v1/accounts/{id}/invoices':
    'B2B accounts are back-office work; bound keys get 404 (test/modules/accounts)',
  '/v1/accounts/{id}/payments':
    'B2B accounts are back-office work; bound keys get 404 (test/modules/accounts)',
  '/v1/connectors/shopify/{channel}':
    'connecting a store is administration (admin scope); its read is checked in test/modules/connectors',
  '/v1/connectors/shopify/{channel}/inbox/{id}/dismiss':
    'the world has no Shopify store; another channel’s bound key gets 404 in test/modules/alerts/connector-alerts.test.ts',
};

/** The id of the side's object that a path template acts on. */
function idFor(path: string, side: Side, param?: string): string | number {
  if (shared[path] !== undefined) {
    throw new Error(`${path} is shared`);
  }
  return realId(world, side, path, param);
}

/** A valid body for each operation that takes one, so a request gets past validation to the handler. */
function bodyFor(operation: Operation, side: Side): object | undefined {
  const { sku, location, carrier } = world;
  const bodies: Record<string, object> = {
    updateOrder: { tags: ['vip'] },
    cancelOrder: { reason: 'hostile' },
    updateOrderPayment: { status: 'failed', amount: 0 },
    assignHold: { assignee: 'mallory' },
    releaseHold: { note: 'hostile' },
    scanShipmentItem: { barcode: sku },
    packShipment: { override: { reason: 'hostile' } },
    recordShipmentTracking: { status: 'in_transit' },
    confirmShipment: { carrier, service: 'ground', tracking_number: '1Z999' },
    rejectShipmentLines: { lines: [{ sku, quantity: 1 }], reason: 'hostile' },
    confirmPickList: { items: [{ sku, picked: 0 }] },
    createReturn: { lines: [{ line_id: side.delivered.lineId, quantity: 1, reason: 'size_or_fit' }] },
    authorizeReturn: { reason: 'hostile' },
    rejectReturn: { reason: 'hostile' },
    closeReturn: { reason: 'hostile' },
    markReturnInTransit: { tracking_number: 'RET1' },
    receiveReturn: { location, lines: [{ sku, quantity: 1, condition: 'sellable' }] },
    confirmRefund: { external_reference: 're_hostile' },
    updateWebhook: { active: false },
    replayWebhook: { from_sequence: 1, to_sequence: 1_000_000 },
  };
  return (
    bodies[operation.operationId] ?? (operation.body ? (operation.bodyExamples[0] as object) : undefined)
  );
}

function call(operation: Operation, url: string, key: string | null, body?: object) {
  return t.request({
    method: operation.method,
    url,
    key,
    ...(body === undefined ? {} : { payload: body }),
  });
}

type Send = () => Promise<LightMyRequestResponse>;

/**
 * Starts a run of refused requests: each call sends one, asserts its problem response and that the
 * database is exactly as the previous request left it. One digest per request, not two.
 */
async function refusals(): Promise<(send: Send, status: number, code: string) => Promise<void>> {
  let last = await databaseDigest(t);
  return async (send, status, code) => {
    const res = await send();
    const before = last;
    last = await databaseDigest(t);
    expectProblem(res, status, code);
    expect(last).toEqual(before);
  };
}

// Keyed operations: Shopify's signed deliveries take no key (test/modules/connectors covers them), nor
// do a customer's order status and lookup (test/modules/tracking covers them).
const api = () => operations.filter((op) => op.path.startsWith('/v1/') && !op.signed && !op.public);
const withId = () => api().filter((op) => pathParams(op.path).length > 0);
const channelOwned = () => withId().filter((op) => shared[op.path] === undefined);

describe('the fixture', () => {
  it('covers every operation on an id or code: channel-owned, or shared for a stated reason', () => {
    expect(channelOwned().length).toBeGreaterThan(30);
    for (const op of channelOwned()) {
      expect(() => idFor(op.path, world.a), op.name).not.toThrow();
    }
    for (const path of Object.keys(shared)) {
      expect(
        withId().some((op) => op.path === path),
        `${path} is still in the document`,
      ).toBe(true);
    }
  });

  it('is visible to each channel’s own key (so the 404s below are about the binding)', async () => {
    for (const side of [world.a, world.b]) {
      for (const url of [
        `/v1/orders/${side.order.id}`,
        `/v1/shipments/${side.shipment}`,
        `/v1/pick-lists/${side.pickList}`,
        `/v1/returns/${side.ret}`,
        `/v1/webhooks/${side.webhook}`,
        `/v1/webhooks/${side.webhook}/deliveries`,
        `/v1/alerts/${side.alert}`,
      ]) {
        const res = await t.request({ method: 'GET', url, key: side.key });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      }
      const holds = await t.request({ method: 'GET', url: '/v1/holds?limit=500', key: side.key });
      expect(holds.json().data.map((h: { id: number }) => h.id)).toContain(side.held.hold);
    }
  });
});

describe('a key bound to another channel', () => {
  it.each([
    ['a', 'b'],
    ['b', 'a'],
  ] as const)(
    'gets 404 and changes nothing on every operation on %s’s objects (key of %s)',
    async (owner, other) => {
      const failures: string[] = [];
      const expectRefused = await refusals();
      for (const op of channelOwned()) {
        const url = fillPath(
          op.path,
          Object.fromEntries(pathParams(op.path).map((p) => [p, idFor(op.path, world[owner], p)])),
        );
        const body = bodyFor(op, world[owner]);
        try {
          await expectRefused(() => call(op, url, world[other].key, body), 404, 'not_found');
        } catch (err) {
          failures.push(`${op.name}: ${(err as Error).message.split('\n').slice(0, 6).join(' ')}`);
        }
      }
      expect(failures).toEqual([]);
    },
  );

  it.each([['a'], ['b']] as const)(
    'cannot read or confirm a pick list that mixes channels (key of %s)',
    async (who) => {
      const key = world[who].key;
      const url = `/v1/pick-lists/${world.mixedPickList}`;
      const expectRefused = await refusals();
      await expectRefused(() => t.request({ method: 'GET', url, key }), 404, 'not_found');
      await expectRefused(
        () =>
          t.request({
            method: 'POST',
            url: `${url}/confirm`,
            key,
            payload: { items: [{ sku: world.sku, picked: 0 }] },
          }),
        404,
        'not_found',
      );
    },
  );

  it('sees no other channel’s objects in lists', async () => {
    const { a, b } = world;
    const lists: Array<[string, (item: Record<string, unknown>) => unknown, unknown]> = [
      ['/v1/orders?limit=500', (o) => o.id, b.order.id],
      ['/v1/shipments?limit=500', (s) => s.id, b.shipment],
      ['/v1/returns?limit=500', (r) => r.id, b.ret],
      ['/v1/holds?limit=500', (h) => h.id, b.held.hold],
      ['/v1/webhooks?limit=500', (w) => w.id, b.webhook],
      ['/v1/alerts?limit=100', (alert) => alert.id, b.alert],
      ['/v1/notifications?limit=500', (n) => n.id, b.notification],
    ];
    for (const [url, idOf, hidden] of lists) {
      const res = await t.request({ method: 'GET', url, key: a.key });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().data.map(idOf), url).not.toContain(hidden);
    }
    const asked = await t.request({ method: 'GET', url: `/v1/shipments?order_id=${b.order.id}`, key: a.key });
    expect(asked.json().data).toEqual([]);
  });
});

describe('scopes', () => {
  const readScopes = ['orders:read', 'inventory:read'];
  /** POSTs that compute an answer and change nothing: a read scope is enough. */
  const computations = ['promiseDelivery', 'simulateRouting'];

  it('a read-only key gets 403 on every write and changes nothing', async () => {
    const key = await t.keyWith(['orders:read', 'inventory:read']);
    const failures: string[] = [];
    const expectRefused = await refusals();
    for (const op of api().filter((o) => o.method !== 'GET')) {
      if (computations.includes(op.operationId)) {
        expect(readScopes, op.name).toContain(op.scope);
        continue;
      }
      const params = Object.fromEntries(pathParams(op.path).map((p) => [p, 'anything']));
      try {
        await expectRefused(
          () => call(op, fillPath(op.path, params), key, bodyFor(op, world.a)),
          403,
          'forbidden',
        );
      } catch (err) {
        failures.push(`${op.name}: ${(err as Error).message.split('\n').slice(0, 4).join(' ')}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('every write names a scope in the document', () => {
    const unscoped = api()
      .filter((op) => op.method !== 'GET' && op.scope === undefined && op.anyScope === undefined)
      .map((op) => op.name);
    expect(unscoped).toEqual([]);
  });
});

describe('authentication', () => {
  // Three keys × every operation, a database digest each: it grows with the API, so it has room beyond 30 s.
  it('no key, an unknown key or a revoked key gets 401 on every operation and changes nothing', {
    timeout: 120_000,
  }, async () => {
    const made = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      payload: { name: 'gone', scopes: ['admin'] },
    });
    const { id, secret: revoked } = made.json() as { id: string; secret: string };
    expect((await t.request({ method: 'DELETE', url: `/v1/api-keys/${id}` })).statusCode).toBeLessThan(300);
    const failures: string[] = [];
    const expectRefused = await refusals();
    for (const op of api()) {
      const url = fillPath(op.path, Object.fromEntries(pathParams(op.path).map((p) => [p, 'x'])));
      for (const key of [null, 'ordo_sk_not-a-real-key', revoked]) {
        try {
          await expectRefused(() => call(op, url, key, bodyFor(op, world.a)), 401, 'unauthorized');
        } catch (err) {
          failures.push(
            `${op.name} (${key === null ? 'no key' : key.slice(0, 12)}): ${(err as Error).message.split('\n')[0]}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
