import { describe, expect, it } from 'vitest';
import { hasSummary, summarize } from '../../../src/modules/timeline/index.js';
import { createAppEventCatalog } from '../../../src/services.js';

/** One sentence per event type: a case per type of the event catalog, from data shaped as the event carries it. */

const order = {
  id: '5b1e8f0a-6c39-4f7e-9a0b-2d4c6e8f1a3b',
  number: 100001,
  channel: 'web',
  status: 'allocated',
  currency: 'USD',
  payment: { status: 'captured', amount: 4498, method: 'card' },
  totals: { subtotal: 3998, discount_total: 0, shipping: 500, tax_total: 0, total: 4498, refunded: 0 },
  lines: [
    { id: 311, sku: 'TSHIRT-BLK-M', quantity: 2, backordered: 0, shipped: 2, returned: 1 },
    { id: 312, sku: 'MUG-1', quantity: 1, backordered: 1, shipped: 0, returned: 0 },
  ],
  reservations: [
    { location: 'NJ-DC', items: [{ line_id: 311, sku: 'TSHIRT-BLK-M', quantity: 2 }] },
    { location: 'CHI-DC', items: [{ line_id: 312, sku: 'MUG-1', quantity: 1 }] },
  ],
};
const transfer = {
  id: '3c2b1a09-8f7e-4d6c-9b5a-4a3b2c1d0e9f',
  number: 42,
  source: 'NJ-DC',
  destination: 'NYC-STORE',
  status: 'requested',
  lines: [
    { sku: 'TSHIRT-BLK-M', quantity: 24, shipped: 0, received: 0 },
    { sku: 'MUG-1', quantity: 6, shipped: 0, received: 0 },
  ],
};
const inbound = {
  id: '5d1c7e0a-2b3f-4a6d-9c8e-1f2a3b4c5d6e',
  number: 17,
  reference: 'PO-2026-1187',
  location: 'NJ-DC',
  status: 'expected',
  expected_date: '2026-12-04',
  lines: [
    { sku: 'TSHIRT-BLK-M', quantity: 200, received: 0, incoming: 200, over: 0, short: 0 },
    { sku: 'MUG-1', quantity: 48, received: 0, incoming: 48, over: 0, short: 0 },
  ],
};
const hold = {
  id: 17,
  kind: 'payment',
  queue: 'payments',
  status: 'open',
  reason: 'payment is pending',
  note: null,
};
const shipment = {
  id: '0b9a4f7e-3c1d-4e59-9a51-2f1f6f2b8c11',
  number: '100001-1',
  location: 'NJ-DC',
  status: 'shipped',
  ship_by: '2026-11-30',
  carrier: 'ups',
  service: 'ground',
  tracking_number: '1Z999AA10123456784',
  lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2 }],
  pick_list_id: 12,
  tote: 3,
  pack_override: null,
  exception: null,
};
const tracking = { status: 'out_for_delivery', description: 'Loaded on truck', location: 'Newark, NJ' };
const ret = {
  id: '2f1d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b',
  number: 'R100001-1',
  initiated_by: 'customer',
  lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1, reason: 'size_or_fit' }],
  replacement_lines: [{ sku: 'TSHIRT-BLK-L', quantity: 1 }],
  refunds: [{ id: 'a1b2c3d4-0000-4000-8000-000000000001', amount: 1999, currency: 'USD' }],
  carrier: 'ups',
  tracking_number: '1ZRETURN',
};
const subscription = {
  id: 'c0ffee00-0000-4000-8000-000000000000',
  url: 'https://erp.example.com/ordo',
  channel: null,
};

const alert = {
  id: 42,
  rule: 'payments-aging',
  kind: 'hold_age',
  subject_type: 'hold',
  subject_id: '17',
  status: 'open',
  summary: 'Hold 17 (payment) on order 100001 has been open in queue payments for more than 4 h',
};

