import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';

/**
 * A local Shopify Admin GraphQL API: checks each request's shape against the contract (path with the
 * API version, access token header, the operations Ordo uses, at most 250 quantities, fulfilments of
 * open fulfillment order lines only), keeps the quantities it was set to and the fulfilments created, and answers THROTTLED, 429 with Retry-After or 5xx when told to.
 */
export interface FakeShopify {
  origin: string;
  /** inventory item GID -> location GID -> available, as last set. */
  available: Map<string, Map<string, number>>;
  /** SKU -> inventory item GID, for the SKUs the store has. */
  items: Map<string, string>;
  /** Every `inventorySetQuantities` input received, in order. */
  mutations: Array<{ quantities: Array<{ inventoryItemId: string; locationId: string; quantity: number }> }>;
  /** Answers queued for the next calls: 'throttled', 429, 500 (then normal answers again). */
  failNext: Array<'throttled' | 429 | 500>;
  /** Bucket points left, reported in every answer. */
  bucket: { currentlyAvailable: number; maximumAvailable: number; restoreRate: number };
  calls: number;
  /** Shopify order id -> its fulfillment orders and the fulfilments created on it. */
  orders: Map<string, FakeOrder>;
  /** Every `fulfillmentCreate` input received, in order. */
  fulfilments: Array<Record<string, unknown>>;
  /** Apply the next `fulfillmentCreate` but answer 500, as if the answer was lost. */
  loseNextCreate: boolean;
  close(): Promise<void>;
}

export interface FakeOrder {
  fulfillmentOrders: Array<{
    id: string;
    status: string;
    lineItems: { nodes: Array<{ id: string; sku: string; remainingQuantity: number }> };
  }>;
  fulfillments: Array<{ id: string; trackingInfo: Array<{ number: string | null }> }>;
}

/** An order with one open fulfillment order holding `quantity` of each SKU. */
export function fakeOrder(n: number, skus: string[], quantity = 1): FakeOrder {
  return {
    fulfillmentOrders: [
      {
        id: `gid://shopify/FulfillmentOrder/${n}`,
        status: 'OPEN',
        lineItems: {
          nodes: skus.map((sku, i) => ({
            id: `gid://shopify/FulfillmentOrderLineItem/${n * 100 + i}`,
            sku,
            remainingQuantity: quantity,
          })),
        },
      },
    ],
    fulfillments: [],
  };
}

