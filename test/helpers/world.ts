import { expect } from 'vitest';
import { scopes } from '../../src/http/caller.js';
import type { TestApp } from './app.js';
import { makeCarrier, makeChannel, makeLocation, orderBody, stocked, uniq } from './factories.js';
import { captureOrder, captureReleased, orderOf, shipmentsOf } from './orders.js';

/**
 * A small world of two channels for security tests: each channel has orders in every state that a
 * route acts on, with their shipments, a hold, a pick list of its own, returns, a refund, a webhook
 * and a delivery; the channels share a location, a carrier and a product, and one pick list that
 * holds a shipment of each.
 */

/** What one channel owns, by the path parameter a route takes it as. */
export interface Side {
  channel: string;
  /** An admin key bound to this channel: every scope, so only the binding limits it. */
  key: string;
  /** Released, with a pending shipment that is on no pick list. */
  order: { id: string; number: number; lineId: number };
  shipment: string;
  /** On a payment hold. */
  held: { order: string; hold: number };
  /** Delivered; `ret` is an authorized return of one unit of it. */
  delivered: { id: string; lineId: number };
  ret: string;
  /** A refund of another return of the delivered order, waiting for the payment system. */
  refund: string;
  /** A pick list of this channel's shipments only, made with its key. */
  pickList: number;
  webhook: string;
  delivery: number;
  /** An open alert about its held order's hold (the world's `world-holds` alert rule). */
  alert: number;
  /** The status-link token of its delivered order (what a customer opens without a key). */
  trackToken: string;
  /** The customer notification that its released order was confirmed. */
  notification: string;
}

export interface World {
  location: string;
  sku: string;
  carrier: string;
  /** The id of a spare API key (read-only, unbound). */
  apiKey: string;
  /** A pick list holding a shipment of each channel. */
  mixedPickList: number;
  /** A requested transfer of the product from the shared location to another (transfers are no channel's). */
  transfer: string;
  /** An expected inbound shipment of the product to the shared location (stock for every channel). */
  inbound: string;
  /** A B2B account (accounts are back-office work: no channel's). */
  account: string;
  a: Side;
  b: Side;
}

const returnPolicy = {
  return_window_days: 30,
  non_returnable_tags: [],
  review_reasons: [],
  restocking_fee_percent: {},
  refund_shipping: 'never',
  exchange_release: 'on_receipt',
};