const cases: Record<string, { data: Record<string, unknown>; sentence: string }> = {
  'order.created': {
    data: { order },
    sentence: 'Order 100001 captured from web: 2 × TSHIRT-BLK-M, 1 × MUG-1, 44.98 USD',
  },
  'order.routed': {
    data: {
      order_id: order.id,
      number: 100001,
      routing: {
        rule: { index: 0, name: 'East coast' },
        locations: ['NJ-DC'],
        shipments: 1,
        cost: 795,
        why: 'nearest',
      },
    },
    sentence: 'Routed to NJ-DC (1 shipment) by rule "East coast": nearest',
  },
  'order.held': {
    data: { hold, order },
    sentence: 'Hold opened: payment (payments queue) — payment is pending',
  },
  'order.hold_released': {
    data: { hold: { ...hold, status: 'released', note: 'Called the customer' }, order },
    sentence: 'Hold released: payment (payments queue) — Called the customer',
  },
  'order.allocated': { data: { order }, sentence: 'Allocated: 2 units at NJ-DC, 1 unit at CHI-DC' },
  'order.backordered': { data: { order }, sentence: 'Backordered: waiting for 1 × MUG-1' },
  'order.cancelled': {
    data: { reason: 'customer request', order },
    sentence: 'Order 100001 cancelled: customer request',
  },
  'order.updated': {
    data: {
      change: 'lines_cancelled',
      reason: 'out of stock',
      lines: [{ line_id: 312, quantity: 1 }],
      order,
    },
    sentence: 'Lines cancelled: 1 × MUG-1: out of stock',
  },
  'order.released': {
    data: { shipments: [shipment.id], order },
    sentence: 'Released to NJ-DC, CHI-DC as 1 shipment',
  },
  'order.shipped': { data: { order }, sentence: 'Order 100001 shipped: all 2 units left' },
  'order.delivered': { data: { order }, sentence: 'Order 100001 delivered: every parcel arrived' },
  'order.returned': { data: { order }, sentence: 'Order 100001 returned: every shipped unit came back' },
  'order.promise_changed': {
    data: {
      previous_promised_delivery_date: '2026-12-09',
      promised_delivery_date: '2026-12-16',
      reason: 'inbound_rescheduled',
      order,
    },
    sentence:
      'Promised delivery moved later to 2026-12-16 (was 2026-12-09): an inbound shipment was rescheduled',
  },
  'shipment.created': {
    data: { shipment },
    sentence: 'Shipment 100001-1 created at NJ-DC: 2 × TSHIRT-BLK-M, ship by 2026-11-30',
  },
  'shipment.picking': {
    data: { pick_list_id: 12, shipment },
    sentence: 'Shipment 100001-1 on pick list 12, tote 3',
  },
  'shipment.packed': {
    data: { shipment: { ...shipment, pack_override: { reason: 'scanner down' } } },
    sentence: 'Shipment 100001-1 packed for ups ground (override: scanner down)',
  },
  'shipment.shipped': {
    data: { shipment },
    sentence: 'Shipment 100001-1 shipped from NJ-DC by ups ground, tracking 1Z999AA10123456784',
  },
  'shipment.in_transit': {
    data: { tracking: { ...tracking, status: 'in_transit' }, shipment },
    sentence: 'Shipment 100001-1 in transit at Newark, NJ (Loaded on truck)',
  },
  'shipment.tracking_updated': {
    data: { tracking, shipment },
    sentence: 'Shipment 100001-1 carrier update: out_for_delivery at Newark, NJ (Loaded on truck)',
  },
  'shipment.delivered': {
    data: { tracking: { status: 'delivered', location: 'New York, NY' }, shipment },
    sentence: 'Shipment 100001-1 delivered at New York, NY',
  },
  'shipment.exception': {
    data: { tracking, shipment: { ...shipment, exception: 'address not found' } },
    sentence: 'Shipment 100001-1 carrier exception: address not found',
  },
  'shipment.updated': {
    data: { change: 'rated', reason: 'was fedex 2day', shipment },
    sentence: 'Shipment 100001-1 rated again for ups ground (was fedex 2day)',
  },
  'shipment.cancelled': {
    data: { reason: 'order cancelled', shipment },
    sentence: 'Shipment 100001-1 cancelled: order cancelled',
  },
  'return.requested': {
    data: { return: ret },
    sentence:
      'Return R100001-1 requested by the customer: 1 × TSHIRT-BLK-M (size_or_fit), exchange for 1 × TSHIRT-BLK-L',
  },
  'return.authorized': { data: { return: ret }, sentence: 'Return R100001-1 authorized' },
  'return.rejected': {
    data: { reason: 'outside the window', return: ret },
    sentence: 'Return R100001-1 rejected: outside the window',
  },
  'return.in_transit': {
    data: { return: ret },
    sentence: 'Return R100001-1 on its way back by ups, tracking 1ZRETURN',
  },
  'return.received': {
    data: {
      location: 'NJ-DC',
      lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1, condition: 'damaged' }],
      return: ret,
    },
    sentence: 'Return R100001-1 received at NJ-DC: 1 × TSHIRT-BLK-M damaged',
  },
  'return.refunded': {
    data: { refund_id: ret.refunds[0]?.id, amount: 1999, return: ret },
    sentence: 'Return R100001-1 refunded: 19.99 USD confirmed by the payment system',
  },
  'return.closed': { data: { reason: null, return: ret }, sentence: 'Return R100001-1 closed' },
  'refund.requested': {
    data: { refund: ret.refunds[0], return_id: ret.id, order_id: order.id, order_number: 100001 },
    sentence: 'Refund of 19.99 USD requested for order 100001: the payment system should pay it',
  },
  'inventory.availability_changed': {
    data: { sku: 'TSHIRT-BLK-M', channel: 'web', available: 115, previous: 117 },
    sentence: 'web may now sell 115 of TSHIRT-BLK-M (was 117)',
  },
  'inventory.shortfall': {
    data: {
      sku: 'MUG-1',
      location: 'NJ-DC',
      on_hand: 2,
      reserved: 5,
      short_by: 3,
      holders: [],
      reference: 'CC-7',
    },
    sentence: 'MUG-1 at NJ-DC is short by 3: 2 on hand, 5 reserved (feed CC-7)',
  },
  'webhook.delivery_exhausted': {
    data: {
      subscription,
      delivery_id: 9,
      event_id: order.id,
      event_type: 'order.created',
      event_sequence: 4711,
      attempts: 10,
      last_status: 500,
      last_error: null,
    },
    sentence:
      'Webhook delivery of order.created #4711 to https://erp.example.com/ordo given up after 10 attempts; last status 500',
  },
  'webhook.subscription_disabled': {
    data: { subscription, reason: 'the endpoint answered 410 Gone' },
    sentence: 'Webhook subscription to https://erp.example.com/ordo disabled: the endpoint answered 410 Gone',
  },
  'transfer.created': {
    data: { transfer },
    sentence: 'Transfer 42 NJ-DC → NYC-STORE requested: 30 units',
  },
  'transfer.shipped': {
    data: { transfer: { ...transfer, status: 'in_transit' } },
    sentence: 'Transfer 42 NJ-DC → NYC-STORE shipped: 30 units',
  },
  'transfer.received': {
    data: {
      transfer: { ...transfer, status: 'received' },
      receipt: { lines: [{ sku: 'MUG-1', quantity: 6 }], complete: true },
    },
    sentence: 'Transfer 42: 6 units received at NYC-STORE, now complete',
  },
  'transfer.cancelled': {
    data: { transfer: { ...transfer, status: 'cancelled' } },
    sentence: 'Transfer 42 NJ-DC → NYC-STORE cancelled: 30 units',
  },
  'inbound_shipment.created': {
    data: { inbound_shipment: inbound },
    sentence: 'Inbound shipment PO-2026-1187 to NJ-DC announced: 248 units expected 2026-12-04',
  },
  'inbound_shipment.in_transit': {
    data: { inbound_shipment: { ...inbound, status: 'in_transit' } },
    sentence: 'Inbound shipment PO-2026-1187 to NJ-DC in transit: 248 units expected 2026-12-04',
  },
  'inbound_shipment.rescheduled': {
    data: {
      inbound_shipment: { ...inbound, expected_date: '2026-12-11' },
      previous_expected_date: '2026-12-04',
    },
    sentence: 'Inbound shipment PO-2026-1187 to NJ-DC now expected 2026-12-11 (was 2026-12-04)',
  },
  'inbound_shipment.receipt': {
    data: {
      inbound_shipment: { ...inbound, status: 'in_transit' },
      receipt: { reference: 'GRN-1', lines: [{ sku: 'MUG-1', quantity: 50, over: 2 }], closed: false },
    },
    sentence: 'Inbound shipment PO-2026-1187: 50 units received at NJ-DC (2 over)',
  },
  'inbound_shipment.received': {
    data: {
      inbound_shipment: {
        ...inbound,
        status: 'received',
        lines: [
          { sku: 'TSHIRT-BLK-M', quantity: 200, received: 180, short: 20 },
          { sku: 'MUG-1', quantity: 48, received: 50, short: 0 },
        ],
      },
    },
    sentence: 'Inbound shipment PO-2026-1187 received at NJ-DC: 230 units, 20 short',
  },
  'inbound_shipment.cancelled': {
    data: { inbound_shipment: { ...inbound, status: 'cancelled' } },
    sentence: 'Inbound shipment PO-2026-1187 to NJ-DC cancelled: 248 units expected 2026-12-04',
  },
  'account.created': {
    data: { account: { code: 'ACME-001', terms: 'net_30', credit_limit: 500000, currency: 'USD' } },
    sentence: 'Account ACME-001 opened: net_30, limit 5000.00 USD',
  },
  'account.updated': {
    data: { account: { code: 'ACME-001' }, fields: ['credit_limit', 'buyers'] },
    sentence: 'Account ACME-001 changed: credit_limit, buyers',
  },
  'account.credit_limit_exceeded': {
    data: {
      code: 'ACME-001',
      credit_limit: 10000,
      currency: 'USD',
      order_value: 6497,
      exposure: { total: 4498 },
      order: { number: 100002 },
    },
    sentence: 'Account ACME-001 over its limit of 100.00 USD with order 100002 (64.97 USD on 44.98 USD owed)',
  },
  'account.payment_recorded': {
    data: { payment: { reference: 'WIRE-7781', amount: 4498, currency: 'USD' } },
    sentence: 'Payment WIRE-7781 of 44.98 USD recorded',
  },
  'invoice.due': {
    data: {
      account_code: 'ACME-001',
      invoice: { number: 12, order_number: 100231, amount: 125000, currency: 'USD', due_date: '2026-12-31' },
    },
    sentence: 'Invoice 12 for order 100231 (ACME-001): 1250.00 USD due 2026-12-31',
  },
  'invoice.paid': {
    data: {
      account_code: 'ACME-001',
      invoice: { number: 12, order_number: 100231, amount: 125000, currency: 'USD' },
    },
    sentence: 'Invoice 12 for order 100231 (ACME-001): 1250.00 USD paid',
  },
  'alert.raised': { data: alert, sentence: `Alert 42 raised (rule payments-aging): ${alert.summary}` },
  'alert.acknowledged': {
    data: { ...alert, status: 'acknowledged' },
    sentence: `Alert 42 acknowledged (rule payments-aging): ${alert.summary}`,
  },
  'alert.resolved': {
    data: { ...alert, status: 'resolved' },
    sentence: `Alert 42 resolved (rule payments-aging): ${alert.summary}`,
  },
  'status_link.renewed': {
    data: { order_id: order.id, order_number: 100001, version: 2 },
    sentence: 'New status link issued for order 100001: earlier links no longer work',
  },
  'status_link.revoked': {
    data: { order_id: order.id, order_number: 100001, version: 1 },
    sentence: "Status link of order 100001 revoked: the customer's page answers 404",
  },
  'notification.requested': {
    data: { template: 'order_shipped', order_number: 100001, recipient: { email: 'ada@example.com' } },
    sentence: 'Customer notification requested: order_shipped for order 100001 to ada@example.com',
  },
  'notification.sent': {
    data: { template: 'order_shipped', order_number: 100001, recipient: { email: 'ada@example.com' } },
    sentence: 'Customer e-mail sent: order_shipped for order 100001 to ada@example.com',
  },
  'notification.failed': {
    data: {
      template: 'order_shipped',
      order_number: 100001,
      recipient: { email: 'ada@example.com' },
      attempts: 6,
      last_error: 'EENVELOPE: 550 no such user',
    },
    sentence:
      'Customer e-mail failed after 6 attempts: order_shipped for order 100001 to ada@example.com (EENVELOPE: 550 no such user)',
  },
};

