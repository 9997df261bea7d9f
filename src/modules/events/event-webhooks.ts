import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types';
import { OrderSchema } from '../orders/orders.schemas.js';
import { type EventTypeDefinition, eventTypes } from './event-types.js';
import { TypedEventSchema } from './events.schemas.js';

const header = (description: string, example: string) => ({
  required: true,
  description,
  schema: { type: 'string' as const },
  example,
});

const standardWebhookHeaders = [
  {
    name: 'webhook-id',
    in: 'header',
    ...header(
      'The event id: the same on every retry and replay; deduplicate by it',
      '0b7d3c1e-2f4a-4b5c-8d6e-7f8091a2b3c4',
    ),
  },
  {
    name: 'webhook-timestamp',
    in: 'header',
    ...header('Unix seconds when this attempt was signed', '1795766402'),
  },
  {
    name: 'webhook-signature',
    in: 'header',
    ...header(
      'Space-separated `v1,<base64 HMAC-SHA256>` signatures of `<id>.<timestamp>.<body>` (two during a secret rotation); verify with a Standard Webhooks library',
      'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
    ),
  },
] as const;

/**
 * Schemas many payloads share, named once in `components.schemas` so a generated client has one Order
 * type for every order event rather than one per event type.
 */
const shared = { WebhookOrder: OrderSchema };

/**
 * `schema` as plain JSON, with every copy of a shared schema replaced by a reference to it. (Typed as
 * openapi-types' 3.0 schema: its 3.1 PathItemObject still expects those in media types.)
 */
function withReferences(schema: unknown): OpenAPIV3.SchemaObject | OpenAPIV3.ReferenceObject {
  let json = JSON.stringify(schema);
  for (const [name, sharedSchema] of Object.entries(shared)) {
    json = json.replaceAll(
      JSON.stringify(sharedSchema),
      JSON.stringify({ $ref: `#/components/schemas/${name}` }),
    );
  }
  return JSON.parse(json);
}

/** The OpenAPI `webhooks` section (one entry per event type, with the exact body a receiver gets) and its schemas. */
export function eventWebhookDocument(): {
  webhooks: Record<string, OpenAPIV3_1.PathItemObject>;
  schemas: Record<string, OpenAPIV3_1.SchemaObject>;
} {
  return { webhooks: eventWebhooks(), schemas: JSON.parse(JSON.stringify(shared)) };
}

function eventWebhooks(): Record<string, OpenAPIV3_1.PathItemObject> {
  return Object.fromEntries(
    Object.entries(eventTypes as Record<string, EventTypeDefinition>).map(([type, definition]) => [
      type,
      {
        post: {
          operationId: `${type.replace(/[._]([a-z])/g, (_m, c: string) => c.toUpperCase())}Webhook`,
          tags: ['Webhooks'],
          summary: definition.summary,
          description: `Sent to subscriptions matching \`${type}\` (or its family, or \`*\`). Answer 2xx quickly; anything else is retried.`,
          security: [],
          parameters: [...standardWebhookHeaders],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: withReferences(TypedEventSchema(type, definition.data, definition.summary)),
              },
            },
          },
          responses: {
            '200': { description: 'Received (any 2xx counts); 410 disables the subscription' },
          },
        },
      },
    ]),
  );
}