/** `fulfillmentCreate`: checks the input's shape, takes the units off the fulfillment order lines. */
function createFulfilment(fake: FakeShopify, input: Record<string, unknown>) {
  expect(input).toEqual({
    lineItemsByFulfillmentOrder: expect.any(Array),
    notifyCustomer: expect.any(Boolean),
    trackingInfo: expect.any(Object),
  });
  const tracking = input.trackingInfo as Record<string, unknown>;
  expect(Object.keys(tracking).sort()).toEqual(['company', 'number', 'url']);
  expect(tracking).toMatchObject({ company: expect.any(String), number: expect.any(String) });
  const url = tracking.url;
  expect(url === null || /^https?:\/\//.test(String(url)), `tracking url ${String(url)}`).toBe(true);
  const groups = input.lineItemsByFulfillmentOrder as Array<{
    fulfillmentOrderId: string;
    fulfillmentOrderLineItems: Array<{ id: string; quantity: number }>;
  }>;
  expect(groups.length).toBeGreaterThan(0);
  const order = [...fake.orders.values()].find((o) =>
    o.fulfillmentOrders.some((fo) => fo.id === groups[0]?.fulfillmentOrderId),
  );
  if (!order) {
    return {
      fulfillment: null,
      userErrors: [{ field: ['fulfillment'], message: 'Fulfillment order not found' }],
    };
  }
  for (const group of groups) {
    const fo = order.fulfillmentOrders.find((candidate) => candidate.id === group.fulfillmentOrderId);
    expect(fo?.status).toBe('OPEN');
    for (const item of group.fulfillmentOrderLineItems) {
      const line = fo?.lineItems.nodes.find((candidate) => candidate.id === item.id);
      expect(item.quantity).toBeGreaterThan(0);
      expect(item.quantity).toBeLessThanOrEqual(line?.remainingQuantity ?? 0);
      if (line) {
        line.remainingQuantity -= item.quantity;
      }
    }
  }
  fake.fulfilments.push(input);
  const id = `gid://shopify/Fulfillment/${fake.fulfilments.length}`;
  order.fulfillments.push({ id, trackingInfo: [{ number: String(tracking.number) }] });
  return { fulfillment: { id, status: 'SUCCESS' }, userErrors: [] };
}

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

export async function startFakeShopify(token: string, apiVersion = '2025-01'): Promise<FakeShopify> {
  const fake: FakeShopify = {
    origin: '',
    close: async () => {},
    available: new Map(),
    items: new Map(),
    mutations: [],
    failNext: [],
    bucket: { currentlyAvailable: 1000, maximumAvailable: 1000, restoreRate: 50 },
    calls: 0,
    orders: new Map(),
    fulfilments: [],
    loseNextCreate: false,
  };
  const throttle = () => ({ throttleStatus: { ...fake.bucket }, requestedQueryCost: 10 });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    fake.calls++;
    const body = JSON.parse(await readBody(req));
    expect(req.method).toBe('POST');
    expect(req.url).toBe(`/admin/api/${apiVersion}/graphql.json`);
    expect(req.headers['x-shopify-access-token']).toBe(token);
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    const failure = fake.failNext.shift();
    if (failure === 429) {
      return json(429, { errors: 'Too many requests' }, { 'retry-after': '2' });
    }
    if (failure === 500) {
      return json(500, { errors: 'Internal error' });
    }
    if (failure === 'throttled') {
      return json(200, {
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }],
        extensions: { cost: { ...throttle(), throttleStatus: { ...fake.bucket, currentlyAvailable: 0 } } },
      });
    }
    if (String(body.query).includes('inventoryItems(')) {
      const skus = [...String(body.variables.query).matchAll(/sku:"([^"]+)"/g)].map((m) => m[1] ?? '');
      const nodes = skus.flatMap((sku) => {
        const id = fake.items.get(sku);
        return id ? [{ id, sku }] : [];
      });
      return json(200, { data: { inventoryItems: { nodes } }, extensions: { cost: throttle() } });
    }
    if (String(body.query).includes('fulfillmentOrders(first:')) {
      const id = String(body.variables.id);
      expect(id).toMatch(/^gid:\/\/shopify\/Order\/\d+$/);
      const order = fake.orders.get(id.split('/').pop() ?? '');
      const data = order
        ? { id, fulfillments: order.fulfillments, fulfillmentOrders: { nodes: order.fulfillmentOrders } }
        : null;
      return json(200, { data: { order: data }, extensions: { cost: throttle() } });
    }
    if (String(body.query).includes('fulfillmentCreate(fulfillment: $fulfillment)')) {
      const result = createFulfilment(fake, body.variables.fulfillment);
      if (fake.loseNextCreate) {
        fake.loseNextCreate = false;
        return json(502, { errors: 'Bad gateway' });
      }
      return json(200, { data: { fulfillmentCreate: result }, extensions: { cost: throttle() } });
    }
    expect(body.query).toContain('inventorySetQuantities(input: $input)');
    const input = body.variables.input;
    expect(input).toMatchObject({
      name: 'available',
      reason: expect.any(String),
      referenceDocumentUri: expect.any(String),
    });
    expect(input.quantities.length).toBeGreaterThan(0);
    expect(input.quantities.length).toBeLessThanOrEqual(250);
    for (const q of input.quantities) {
      expect(q).toEqual({
        inventoryItemId: expect.stringMatching(/^gid:\/\/shopify\/InventoryItem\/\d+$/),
        locationId: expect.stringMatching(/^gid:\/\/shopify\/Location\/\d+$/),
        quantity: expect.any(Number),
        changeFromQuantity: null,
      });
      const at = fake.available.get(q.inventoryItemId) ?? new Map<string, number>();
      at.set(q.locationId, q.quantity);
      fake.available.set(q.inventoryItemId, at);
    }
    fake.mutations.push(input);
    return json(200, {
      data: {
        inventorySetQuantities: {
          inventoryAdjustmentGroup: { id: 'gid://shopify/InventoryAdjustmentGroup/1' },
          userErrors: [],
        },
      },
      extensions: { cost: throttle() },
    });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A request of the wrong shape: answer 400 and let the test see the assertion.
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: String(err) }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  fake.origin = `http://127.0.0.1:${port}`;
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake;
}