const catalog = createAppEventCatalog();

describe('timeline summaries', () => {
  it('has a sentence, and a case here, for every event type of the catalog', () => {
    const missing = catalog.types.filter((type) => !hasSummary(type));
    expect(missing, 'event types without a sentence in src/modules/timeline/*-summaries.ts').toEqual([]);
    expect(Object.keys(cases).sort()).toEqual([...catalog.types].sort());
  });

  it.each(Object.entries(cases))('%s', (type, { data, sentence }) => {
    expect(summarize({ type, data })).toBe(sentence);
  });

  it.each([...catalog.types])('%s: one line, even from data missing every field', (type) => {
    const sentence = summarize({ type, data: {} });
    expect(sentence.length).toBeGreaterThan(0);
    expect(sentence).not.toMatch(/\n|undefined|null|NaN|\[object/);
    expect(summarize({ type, data: null })).toBe(sentence);
  });

  it('says what each kind of order update changed', () => {
    const updated = (data: Record<string, unknown>) =>
      summarize({ type: 'order.updated', data: { order, ...data } });
    expect(updated({ change: 'edited', fields: ['ship_to', 'lines'] })).toBe(
      'Order 100001 edited: ship_to, lines',
    );
    expect(updated({ change: 'payment' })).toBe('Payment captured: 44.98 USD');
    expect(updated({ change: 'allocation' })).toBe('More stock reserved: 2 units at NJ-DC, 1 unit at CHI-DC');
    expect(updated({ change: 'reservations_expired' })).toBe(
      'Reservations of order 100001 expired while it was held; its stock was freed',
    );
    expect(updated({ change: 'partially_shipped' })).toBe('Order 100001 partially shipped: 2 of 3 units');
    expect(updated({ change: 'partially_returned' })).toBe(
      'Order 100001 partially returned: 1 of 2 shipped units',
    );
    expect(updated({ change: 'rerouted', from_location: 'NJ-DC', reason: 'short pick' })).toBe(
      'Rerouted away from NJ-DC: short pick',
    );
    expect(
      updated({
        change: 'not_applied',
        reason: 'Shopify changed the order after it was released: shipping address',
      }),
    ).toBe(
      'A change to order 100001 was not applied: Shopify changed the order after it was released: shipping address',
    );
    expect(
      updated({
        change: 'promise',
        previous_promised_delivery_date: null,
        promised_delivery_date: '2026-12-09',
        reason: 'inbound_announced',
      }),
    ).toBe('Promised delivery moved earlier to 2026-12-09 (was none): an inbound shipment was announced');
    expect(
      summarize({
        type: 'order.promise_changed',
        data: {
          previous_promised_delivery_date: '2026-12-09',
          promised_delivery_date: null,
          reason: 'inbound_overdue',
        },
      }),
    ).toBe(
      'Promised delivery 2026-12-09 withdrawn as no incoming stock covers the backorder: an inbound shipment is overdue',
    );
    expect(updated({ change: 'teleported' })).toBe('Order 100001 updated (teleported)');
  });

  it('says what each kind of shipment update changed', () => {
    const updated = (data: Record<string, unknown>) =>
      summarize({ type: 'shipment.updated', data: { shipment, ...data } });
    expect(updated({ change: 'lines_cancelled', reason: 'customer request' })).toBe(
      'Cancelled units left Shipment 100001-1, which now holds 2 × TSHIRT-BLK-M: customer request',
    );
    expect(updated({ change: 'lines_given_back', reason: 'damaged in the bin' })).toBe(
      'Shipment 100001-1 gave units back to be routed elsewhere; it now holds 2 × TSHIRT-BLK-M: damaged in the bin',
    );
    expect(updated({ change: 'rated', shipment: { ...shipment, carrier: null } })).toBe(
      'Shipment 100001-1 rated again: no carrier service',
    );
  });

  it('writes money in the currency’s own decimals, and lists at most three SKUs', () => {
    const yen = { ...order, currency: 'JPY', totals: { total: 4500 } };
    expect(summarize({ type: 'order.created', data: { order: yen } })).toBe(
      'Order 100001 captured from web: 2 × TSHIRT-BLK-M, 1 × MUG-1, 4500 JPY',
    );
    const many = { ...order, lines: ['A', 'B', 'C', 'D', 'E'].map((sku) => ({ sku, quantity: 1 })) };
    expect(summarize({ type: 'order.created', data: { order: many } })).toBe(
      'Order 100001 captured from web: 1 × A, 1 × B, 1 × C and 2 more, 44.98 USD',
    );
  });

  it('falls back to the catalog’s description for a type with no sentence of its own', () => {
    expect(summarize({ type: 'order.teleported', data: {} }, () => 'An order was teleported')).toBe(
      'An order was teleported',
    );
    expect(summarize({ type: 'order.teleported', data: {} })).toBe('order.teleported');
  });
});
