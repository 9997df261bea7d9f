import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { accountEvents } from '../../../src/modules/accounts/account-events.js';
import { alertEvents } from '../../../src/modules/alerts/alert-events.js';
import { createEventCatalog, matchesPattern } from '../../../src/modules/events/event-catalog.js';
import { shipmentEvents } from '../../../src/modules/fulfillment/shipment-events.js';
import { inboundEvents } from '../../../src/modules/inbound/inbound-events.js';
import { inventoryEvents } from '../../../src/modules/inventory/inventory-events.js';
import { notificationEvents } from '../../../src/modules/notifications/notification-events.js';
import { orderEvents } from '../../../src/modules/orders/order-events.js';
import { returnEvents } from '../../../src/modules/returns/return-events.js';
import { trackingEvents } from '../../../src/modules/tracking/tracking-events.js';
import { transferEvents } from '../../../src/modules/transfers/transfer-events.js';
import { webhookEvents } from '../../../src/modules/webhooks/webhook-events.js';
import { generateOpenApiDocument } from '../../../src/openapi-document.js';
import { createAppEventCatalog } from '../../../src/services.js';
import { longPollProbe } from '../../helpers/queries.js';
import { settled } from '../../helpers/wait.js';

const { types, patternProblem, typesMatching, typesReadableWith, isEventType, definitionOf } =
  createAppEventCatalog();

