import Type, { type Static } from 'typebox';
import { Timestamp } from '../../http/fields.js';
import { Page, pageQuery } from '../../http/pagination.js';
import { ActorSchema } from '../events/index.js';

/** The resources whose events make up an order's timeline. */
export const timelineResourceTypes = ['order', 'shipment', 'return', 'refund'] as const;

const worker = { type: 'system', id: null, name: 'release', request_id: null };
const storefront = {
  type: 'api_key',
  id: '9c2f5e1a-3b4d-4e6f-8a7b-0c1d2e3f4a5b',
  name: 'storefront',
  request_id: 'b7f3c1de-4a2b-4c8d-9e0f-1a2b3c4d5e6f',
};
const orderId = '5b1e8f0a-6c39-4f7e-9a0b-2d4c6e8f1a3b';

const entryExamples = [
  {
    id: '0b7d3c1e-2f4a-4b5c-8d6e-7f8091a2b3c4',
    sequence: 4711,
    type: 'order.created',
    resource_type: 'order',
    resource_id: orderId,
    occurred_at: '2026-11-27T10:00:01.000Z',
    actor: storefront,
    summary: 'Order 100001 captured from web: 2 × TSHIRT-BLK-M, 44.98 USD',
    data: { order: { id: orderId, number: 100001, channel: 'web', status: 'allocated' } },
  },
  {
    id: '6a1f0c2d-9e8b-4a7c-b6d5-e4f3a2b1c0d9',
    sequence: 4716,
    type: 'order.released',
    resource_type: 'order',
    resource_id: orderId,
    occurred_at: '2026-11-27T10:00:02.000Z',
    actor: worker,
    summary: 'Released to NJ-DC as 1 shipment',
    data: { shipments: ['0b9a4f7e-3c1d-4e59-9a51-2f1f6f2b8c11'], order: { id: orderId, number: 100001 } },
  },
];

export const TimelineEntrySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'The event id (as in the feed and webhooks)' }),
    sequence: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description:
        'The event’s position in the feed (`GET /v1/events`); null for the moment between its commit and its numbering',
    }),
    type: Type.String({ description: 'The event type, e.g. `order.created`' }),
    resource_type: Type.Enum(timelineResourceTypes, {
      description: 'The order itself, or one of its shipments, returns or refunds',
    }),
    resource_id: Type.String({ description: 'The id of that resource' }),
    occurred_at: Timestamp,
    actor: ActorSchema,
    summary: Type.String({ description: 'What happened, in one line for people' }),
    data: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'The event’s data, as the feed and webhooks carry it (shapes in the OpenAPI `webhooks` section)',
    }),
  },
  { title: 'TimelineEntry', examples: entryExamples },
);
export type TimelineEntry = Static<typeof TimelineEntrySchema>;

const page = Page(TimelineEntrySchema);

export const TimelineSchema = Type.Object(
  {
    order: Type.Object(
      {
        id: Type.String({ format: 'uuid' }),
        number: Type.Integer(),
        channel: Type.String(),
        status: Type.String({ description: 'The order’s status now' }),
      },
      { description: 'The order the timeline is of' },
    ),
    ...page.properties,
  },
  {
    description: 'Everything that happened to the order, oldest first',
    examples: [
      {
        order: { id: orderId, number: 100001, channel: 'web', status: 'shipped' },
        data: entryExamples,
        next_cursor: null,
      },
    ],
  },
);
export type Timeline = Static<typeof TimelineSchema>;

export const TimelineQuerySchema = Type.Object({ ...pageQuery });
export type TimelineQuery = Static<typeof TimelineQuerySchema>;