async function ok(t: TestApp, method: 'POST' | 'GET', url: string, payload?: object, key?: string) {
  const res = await t.request({ method, url, ...(payload ? { payload } : {}), ...(key ? { key } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json();
}

/** An order captured and released (its shipment pending at the shared location). */
async function released(t: TestApp, channel: string, sku: string, quantity = 1) {
  const order = await captureReleased(t, orderBody(channel, [{ sku, quantity }]));
  const [shipment] = await shipmentsOf(t, order.id);
  expect(shipment?.status).toBe('pending');
  return { order, shipment: shipment?.id as string };
}

/** Packs (admin override), ships and delivers every shipment of the order. */
async function deliver(t: TestApp, orderId: string) {
  for (const shipment of await shipmentsOf(t, orderId)) {
    await ok(t, 'POST', `/v1/shipments/${shipment.id}/pack`, { override: { reason: 'fixture' } });
    await ok(t, 'POST', `/v1/shipments/${shipment.id}/ship`);
    await ok(t, 'POST', `/v1/shipments/${shipment.id}/tracking`, { status: 'delivered' });
  }
  return orderOf(t, orderId);
}

async function returnsAndRefund(t: TestApp, channel: string, sku: string, location: string) {
  const placed = await released(t, channel, sku, 2);
  const delivered = await deliver(t, placed.order.id);
  const lineId = delivered.lines[0].id as number;
  const lines = [{ line_id: lineId, quantity: 1, reason: 'size_or_fit' }];
  const ret = await ok(t, 'POST', `/v1/orders/${delivered.id}/returns`, { lines });
  const refunded = await ok(t, 'POST', `/v1/orders/${delivered.id}/returns`, { lines });
  await ok(t, 'POST', `/v1/returns/${refunded.id}/receive`, {
    location,
    lines: [{ sku, quantity: 1, condition: 'sellable' }],
  });
  const refund = (await ok(t, 'POST', `/v1/returns/${refunded.id}/refund`)).refunds[0].id as string;
  return { delivered: { id: delivered.id as string, lineId }, ret: ret.id as string, refund };
}

async function webhookAndDelivery(t: TestApp, key: string) {
  const webhook = await ok(
    t,
    'POST',
    '/v1/webhooks',
    { url: 'http://127.0.0.1:9/hooks', event_types: ['order.*'] },
    key,
  );
  await t.app.services.events.sequence();
  const { rows } = await t.pool.query(
    'SELECT id FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY id LIMIT 1',
    [webhook.id],
  );
  expect(rows.length, 'the webhook got a delivery').toBe(1);
  return { webhook: webhook.id as string, delivery: Number(rows[0].id) };
}

async function side(t: TestApp, channel: string, world: { location: string; sku: string }): Promise<Side> {
  const { location, sku } = world;
  // Every scope a channel-bound key may have (admin may not be bound: it could mint an unbound key).
  const key = await t.keyWith(
    scopes.filter((scope) => scope !== 'admin'),
    channel,
  );
  const { order, shipment } = await released(t, channel, sku);
  const heldOrder = await captureOrder(
    t,
    orderBody(channel, [{ sku, quantity: 1 }], {
      payment: { status: 'pending', amount: 1500, method: 'card' },
    }),
  );
  const held = await orderOf(t, heldOrder.id);
  expect(held.holds[0]?.kind).toBe('payment');
  return {
    channel,
    key,
    order: { id: order.id, number: order.number, lineId: order.lines[0].id },
    shipment,
    held: { order: held.id, hold: held.holds[0].id },
    ...(await returnsAndRefund(t, channel, sku, location)),
    pickList: 0,
    ...(await webhookAndDelivery(t, key)),
    alert: 0,
    trackToken: '',
    notification: '',
  };
}

/** An alert about each side's held order's hold: a rule watching every hold, and one evaluation pass. */
async function holdAlerts(t: TestApp, sides: Side[]): Promise<void> {
  const rules = [{ id: 'world-holds', kind: 'hold_age', hours: 0 }];
  const saved = await t.request({ method: 'PUT', url: '/v1/alerts/rules', payload: { rules } });
  expect(saved.statusCode, saved.body).toBe(200);
  await t.app.services.alerts.evaluate();
  for (const side of sides) {
    const found = await ok(t, 'GET', `/v1/alerts?rule=world-holds&subject_id=${side.held.hold}`);
    expect(found.data, `an alert about the hold of ${side.channel}`).toHaveLength(1);
    side.alert = found.data[0].id;
  }
}

/** The notification that each side's released order was confirmed: one pass of the notifications worker. */
async function customerNotifications(t: TestApp, sides: Side[]): Promise<void> {
  await t.app.services.events.sequence();
  await t.app.services.notifications.requestMilestones();
  for (const side of sides) {
    const found = await ok(t, 'GET', `/v1/notifications?order_id=${side.order.id}&template=order_confirmed`);
    expect(found.data, `the confirmation of ${side.channel}'s order`).toHaveLength(1);
    side.notification = found.data[0].id;
  }
}

/** Builds the world over HTTP (and the event sequencer), then waits for background work to settle. */
export async function buildWorld(t: TestApp): Promise<World> {
  const location = (await makeLocation(t)).code;
  const sku = await stocked(t, { [location]: 10_000 });
  const carrier = (await makeCarrier(t, {}, ['standard', 'express', 'same_day'])).code;
  const codes = [uniq('web'), uniq('market')];
  for (const code of codes) {
    await makeChannel(t, { code, return_policy: returnPolicy });
  }
  // Pick lists first, while their shipments are the only pending ones: each channel's own (made
  // with its key, so it takes only that channel's), then one the unbound admin fills with both.
  const pickListKeys = await Promise.all(codes.map((code) => t.keyWith(['fulfillment:write'], code)));
  const own: number[] = [];
  for (const [i, code] of codes.entries()) {
    await released(t, code, sku);
    own.push((await ok(t, 'POST', `/v1/locations/${location}/pick-lists`, {}, pickListKeys[i])).id);
  }
  for (const code of codes) {
    await released(t, code, sku);
  }
  const mixed = await ok(t, 'POST', `/v1/locations/${location}/pick-lists`, {});
  expect(mixed.totes).toHaveLength(2);
  const [a, b] = [
    await side(t, codes[0] as string, { location, sku }),
    await side(t, codes[1] as string, { location, sku }),
  ];
  a.pickList = own[0] as number;
  b.pickList = own[1] as number;
  for (const one of [a, b]) {
    one.trackToken = (await ok(t, 'GET', `/v1/orders/${one.delivered.id}/status-link`)).token;
  }
  await holdAlerts(t, [a, b]);
  await customerNotifications(t, [a, b]);
  const apiKey = (await ok(t, 'POST', '/v1/api-keys', { name: 'spare', scopes: ['orders:read'] })).id;
  const transfer = await ok(t, 'POST', '/v1/transfers', {
    source: location,
    destination: (await makeLocation(t, { kind: 'store' })).code,
    lines: [{ sku, quantity: 1 }],
  });
  const inbound = await ok(t, 'POST', '/v1/inbound-shipments', {
    reference: `PO-${codes[0]}`,
    location,
    expected_date: '2026-12-04',
    lines: [{ sku, quantity: 5 }],
  });
  const account = await ok(t, 'POST', '/v1/accounts', {
    code: `ACC-${codes[0]}`,
    name: 'Acme',
    payment_terms: 'net_30',
    currency: 'USD',
    credit_limit: 100_000,
  });
  await t.app.services.releaser.idle();
  await t.app.services.backorders.idle();
  await t.app.services.events.sequence();
  return {
    location,
    sku,
    carrier,
    apiKey,
    mixedPickList: mixed.id,
    transfer: transfer.id,
    inbound: inbound.id,
    account: account.id,
    a,
    b,
  };
}

/**
 * A real value for a path template's parameter: the side's object of that kind (its order, hold,
 * shipment, pick list, return, refund, webhook, delivery, channel, notification) or the shared one (location,
 * carrier, product, API key). Throws for a path it does not know.
 */
export function realId(world: World, side: Side, path: string, param?: string): string | number {
  // A path naming a second object by its own parameter (…/fulfilments/{shipment_id}/retry).
  if (param === 'shipment_id') {
    return side.shipment;
  }
  // A channel's notification template: the object is the channel; these name which wording.
  if (param === 'template') {
    return 'order_confirmed';
  }
  if (param === 'locale') {
    return 'en';
  }
  const [, , resource, , action] = path.split('/');
  const ids: Record<string, string | number> = {
    orders: action === 'returns' ? side.delivered.id : side.order.id,
    holds: side.held.hold,
    shipments: side.shipment,
    'pick-lists': side.pickList,
    returns: side.ret,
    refunds: side.refund,
    webhooks: side.webhook,
    'webhook-deliveries': side.delivery,
    channels: side.channel,
    locations: world.location,
    carriers: world.carrier,
    products: world.sku,
    routing: side.channel,
    'api-keys': world.apiKey,
    alerts: side.alert,
    notifications: side.notification,
    connectors: side.channel,
    transfers: world.transfer,
    'inbound-shipments': world.inbound,
    track: side.trackToken,
    accounts: world.account,
  };
  const id = resource === undefined ? undefined : ids[resource];
  if (id === undefined) {
    throw new Error(`no fixture for ${path}`);
  }
  return id;
}

/**
 * A digest of every table's content: equal before and after a request means the request changed
 * nothing (remembered idempotency keys aside, which are not data).
 */
export async function databaseDigest(t: TestApp): Promise<Record<string, string>> {
  // Each table once: a partitioned table by its parent, which reads its partitions.
  const { rows: tables } = await t.pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND c.relname <> 'idempotency_keys'
      ORDER BY c.relname`,
  );
  const digests = await t.pool.query<{ name: string; digest: string }>(
    tables
      .map(
        ({ name }) =>
          // A sum of 64-bit row hashes: any changed, added or removed row changes it, and unlike an
          // ordered string_agg it needs no sort (a tenth of the time, over every table per request).
          `SELECT '${name}' AS name, count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) AS digest FROM "${name}" t`,
      )
      .join(' UNION ALL '),
  );
  return Object.fromEntries(digests.rows.map((row) => [row.name, row.digest]));
}
