import { describe, expect, it } from 'vitest';
import {
  eventTypes,
  knownEventTypes,
  matchesPattern,
  patternProblem,
  typesMatching,
  typesReadableWith,
} from '../../../src/modules/events/event-types.js';
import { generateOpenApiDocument } from '../../../src/openapi-document.js';

describe('the event type registry', () => {
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
  });

  it('gives each scope its types, and admin all of them', () => {
    expect(typesReadableWith(['admin'])).toEqual(knownEventTypes);
    const orderFamilies = ['order.', 'shipment.', 'return.', 'refund.'];
    expect(typesReadableWith(['orders:read']).every((t) => orderFamilies.some((f) => t.startsWith(f)))).toBe(
      true,
    );
    expect(typesReadableWith(['catalog:write'])).toEqual([]);
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
    expect(Object.keys(document.webhooks).sort()).toEqual(Object.keys(eventTypes).sort());
    const created = document.webhooks['order.created']?.post.requestBody.content['application/json']?.schema;
    expect(created?.properties.type?.const).toBe('order.created');
    expect(created?.properties).toHaveProperty(
      ['data', 'properties', 'order', '$ref'],
      '#/components/schemas/WebhookOrder',
    );
    expect(document.components.schemas.WebhookOrder).toHaveProperty(['properties', 'lines']);
  });
});

describe('long-polls and shutdown', () => {
  it('answers a waiting long-poll at once when the server closes', async () => {
    const { createTestApp } = await import('../../helpers/app.js');
    const t = await createTestApp();
    let closed = false;
    try {
      const started = Date.now();
      const waiting = t.request({ method: 'GET', url: '/v1/events?after=999999&wait=20' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await t.app.close();
      closed = true;
      const res = await waiting;
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      if (!closed) {
        await t.app.close();
      }
      await t.pool.end();
    }
  });
});