describe('the event catalog', () => {
  it('matches exact types, families and *', () => {
    expect(matchesPattern('*', 'order.created')).toBe(true);
    expect(matchesPattern('order.*', 'order.created')).toBe(true);
    expect(matchesPattern('order.*', 'orders.created')).toBe(false);
    expect(matchesPattern('order.created', 'order.created')).toBe(true);
    expect(matchesPattern('order.created', 'order.cancelled')).toBe(false);
    expect(typesMatching(['inventory.*'])).toEqual(['inventory.availability_changed', 'inventory.shortfall']);
  });

  it('accepts only patterns that match a known type', () => {
    expect(patternProblem('*')).toBeUndefined();
    expect(patternProblem('order.*')).toBeUndefined();
    expect(patternProblem('webhook.delivery_exhausted')).toBeUndefined();
    expect(patternProblem('order.teleported')).toMatch(/is not an event type/);
    expect(patternProblem('ship.*')).toMatch(/matches no event type/);
    expect(patternProblem('ship.*')).toBe(
      '"ship.*" matches no event type; use `*`, a family such as `order.*`, or an exact type',
    );
    expect(patternProblem('order.teleported')).toBe(
      `"order.teleported" is not an event type; the types are ${types.join(', ')}`,
    );
  });

  it('gives each scope its types, and admin all of them', () => {
    expect(typesReadableWith(['admin'])).toEqual(types);
    const family = (type: string) => type.slice(0, type.indexOf('.'));
    const familiesReadableWith = (scope: Parameters<typeof typesReadableWith>[0][number]) => [
      ...new Set(typesReadableWith([scope]).map(family)),
    ];
    // Alerts are read with orders:read, like GET /v1/alerts: most are about orders, shipments and holds;
    // status links like the orders they show, customer notifications like GET /v1/notifications.
    const orderFamilies = ['alert', 'notification', 'order', 'refund', 'return', 'shipment', 'status_link'];
    expect(familiesReadableWith('orders:read').sort()).toEqual(orderFamilies);
    expect(typesReadableWith(['orders:read'])).toEqual(
      types.filter((type) => orderFamilies.includes(family(type))),
    );
    expect(typesReadableWith(['orders:read'])).toEqual(
      expect.arrayContaining(['alert.raised', 'alert.acknowledged', 'alert.resolved']),
    );
    // Transfers and inbound shipments move stock: read with inventory:read, like the stock they move.
    expect(familiesReadableWith('inventory:read')).toEqual(['inbound_shipment', 'inventory', 'transfer']);
    expect(familiesReadableWith('webhooks:write')).toEqual(['webhook']);
    expect(typesReadableWith(['catalog:write'])).toEqual([]);
    // Accounts and their invoices are money: read with accounts:read.
    expect(familiesReadableWith('accounts:read')).toEqual(['account', 'invoice']);
    // Every type is readable with some scope other than admin.
    const readable = new Set(
      (['orders:read', 'inventory:read', 'webhooks:write', 'accounts:read'] as const).flatMap((scope) =>
        typesReadableWith([scope]),
      ),
    );
    expect([...readable].sort()).toEqual([...types]);
  });

  it('describes every type in the OpenAPI webhooks section, with its data schema', async () => {
    const document = JSON.parse(await generateOpenApiDocument()) as {
      components: { schemas: Record<string, unknown> };
      webhooks: Record<
        string,
        {
          post: {
            requestBody: {
              content: Record<string, { schema: { properties: Record<string, { const?: string }> } }>;
            };
          };
        }
      >;
    };
    expect(Object.keys(document.webhooks).sort()).toEqual([...types].sort());
    // In the order the modules declare them: orders, shipments, returns and refunds, inventory, transfers,
    // inbound shipments, accounts and invoices, webhooks, alerts, status links, customer notifications.
    expect(Object.keys(document.webhooks)).toEqual(
      [
        orderEvents,
        shipmentEvents,
        returnEvents,
        inventoryEvents,
        transferEvents,
        inboundEvents,
        accountEvents,
        webhookEvents,
        alertEvents,
        trackingEvents,
        notificationEvents,
      ].flatMap(Object.keys),
    );
    const raised = document.webhooks['alert.raised']?.post.requestBody.content['application/json']?.schema;
    expect(raised?.properties.type?.const).toBe('alert.raised');
    expect(raised?.properties).toHaveProperty(['data', 'properties', 'subject_id']);
    const created = document.webhooks['order.created']?.post.requestBody.content['application/json']?.schema;
    expect(created?.properties.type?.const).toBe('order.created');
    expect(created?.properties).toHaveProperty(
      ['data', 'properties', 'order', '$ref'],
      '#/components/schemas/WebhookOrder',
    );
    expect(document.components.schemas.WebhookOrder).toHaveProperty(['properties', 'lines']);
  });

  it('knows the types the modules declare, sorted, and nothing else', () => {
    expect(types).toEqual([...types].sort());
    expect(types).toContain('order.created');
    expect(types).toContain('refund.requested');
    expect(isEventType('order.created')).toBe(true);
    expect(isEventType('order.*')).toBe(false);
    expect(isEventType('toString')).toBe(false);
    expect(definitionOf('inventory.shortfall')).toBe(inventoryEvents['inventory.shortfall']);
    expect(definitionOf('order.teleported')).toBeUndefined();
  });

  it('refuses a type declared by two modules', () => {
    const data = Type.Object({});
    const first = { 'parcel.lost': { scope: 'orders:read', summary: 'A parcel was lost', data } } as const;
    const second = {
      'parcel.found': { scope: 'orders:read', summary: 'A parcel was found', data },
      'parcel.lost': { scope: 'inventory:read', summary: 'Lost again', data },
    } as const;
    expect(() => createEventCatalog([first, second])).toThrow('Event type "parcel.lost" is declared twice');
    expect(() => createEventCatalog([orderEvents, shipmentEvents, orderEvents])).toThrow(
      'Event type "order.created" is declared twice',
    );
    expect(createEventCatalog([first]).types).toEqual(['parcel.lost']);
  });
});

describe('long-polls and shutdown', () => {
  it('answers a waiting long-poll at once when the server closes', async () => {
    const { createTestApp } = await import('../../helpers/app.js');
    const t = await createTestApp();
    let closed = false;
    // With the long-poll's clock stopped, only the close can end its wait.
    const probe = longPollProbe(t.pool);
    try {
      const waiting = t.request({ method: 'GET', url: '/v1/events?after=999999&wait=20' });
      const answered = settled(waiting);
      await probe.readsFeed();
      expect(answered()).toBe(false);
      await t.app.close();
      closed = true;
      const res = await waiting;
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toEqual([]);
    } finally {
      probe.stop();
      if (!closed) {
        await t.app.close();
      }
      await t.pool.end();
    }
  });
});
